"""The Cloud API webhook endpoint: one URL serves every channel of the deployment.

GET answers Meta's verification handshake. POST checks ``X-Hub-Signature-256`` over the
raw body before anything else, then hands the body to the service, which stores it
before this view answers 200.

The view is async and does its database work on a small dedicated thread pool whose
threads keep their database connections: the hottest endpoint then pays neither a
thread nor a connection per request. Live events collected during processing are
awaited here, after the commit, on the server's event loop.
"""

from __future__ import annotations

import asyncio
import hmac
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from conversations import events
from conversations.directory import directory
from conversations.services.webhooks import webhook_receive
from conversations.whatsapp.signature import matching_secret

_pool = (
    ThreadPoolExecutor(max_workers=settings.WEBHOOK_INGEST_THREADS, thread_name_prefix="webhook")
    if settings.WEBHOOK_INGEST_THREADS
    else None
)


async def _run(function: Any, *args: Any) -> _Answer:
    """Run ``function`` on the webhook pool; inline (the caller's thread and connection)
    when the pool is off, as in the unit tests whose data lives in one open transaction."""
    if _pool is None:
        return await sync_to_async(_guarded)(function, *args)
    return await asyncio.get_running_loop().run_in_executor(_pool, _in_pool, function, *args)


@dataclass
class _Answer:
    status: int
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    text: str | None = None
    broadcasts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def response(self) -> HttpResponse:
        if self.text is not None:
            return HttpResponse(self.text, content_type="text/plain", status=self.status)
        if self.error:
            response = JsonResponse({"error": self.error, **self.extra}, status=self.status)
            if self.status == 503:
                response["Retry-After"] = "30"
            return response
        return HttpResponse(status=self.status)


@csrf_exempt
async def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return (await _run(_verify_handshake, dict(request.GET.items()))).response()
    if request.method != "POST":
        response = JsonResponse({"error": "use GET (verification) or POST (events)"}, status=405)
        response["Allow"] = "GET, POST"
        return response
    received_at = timezone.now()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _Answer(400, "Content-Length is not a number").response()
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    if declared > limit or len(body := request.body) > limit:
        return _Answer(413, f"webhook bodies are limited to {limit} bytes").response()
    signature = request.headers.get("X-Hub-Signature-256", "")
    if not signature:
        return _Answer(401, "missing X-Hub-Signature-256 header").response()
    answer = await _run(_receive, body, signature, received_at)
    await events.flush(answer.broadcasts)
    return answer.response()


def _in_pool(function: Any, *args: Any) -> _Answer:
    """Run in a pool thread, which keeps its database connection while it is healthy.

    Django's request-cycle rule (close when older than CONN_MAX_AGE, i.e. at once with a
    connection pool) would hand the connection back and check it out again per webhook:
    two extra round trips to PostgreSQL for nothing. A connection that failed is closed.
    """
    try:
        return _guarded(function, *args)
    finally:
        for connection in connections.all(initialized_only=True):
            if (
                connection.connection is not None
                and connection.errors_occurred
                and not connection.is_usable()
            ):
                connection.close()


def _guarded(function: Any, *args: Any) -> _Answer:
    try:
        return function(*args)
    except DatabaseError:
        # Nothing could be stored: make Meta retry later rather than lose the event.
        return _Answer(503, "storage unavailable, retry later")


def _verify_handshake(params: dict[str, str]) -> _Answer:
    mode, token, challenge = (params.get(f"hub.{k}", "") for k in ("mode", "verify_token", "challenge"))
    if mode != "subscribe" or not challenge:
        return _Answer(400, "expected hub.mode=subscribe with a hub.challenge")
    # Compare with every token so the time taken does not depend on which one matched.
    matches = [hmac.compare_digest(token.encode(), known.encode()) for known in directory.verify_tokens()]
    if not token or not any(matches):
        return _Answer(403, "hub.verify_token does not match any channel's verify token")
    return _Answer(200, text=challenge)


def _receive(body: bytes, signature: str, received_at: datetime) -> _Answer:
    secret = matching_secret(body, signature, directory.app_secrets())
    if secret is None:
        return _Answer(403, "X-Hub-Signature-256 does not match the body for any channel's app secret")
    with events.collect_broadcasts() as broadcasts:
        outcome = webhook_receive(body=body, signature=signature, app_secret=secret, received_at=received_at)
    if outcome.error:
        return _Answer(400, outcome.error, extra={"event_id": outcome.event.pk})
    return _Answer(200, broadcasts=broadcasts)
