"""The Cloud API webhook endpoint: one URL serves every channel of the deployment.

GET answers Meta's verification handshake. POST checks ``X-Hub-Signature-256`` over the
raw body before anything else, then hands the body to the service, which stores it
before the endpoint answers 200.

:func:`handle` is the endpoint, independent of the transport. Two thin adapters serve
it: the ASGI route :class:`WebhookApp` that ``waproject/asgi.py`` mounts in front of
Django (Meta's server needs no sessions, CSRF, auth or messages middleware, nor the
per-request threads Django's handler starts for them), and the Django view
:func:`whatsapp_webhook` for WSGI and the test client. Database work runs on a small
dedicated thread pool whose threads keep their connections; live events collected
during processing are awaited after the commit, on the server's event loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port, validate_host
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from conversations.directory import directory
from conversations.services.webhooks import webhook_receive
from conversations.webhooks.journal import close_broken_connections, webhook_journal
from ops import logs, metrics
from waproject import broadcasts
from whatsapp.signature import matching_secret

logger = logging.getLogger(__name__)

PATH = "/webhooks/whatsapp/"

_pool = (
    ThreadPoolExecutor(max_workers=settings.WEBHOOK_INGEST_THREADS, thread_name_prefix="webhook")
    if settings.WEBHOOK_INGEST_THREADS
    else None
)

#: Reads the request body; returns None when it exceeds the given number of bytes.
BodyReader = Callable[[int], Awaitable[bytes | None]]


@dataclass
class Answer:
    status: int
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    text: str | None = None
    broadcasts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return "text/plain" if self.text is not None else "application/json"

    @property
    def content(self) -> bytes:
        if self.text is not None:
            return self.text.encode()
        return json.dumps({"error": self.error, **self.extra}).encode() if self.error else b""

    @property
    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": self.content_type}
        if self.status == 503:
            headers["Retry-After"] = "30"
        if self.status == 405:
            headers["Allow"] = "GET, POST"
        return headers


async def handle(
    *,
    method: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    read_body: BodyReader,
    journaled: bool = False,
) -> Answer:
    """The webhook for one request (``headers`` keys in lower case); counted and timed
    (X2: ``wa_webhooks``, ``wa_webhook_ack_seconds``), its log lines carry a request id.
    ``journaled``: acknowledge after the journal's group commit, process behind it
    (``conversations.webhooks.journal``; the ASGI route with ``WEBHOOK_JOURNAL``)."""
    started = time.perf_counter()
    token = logs.bind(request_id=logs.new_id())
    try:
        answer = await _handle(
            method=method, query=query, headers=headers, read_body=read_body, journaled=journaled
        )
    except Exception:
        if method == "POST":
            metrics.webhook_answered(500, time.perf_counter() - started)
        raise
    finally:
        logs.reset(token)
    if method == "POST":
        metrics.webhook_answered(answer.status, time.perf_counter() - started)
    return answer


async def _handle(
    *,
    method: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    read_body: BodyReader,
    journaled: bool,
) -> Answer:
    if method == "GET":
        return await _run(_verify_handshake, dict(query))
    if method != "POST":
        return Answer(405, "use GET (verification) or POST (events)")
    received_at = timezone.now()
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    try:
        declared = int(headers.get("content-length") or 0)
    except ValueError:
        return Answer(400, "Content-Length is not a number")
    body = None if declared > limit else await read_body(limit)
    if body is None:
        return Answer(413, f"webhook bodies are limited to {limit} bytes")
    signature = headers.get("x-hub-signature-256", "")
    if not signature:
        return Answer(401, "missing X-Hub-Signature-256 header")
    if journaled:
        outcome = await webhook_journal.receive(body=body, signature=signature, received_at=received_at)
        extra = {"event_id": outcome.event_id} if outcome.event_id is not None else {}
        return Answer(outcome.status, outcome.error, extra=extra)
    answer = await _run(_receive, body, signature, received_at)
    await broadcasts.flush(answer.broadcasts)
    return answer


async def _run(function: Any, *args: Any) -> Answer:
    """Run ``function`` on the webhook pool; inline (the caller's thread and connection)
    when the pool is off, as in the unit tests whose data lives in one open transaction."""
    if _pool is None:
        return await sync_to_async(_guarded)(function, *args)
    context = contextvars.copy_context()  # the log context (request id) follows into the pool
    return await asyncio.get_running_loop().run_in_executor(_pool, context.run, _in_pool, function, *args)


def _in_pool(function: Any, *args: Any) -> Answer:
    """Run in a pool thread, which keeps its database connection while it is healthy.

    Django's request-cycle rule (close when older than CONN_MAX_AGE, i.e. at once with a
    connection pool) would hand the connection back and check it out again per webhook:
    two extra round trips to PostgreSQL for nothing. A connection that failed is closed.
    """
    try:
        return _guarded(function, *args)
    finally:
        close_broken_connections()


def _guarded(function: Any, *args: Any) -> Answer:
    try:
        return function(*args)
    except DatabaseError:
        # Nothing could be stored: make Meta retry later rather than lose the event.
        logger.exception("webhook not stored")
        return Answer(503, "storage unavailable, retry later")


def _verify_handshake(params: dict[str, str]) -> Answer:
    mode, token, challenge = (params.get(f"hub.{k}", "") for k in ("mode", "verify_token", "challenge"))
    if mode != "subscribe" or not challenge:
        return Answer(400, "expected hub.mode=subscribe with a hub.challenge")
    # Compare with every token so the time taken does not depend on which one matched.
    matches = [hmac.compare_digest(token.encode(), known.encode()) for known in directory.verify_tokens()]
    if not token or not any(matches):
        return Answer(403, "hub.verify_token does not match any channel's verify token")
    return Answer(200, text=challenge)


def _receive(body: bytes, signature: str, received_at: datetime) -> Answer:
    secret = matching_secret(body, signature, directory.app_secrets())
    if secret is None:
        return Answer(403, "X-Hub-Signature-256 does not match the body for any channel's app secret")
    with broadcasts.collect_broadcasts() as collected:
        outcome = webhook_receive(body=body, signature=signature, app_secret=secret, received_at=received_at)
    if outcome.error:
        return Answer(400, outcome.error, extra={"event_id": outcome.event.pk})
    return Answer(200, broadcasts=collected)


# --- the Django view (WSGI, the test client) -------------------------------------------------


@csrf_exempt
async def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    async def read_body(limit: int) -> bytes | None:
        body = request.body
        return body if len(body) <= limit else None

    answer = await handle(
        method=request.method or "",
        query=request.GET.dict(),
        headers={k.lower(): v for k, v in request.headers.items()},
        read_body=read_body,
    )
    response = HttpResponse(answer.content, status=answer.status)
    for name, value in answer.headers.items():
        response[name] = value
    return response


# --- the ASGI route (what uvicorn serves) ------------------------------------------------------


class WebhookApp:
    """``/webhooks/whatsapp/`` as a plain ASGI app in front of Django.

    It keeps what Django's stack would give this endpoint: the Host check against
    ``ALLOWED_HOSTS``, a bounded body, and a JSON error instead of a traceback.
    """

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host, _ = split_domain_port(headers.get("host", ""))
        if not validate_host(host, settings.ALLOWED_HOSTS):
            answer = Answer(400, "Host is not allowed")
        else:
            try:
                answer = await handle(
                    method=scope["method"],
                    query=dict(
                        parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
                    ),
                    headers=headers,
                    read_body=lambda limit: _read_asgi_body(receive, limit),
                    journaled=settings.WEBHOOK_JOURNAL,
                )
            except Exception:
                logger.exception("webhook failed")
                answer = Answer(500, "internal error; the event was not stored, retry later")
        content = answer.content
        response_headers = [(k.lower().encode(), v.encode()) for k, v in answer.headers.items()]
        response_headers.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": response_headers})
        await send({"type": "http.response.body", "body": content})


async def _read_asgi_body(receive: Callable, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)
