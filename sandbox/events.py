"""Live updates of the customer phone page: its group, payload builders, broadcasts.

One group per (business number, customer): ``sandbox.phone.<phone_number_id>.<wa_id>``.
Events leave after commit through the project's ``waproject.broadcasts``; delivery is
at-most-once, so the page reloads the history whenever its socket (re)connects.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.urls import reverse

from sandbox.models import SandboxChat, SandboxMessage
from waproject.broadcasts import broadcast_on_commit

#: Media links the page gets stay valid this long (the page reloads them on reconnect).
PHONE_MEDIA_MAX_AGE = 24 * 3600
PHONE_MEDIA_SALT = "sandbox.phone-media"
_MEDIA_KINDS = ("image", "video", "audio", "document", "sticker")


def phone_group(phone_number_id: str, wa_id: str) -> str:
    """Group names allow ASCII letters, digits, ``-_.`` only: both ids are checked before use."""
    return f"sandbox.phone.{phone_number_id}.{wa_id}"


def phone_media_url(media_id: str) -> str:
    """A same-origin, signed link to a sandbox file for the phone page (no bearer token there)."""
    signed = signing.TimestampSigner(salt=PHONE_MEDIA_SALT).sign(str(media_id))
    return reverse("sandbox:phone-media", kwargs={"signed": signed})


def _media_url(media: Any) -> str | None:
    if not isinstance(media, dict):
        return None
    if media.get("id"):
        return phone_media_url(str(media["id"]))
    link = media.get("link")
    return link if isinstance(link, str) and link.startswith(("http://", "https://")) else None


def _message_media(message: SandboxMessage) -> Any:
    """The one media object a message shows: its own, or its template/interactive header's."""
    content = message.content if isinstance(message.content, dict) else {}
    if message.type in _MEDIA_KINDS:
        return content
    header = None
    if message.type == "template":
        header = (message.rendered or {}).get("header")
    elif message.type == "interactive":
        header = content.get("header")
    if isinstance(header, dict) and header.get("type") in _MEDIA_KINDS:
        return header.get(header["type"])
    return None


def message_payload(message: SandboxMessage) -> dict[str, Any]:
    """The one JSON shape of a sandbox message for the phone page (history and live)."""
    error = None
    if message.error_code:
        error = {"code": message.error_code, "title": message.error_title, "details": message.error_details}
    return {
        "id": message.pk,
        "wamid": message.wamid,
        "direction": message.direction,
        "type": message.type,
        "content": message.content,
        "context_wamid": message.context_wamid,
        "rendered": message.rendered,
        "timestamp": message.created_at.isoformat(),
        "status": message.status,
        "error": error,
        "media_url": _media_url(_message_media(message)),
        "webhook_status": message.webhook_status,
        "webhook_error": message.webhook_error,
        "read_by_business": message.business_read_at is not None,
    }


def chat_payload(chat: SandboxChat, *, read_up_to: int | None = None) -> dict[str, Any]:
    return {
        "phone_number_id": chat.channel.phone_number_id,
        "wa_id": chat.wa_id,
        "profile_name": chat.profile_name,
        "user_id": chat.user_id,
        "username": chat.username,
        "hides_number": chat.hides_number,
        "marketing_preference": chat.marketing_preference,
        "typing_until": chat.business_typing_until.isoformat() if chat.business_typing_until else None,
        "read_up_to": read_up_to,
    }


def message_changed(message: SandboxMessage) -> None:
    """A message appeared or changed (status, webhook answer): the page upserts it by id."""
    chat = message.chat
    broadcast_on_commit(
        [phone_group(chat.channel.phone_number_id, chat.wa_id)],
        "sandbox.message",
        {"message": message_payload(message)},
    )


def chat_changed(chat: SandboxChat, *, read_up_to: int | None = None) -> None:
    """The business read the customer's messages up to ``read_up_to``, or started/stopped typing."""
    broadcast_on_commit(
        [phone_group(chat.channel.phone_number_id, chat.wa_id)],
        "sandbox.chat",
        {"chat": chat_payload(chat, read_up_to=read_up_to)},
    )
