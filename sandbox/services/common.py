"""What the sandbox's services share: its timing settings, the chats, and posting a
webhook to our service signed as Meta signs it."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.urls import reverse

from conversations.models import Channel
from sandbox import jobs, wire
from sandbox.models import SandboxChat, SandboxMessage, WebhookPost
from waproject.embedded import enqueue, enqueue_on_commit
from whatsapp.signature import sign

logger = logging.getLogger(__name__)

#: Seconds after a send when "sent" and "delivered" are posted (settings can shorten them).
DEFAULT_STATUS_DELAYS = (0.2, 0.5)

#: Even a zero delay runs after the Graph API answered, as at Meta.
MIN_COUNTDOWN = 0.01

#: The customer service window (reference §9).
SERVICE_WINDOW = timedelta(hours=24)

#: How long "typing…" shows after a mark-as-read that asked for it (reference §6).
TYPING_INDICATOR = timedelta(seconds=25)

#: How long one worker may hold a message's status lease before another may take over.
STATUS_LEASE = timedelta(seconds=60)

WEBHOOK_TIMEOUT_SECONDS = 10.0

MEDIA_DOWNLOAD_SALT = "sandbox.media-download"

#: A Graph media URL stays valid this long (reference §7: 5 minutes).
DEFAULT_MEDIA_URL_SECONDS = 300

#: Recorded request/response bodies are cut beyond this many characters of text.
RECORD_TEXT_MAX = 20_000


def status_delays() -> tuple[float, float]:
    """``WHATSAPP_SANDBOX_STATUS_DELAYS``: seconds until "sent" and until "delivered"."""
    sent, delivered = getattr(settings, "WHATSAPP_SANDBOX_STATUS_DELAYS", DEFAULT_STATUS_DELAYS)
    return max(float(sent), MIN_COUNTDOWN), max(float(delivered), MIN_COUNTDOWN)


def auto_read_seconds() -> float | None:
    """``WHATSAPP_SANDBOX_AUTO_READ_SECONDS``: post "read" by itself after that long (headless demos)."""
    value = getattr(settings, "WHATSAPP_SANDBOX_AUTO_READ_SECONDS", None)
    return None if value is None else max(float(value), MIN_COUNTDOWN)


def webhook_url() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("whatsapp-webhook")


def chat_touch(*, channel: Channel, wa_id: str, now: datetime, profile_name: str = "") -> SandboxChat:
    """The chat of ``wa_id`` on ``channel``, marked active now (and renamed when a name is given)."""
    chat, created = SandboxChat.objects.get_or_create(
        channel=channel,
        wa_id=wa_id,
        defaults={
            "created_at": now,
            "last_activity_at": now,
            "profile_name": profile_name,
            "user_id": wire.new_user_id(),
        },
    )
    chat.channel = channel  # the events read it; spare the query
    if not created:
        chat.last_activity_at = now
        fields = ["last_activity_at"]
        if not chat.user_id:  # a chat from before BSUIDs
            chat.user_id = wire.new_user_id()
            fields.append("user_id")
        if profile_name and profile_name != chat.profile_name:
            chat.profile_name = profile_name
            fields.append("profile_name")
        chat.save(update_fields=fields)
    return chat


def envelope(channel: Channel, **value: Any) -> dict[str, Any]:
    return wire.envelope(
        waba_id=channel.waba_id,
        display_phone_number=channel.display_phone_number,
        phone_number_id=channel.phone_number_id,
        **value,
    )


def webhook_post(
    *,
    channel: Channel,
    payload: dict[str, Any],
    kind: str,
    message: SandboxMessage | None = None,
    status: str = "",
) -> WebhookPost:
    """POST ``payload`` to our webhook, signed with the channel's app secret; keep what happened.

    Never called inside a transaction: our webhook writes to the same database, and with
    SQLite a held write lock would make it wait for us while we wait for it.
    """
    body = wire.dumps(payload)
    signature = sign(body, channel.app_secret)
    url = webhook_url()
    response_status: int | None = None
    error = ""
    try:
        response = httpx.post(
            url,
            content=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
            timeout=WEBHOOK_TIMEOUT_SECONDS,
        )
        response_status = response.status_code
        if not response.is_success:
            error = response.text[:2000]
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("sandbox webhook to %s failed: %s", url, error)
    return WebhookPost.objects.create(
        channel=channel,
        message=message,
        kind=kind,
        status=status,
        url=url,
        body=body.decode(),
        signature=signature,
        response_status=response_status,
        error=error,
    )


def schedule_statuses(message: SandboxMessage) -> None:
    sent_after, delivered_after = status_delays()
    enqueue_on_commit(jobs.STATUS_ADVANCE, message.pk, SandboxMessage.Status.SENT, countdown=sent_after)
    if message.error_code:
        return  # doomed: "sent" turns into the failed status
    enqueue_on_commit(
        jobs.STATUS_ADVANCE, message.pk, SandboxMessage.Status.DELIVERED, countdown=delivered_after
    )
    read_after = auto_read_seconds()
    if read_after is not None:
        enqueue_on_commit(jobs.STATUS_ADVANCE, message.pk, SandboxMessage.Status.READ, countdown=read_after)


def request_status(message_ids: list[int], status: str) -> None:
    for message_id in message_ids:
        enqueue(jobs.STATUS_ADVANCE, message_id, status, countdown=MIN_COUNTDOWN)


def webhook_repost(*, post_id: int) -> WebhookPost | None:
    """Post a stored webhook again (its exact body); a new record keeps what happened."""
    post = WebhookPost.objects.select_related("channel").filter(pk=post_id).first()
    if post is None:
        return None
    return webhook_post(
        channel=post.channel,
        payload=json.loads(post.body),
        kind=post.kind,
        message=post.message,
        status=post.status,
    )
