"""Every state change of the sandbox: Meta's side of the wire, played locally.

Business side (our Graph API client calls these through the views): send a message, mark
one read, upload / describe / delete / download media. Customer side (the phone page):
send a message, report messages seen or played. In between, the webhooks the sandbox
posts to our service, signed with the channel's app secret exactly as Meta signs them:
the customer's messages at once, and each business message's statuses (sent, delivered,
read, played, or failed) later, in order, from Celery tasks.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import mimetypes
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from conversations.models import Channel
from sandbox import events, jobs, selectors, wire
from sandbox.errors import (
    REENGAGEMENT_DETAILS,
    TITLES,
    GraphError,
    auth_error,
    unknown_object,
    webhook_error,
)
from sandbox.models import GraphCall, SandboxChat, SandboxMedia, SandboxMessage, WebhookPost
from sandbox.phone_input import CustomerMessage
from sandbox.validation import (
    MEDIA_MAX_BYTES,
    MEDIA_MIME_TYPES,
    MarkRead,
    OutboundSend,
    base_mime,
    media_kind_for_mime,
    parse_request,
)
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

_MAGIC = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n", "application/pdf": b"%PDF-"}


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


# --- Graph API: authentication and the record of calls -------------------------------


def graph_channel_authenticate(*, phone_number_id: str, token: str) -> Channel:
    """The channel a ``/<phone_number_id>/…`` call acts on, if ``token`` is its access token."""
    if not token:
        raise auth_error("An access token is required: send Authorization: Bearer <token>.")
    allowed = selectors.channels_for_token(token=token)
    if not allowed:
        raise auth_error("The access token could not be decrypted or does not belong to any number.")
    channel = selectors.channel_get(phone_number_id=phone_number_id)
    if channel is None:
        raise unknown_object(phone_number_id)
    if channel not in allowed:
        raise auth_error(f"The access token does not belong to phone number id {phone_number_id}.")
    return channel


def graph_media_authenticate(
    *, media_id: str, token: str, phone_number_id: str = "", method: str = "get"
) -> SandboxMedia:
    """The media a ``/<media_id>`` call acts on, if ``token`` belongs to the number that holds it."""
    if not token:
        raise auth_error("An access token is required: send Authorization: Bearer <token>.")
    allowed = selectors.channels_for_token(token=token)
    if not allowed:
        raise auth_error("The access token could not be decrypted or does not belong to any number.")
    media = selectors.media_get(media_id=media_id)
    if (
        media is None
        or media.channel not in allowed
        or (phone_number_id and media.channel.phone_number_id != phone_number_id)
    ):
        raise unknown_object(media_id, method)
    return media


def graph_call_record(
    *,
    method: str,
    path: str,
    channel: Channel | None,
    request_body: Any,
    response_status: int,
    response_body: Any,
) -> GraphCall:
    """Keep one Graph API exchange (never the token) for the phone page's log and for tests."""
    error = response_body.get("error") if isinstance(response_body, dict) else None
    messages = response_body.get("messages") if isinstance(response_body, dict) else None
    wamid = (
        messages[0].get("id", "")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict)
        else ""
    )
    return GraphCall.objects.create(
        method=method,
        path=path[:500],
        channel=channel,
        request_body=_recordable(request_body),
        response_status=response_status,
        response_body=_recordable(response_body),
        error_code=error.get("code") if isinstance(error, dict) else None,
        wamid=wamid,
    )


def _recordable(value: Any) -> Any:
    if isinstance(value, str) and len(value) > RECORD_TEXT_MAX:
        return value[:RECORD_TEXT_MAX] + "…"
    return value


# --- Graph API: messages -------------------------------------------------------------


def graph_messages_post(*, channel: Channel, body: Any) -> dict[str, Any]:
    """``POST /<phone_number_id>/messages``: a send or a mark-as-read; answers like Meta."""
    request = parse_request(body, channel=channel)
    if isinstance(request, MarkRead):
        business_mark_read(channel=channel, mark=request)
        return {"success": True}
    message = business_message_send(channel=channel, send=request, body=body)
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": request.to_input, "wa_id": request.wa_id}],
        "messages": [{"id": message.wamid}],
    }


@transaction.atomic
def business_message_send(*, channel: Channel, send: OutboundSend, body: dict[str, Any]) -> SandboxMessage:
    """Accept a valid send: record it, show it on the phone, schedule its status webhooks.

    Like Meta, a free-form message outside the customer service window is accepted and
    then fails asynchronously (131047), so our service must reconcile from webhooks.
    """
    now = timezone.now()
    chat = _chat_touch(channel=channel, wa_id=send.wa_id, now=now)
    in_window = (
        chat.last_customer_message_at is not None and now - chat.last_customer_message_at <= SERVICE_WINDOW
    )
    message = SandboxMessage(
        chat=chat,
        wamid=wire.new_wamid(send.wa_id),
        direction=SandboxMessage.Direction.BUSINESS,
        type=send.type,
        content=send.content,
        request=body,
        context_wamid=send.context_wamid,
        rendered=send.rendered,
        created_at=now,
        status=SandboxMessage.Status.ACCEPTED,
        category=send.category,
        conversation_id=uuid.uuid4().hex,
    )
    if not send.is_template and not in_window:
        message.error_code = 131047
        message.error_title = TITLES[131047]
        message.error_details = REENGAGEMENT_DETAILS
    message.save()
    if chat.business_typing_until is not None:
        # A reply ends the typing indicator, as on a real phone.
        chat.business_typing_until = None
        chat.save(update_fields=["business_typing_until"])
        events.chat_changed(chat)
    events.message_changed(message)
    _schedule_statuses(message)
    return message


def _chat_touch(*, channel: Channel, wa_id: str, now: datetime, profile_name: str = "") -> SandboxChat:
    """The chat of ``wa_id`` on ``channel``, marked active now (and renamed when a name is given)."""
    chat, created = SandboxChat.objects.get_or_create(
        channel=channel,
        wa_id=wa_id,
        defaults={"created_at": now, "last_activity_at": now, "profile_name": profile_name},
    )
    chat.channel = channel  # the events read it; spare the query
    if not created:
        chat.last_activity_at = now
        fields = ["last_activity_at"]
        if profile_name and profile_name != chat.profile_name:
            chat.profile_name = profile_name
            fields.append("profile_name")
        chat.save(update_fields=fields)
    return chat


def _schedule_statuses(message: SandboxMessage) -> None:
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


@transaction.atomic
def business_mark_read(*, channel: Channel, mark: MarkRead) -> None:
    """The business read the customer's messages up to ``mark.message_id`` (blue ticks on the phone)."""
    target = (
        SandboxMessage.objects.select_related("chat")
        .filter(chat__channel=channel, wamid=mark.message_id, direction=SandboxMessage.Direction.CUSTOMER)
        .first()
    )
    if target is None:
        raise GraphError(100, f"message_id {mark.message_id} is not a message this phone number received.")
    chat = target.chat
    chat.channel = channel
    now = timezone.now()
    chat.messages.filter(
        Q(created_at__lt=target.created_at) | Q(created_at=target.created_at, id__lte=target.pk),
        direction=SandboxMessage.Direction.CUSTOMER,
        business_read_at__isnull=True,
    ).update(business_read_at=now)
    if mark.typing_indicator:
        chat.business_typing_until = now + TYPING_INDICATOR
        chat.save(update_fields=["business_typing_until"])
    events.chat_changed(chat, read_up_to=target.pk)


# --- status webhooks -----------------------------------------------------------------


class StatusOutcome(enum.Enum):
    DONE = "done"
    #: Another worker is posting this message's statuses: try again shortly.
    BUSY = "busy"
    #: Our webhook did not answer 2xx: the status stays unposted, try again later.
    WEBHOOK_FAILED = "webhook_failed"


def _status_steps(message: SandboxMessage, wanted: str) -> list[str]:
    """The statuses still to post, in order, to bring ``message`` to ``wanted``."""
    Status = SandboxMessage.Status
    if message.status == Status.FAILED:
        return []
    if message.error_code:
        return [Status.FAILED]
    if wanted == Status.PLAYED and message.type != "audio":
        wanted = Status.READ  # only audio is "played"
    order = SandboxMessage.STATUS_ORDER
    if wanted not in order:
        return []
    return list(order[message.status_rank + 1 : order.index(wanted) + 1])


def message_status_advance(*, message_id: int, status: str) -> StatusOutcome:
    """Post every status of a business message up to ``status`` that was not posted yet, in order.

    Several workers may be due for one message at once (the "delivered" timer fires while
    "sent" is still on the wire, the page reports it read): a lease on the row lets one
    of them post at a time, so our webhook gets the statuses in order. Asking again for a
    status already posted does nothing.
    """
    now = timezone.now()
    claimed = (
        SandboxMessage.objects.filter(pk=message_id, direction=SandboxMessage.Direction.BUSINESS)
        .filter(Q(status_lease_until__isnull=True) | Q(status_lease_until__lt=now))
        .update(status_lease_until=now + STATUS_LEASE)
    )
    if not claimed:
        exists = SandboxMessage.objects.filter(
            pk=message_id, direction=SandboxMessage.Direction.BUSINESS
        ).exists()
        return StatusOutcome.BUSY if exists else StatusOutcome.DONE
    try:
        message = SandboxMessage.objects.select_related("chat__channel").get(pk=message_id)
        for step in _status_steps(message, status):
            post = _status_post(message, step)
            if not post.ok:
                return StatusOutcome.WEBHOOK_FAILED
            message.status = step
            message.save(update_fields=["status"])
            events.message_changed(message)
        return StatusOutcome.DONE
    finally:
        SandboxMessage.objects.filter(pk=message_id).update(status_lease_until=None)


def _status_post(message: SandboxMessage, status: str) -> WebhookPost:
    chat = message.chat
    channel = chat.channel
    at = timezone.now()
    errors = None
    if status == SandboxMessage.Status.FAILED:
        errors = [webhook_error(message.error_code or 131000, message.error_details)]
    item = wire.status_object(
        wamid=message.wamid,
        status=status,
        at=at,
        recipient_id=chat.wa_id,
        category=message.category or "service",
        conversation_id=message.conversation_id,
        # Pricing rides on "sent" and on "delivered" only (reference §5).
        with_pricing=status in (SandboxMessage.Status.SENT, SandboxMessage.Status.DELIVERED),
        conversation_expires_at=at + SERVICE_WINDOW if status == SandboxMessage.Status.SENT else None,
        errors=errors,
        biz_opaque_callback_data=str((message.request or {}).get("biz_opaque_callback_data") or ""),
    )
    payload = _envelope(channel, statuses=[item])
    return webhook_post(
        channel=channel, payload=payload, kind=WebhookPost.Kind.STATUS, message=message, status=status
    )


def _envelope(channel: Channel, **value: Any) -> dict[str, Any]:
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


# --- media ---------------------------------------------------------------------------


def media_upload(*, channel: Channel, upload: UploadedFile, declared_type: str, origin: str) -> SandboxMedia:
    """Store an uploaded file under ``sandbox/`` in the default storage; refuse what Meta refuses (131053)."""
    mime = base_mime(declared_type or upload.content_type or mimetypes.guess_type(upload.name or "")[0] or "")
    kind = media_kind_for_mime(mime)
    if kind is None:
        supported = ", ".join(t for types in MEDIA_MIME_TYPES.values() for t in types)
        raise GraphError(
            131053,
            f"Param file must be a file with one of the following types: {supported}. Got {mime or 'none'}.",
        )
    if upload.size is not None and upload.size > MEDIA_MAX_BYTES[kind]:
        raise GraphError(
            131053, f"The file is {upload.size} bytes; {kind} files may be at most {MEDIA_MAX_BYTES[kind]}."
        )
    if not upload.size:
        raise GraphError(131053, "The file is empty.")
    digest = hashlib.sha256()
    head = b""
    for chunk in upload.chunks():
        if len(head) < 16:
            head += chunk[:16]
        digest.update(chunk)
    if not _content_matches(mime, head):
        raise GraphError(
            131053, f"The file's content is not {mime}: the declared type and the file do not match."
        )
    upload.seek(0)
    media = SandboxMedia(
        media_id=wire.new_media_id(),
        channel=channel,
        origin=origin,
        filename=(upload.name or "")[:255],
        mime_type=declared_type.strip() if declared_type and base_mime(declared_type) == mime else mime,
        sha256=digest.hexdigest(),
        file_size=upload.size,
    )
    extension = mimetypes.guess_extension(mime) or ""
    media.file.save(f"{media.media_id}{extension}", upload, save=False)
    media.save()
    return media


def _content_matches(mime: str, head: bytes) -> bool:
    """Check the first bytes of the kinds that have a signature (a renamed file is a 131053 at Meta)."""
    if mime == "image/webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    magic = _MAGIC.get(mime)
    return magic is None or head.startswith(magic)


def media_info(*, media: SandboxMedia) -> dict[str, Any]:
    """``GET /<media_id>``: where to download the file for the next few minutes (reference §7)."""
    return {
        "messaging_product": "whatsapp",
        "url": media_download_url(media=media),
        "mime_type": media.mime_type,
        "sha256": media.sha256,
        "file_size": media.file_size,
        "id": media.media_id,
    }


def media_download_url(*, media: SandboxMedia) -> str:
    """An absolute, signed, short-lived URL (like Meta's lookaside URLs, it also needs the token)."""
    signed = signing.TimestampSigner(salt=MEDIA_DOWNLOAD_SALT).sign(media.media_id)
    query = urlencode({"mid": signed, "source": "getMedia"})
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{reverse('sandbox:media-download')}?{query}"


def media_from_download(*, signed: str, token: str) -> SandboxMedia | None:
    """The media a download URL names, if the URL is genuine and fresh and ``token`` may read it.

    Raises ``GraphError`` (401) for a missing or unknown token; None means 404.
    """
    if not token:
        raise auth_error("An access token is required: send Authorization: Bearer <token>.")
    allowed = selectors.channels_for_token(token=token)
    if not allowed:
        raise auth_error("The access token could not be decrypted or does not belong to any number.")
    max_age = getattr(settings, "WHATSAPP_SANDBOX_MEDIA_URL_SECONDS", DEFAULT_MEDIA_URL_SECONDS)
    try:
        media_id = signing.TimestampSigner(salt=MEDIA_DOWNLOAD_SALT).unsign(signed, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    media = selectors.media_get(media_id=media_id)
    if media is None or media.channel not in allowed:
        return None
    return media


def media_from_phone_link(*, signed: str) -> SandboxMedia | None:
    try:
        media_id = signing.TimestampSigner(salt=events.PHONE_MEDIA_SALT).unsign(
            signed, max_age=events.PHONE_MEDIA_MAX_AGE
        )
    except signing.BadSignature:
        return None
    return selectors.media_get(media_id=media_id)


def media_delete(*, media: SandboxMedia) -> None:
    """Forget an uploaded file and its bytes (messages already on the phone keep their id)."""
    storage, name = media.file.storage, media.file.name
    media.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- the customer's side (phone page) ------------------------------------------------


def customer_message_send(
    *, channel: Channel, wa_id: str, profile_name: str, message: CustomerMessage
) -> tuple[SandboxMessage, WebhookPost]:
    """The customer sends a message: record it, then POST its webhook to our service at once.

    The message counts for the 24-hour window even if our webhook refuses it: the
    customer did write (Meta would retry the webhook).
    """
    now = timezone.now()
    with transaction.atomic():
        chat = _chat_touch(channel=channel, wa_id=wa_id, now=now, profile_name=profile_name)
        chat.last_customer_message_at = now
        chat.save(update_fields=["last_customer_message_at"])
        wamid = wire.new_wamid(wa_id)
        item: dict[str, Any] = {}
        if message.context_wamid:
            item["context"] = {"from": channel.display_phone_number, "id": message.context_wamid}
        item.update({"from": wa_id, "id": wamid, "timestamp": wire.unix(now), "type": message.type})
        item[message.type] = message.content
        record = SandboxMessage.objects.create(
            chat=chat,
            wamid=wamid,
            direction=SandboxMessage.Direction.CUSTOMER,
            type=message.type,
            content=message.content,
            request=item,
            context_wamid=message.context_wamid,
            created_at=now,
        )
        events.message_changed(record)
    payload = _envelope(
        channel, **wire.inbound_value(wa_id=wa_id, profile_name=chat.profile_name, message=item)
    )
    post = webhook_post(channel=channel, payload=payload, kind=WebhookPost.Kind.MESSAGE, message=record)
    record.webhook_status = post.response_status
    record.webhook_error = post.error
    record.save(update_fields=["webhook_status", "webhook_error"])
    events.message_changed(record)
    return record, post


def customer_seen(*, chat: SandboxChat) -> int:
    """The customer has the chat open: the business's delivered messages become "read"."""
    unseen = chat.messages.filter(
        direction=SandboxMessage.Direction.BUSINESS, customer_seen_at__isnull=True, error_code__isnull=True
    )
    ids = list(unseen.values_list("pk", flat=True))
    if ids:
        SandboxMessage.objects.filter(pk__in=ids, customer_seen_at__isnull=True).update(
            customer_seen_at=timezone.now()
        )
    _request_status(ids, SandboxMessage.Status.READ)
    return len(ids)


def customer_played(*, chat: SandboxChat, wamid: str) -> bool:
    """The customer played a business voice/audio message: it becomes "played" (after "read")."""
    message = chat.messages.filter(
        wamid=wamid, direction=SandboxMessage.Direction.BUSINESS, type="audio"
    ).first()
    if message is None or message.error_code:
        return False
    _request_status([message.pk], SandboxMessage.Status.PLAYED)
    return True


def _request_status(message_ids: list[int], status: str) -> None:
    for message_id in message_ids:
        enqueue(jobs.STATUS_ADVANCE, message_id, status, countdown=MIN_COUNTDOWN)
