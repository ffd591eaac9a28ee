"""The Cloud API webhook endpoint: one URL serves every channel of the deployment.

GET answers Meta's verification handshake. POST checks ``X-Hub-Signature-256`` over the
raw body before anything else, then hands the body to the service, which stores it
before this view answers 200.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from conversations.directory import directory
from conversations.services.webhooks import webhook_receive
from conversations.whatsapp.signature import matching_secret


def _error(status: int, message: str, **extra: object) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _verify_handshake(request)
    return _receive(request)


def _verify_handshake(request: HttpRequest) -> HttpResponse:
    mode = request.GET.get("hub.mode", "")
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if mode != "subscribe" or not challenge:
        return _error(400, "expected hub.mode=subscribe with a hub.challenge")
    known = directory.verify_tokens()
    # Compare with every token so the time taken does not depend on which one matched.
    matches = [hmac.compare_digest(token.encode(), t.encode()) for t in known]
    if not token or not any(matches):
        return _error(403, "hub.verify_token does not match any channel's verify token")
    return HttpResponse(challenge, content_type="text/plain")


def _receive(request: HttpRequest) -> HttpResponse:
    received_at = timezone.now()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(400, "Content-Length is not a number")
    if declared > settings.WEBHOOK_MAX_BODY_BYTES:
        return _error(413, f"webhook bodies are limited to {settings.WEBHOOK_MAX_BODY_BYTES} bytes")
    body = request.body
    if len(body) > settings.WEBHOOK_MAX_BODY_BYTES:
        return _error(413, f"webhook bodies are limited to {settings.WEBHOOK_MAX_BODY_BYTES} bytes")
    signature = request.headers.get("X-Hub-Signature-256", "")
    if not signature:
        return _error(401, "missing X-Hub-Signature-256 header")
    secret = matching_secret(body, signature, directory.app_secrets())
    if secret is None:
        return _error(403, "X-Hub-Signature-256 does not match the body for any channel's app secret")
    try:
        outcome = webhook_receive(body=body, signature=signature, app_secret=secret, received_at=received_at)
    except DatabaseError:
        # Nothing could be stored: make Meta retry later rather than lose the event.
        response = _error(503, "storage unavailable, retry later")
        response["Retry-After"] = "30"
        return response
    if outcome.error:
        return _error(400, outcome.error, event_id=outcome.event.pk)
    return HttpResponse(status=200)
