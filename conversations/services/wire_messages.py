"""The Cloud API body of one of our messages (reference §6): built once to validate a
message before it is queued, and again to send it. No writes."""

from __future__ import annotations

from typing import Any

from conversations.models import Message
from conversations.services.statuses import callback_data
from whatsapp import payloads


def recipient_of(message: Message) -> str:
    """R8: the address the customer uses in this conversation (the number they write from),
    not the contact's first number: a contact may have several."""
    return message.interaction.customer_address


def build_payload(message: Message, *, media_id: str | None = None) -> dict[str, Any]:
    """The ``/messages`` body for ``message`` (ValueError when WhatsApp would refuse it)."""
    to = recipient_of(message)
    reply_to = message.context_wamid or None
    content = message.content
    kind = message.type
    if kind == Message.Type.TEXT:
        payload = payloads.text(
            to, message.body, preview_url=bool(content.get("preview_url")), reply_to=reply_to
        )
    elif kind in Message.MEDIA_TYPES:
        attachment = getattr(message, "attachment", None)
        payload = payloads.media(
            to,
            kind,
            media_id=media_id or (attachment.media_id if attachment else None),
            caption=message.body or None,
            filename=(attachment.file_name if attachment and kind == Message.Type.DOCUMENT else None),
            reply_to=reply_to,
        )
    elif kind == Message.Type.LOCATION:
        payload = payloads.location(
            to,
            latitude=content.get("latitude"),
            longitude=content.get("longitude"),
            name=content.get("name") or None,
            address=content.get("address") or None,
            reply_to=reply_to,
        )
    elif kind == Message.Type.TEMPLATE:
        template = content.get("template") or {}
        if not template.get("name") or not template.get("language"):
            raise ValueError("a template message needs the template's name and language")
        components = list(template.get("components") or ())
        if content.get("media_header"):
            components.insert(0, {"type": "header", "parameters": [media_object(message, media_id)]})
        payload = payloads.template(
            to, name=template["name"], language=template["language"], components=components, reply_to=reply_to
        )
    elif kind == Message.Type.INTERACTIVE:
        interactive = dict(content.get("interactive") or {})
        if content.get("media_header"):
            interactive["header"] = media_object(message, media_id)
        if interactive.get("type") == "button":
            payload = payloads.reply_buttons(
                to,
                body=message.body,
                buttons=[(b["id"], b["title"]) for b in interactive.get("buttons", [])],
                header=interactive.get("header"),
                footer=interactive.get("footer"),
                reply_to=reply_to,
            )
        elif interactive.get("type") == "list":
            payload = payloads.list_message(
                to,
                body=message.body,
                button=interactive.get("button", ""),
                sections=interactive.get("sections", []),
                header=interactive.get("header"),
                footer=interactive.get("footer"),
                reply_to=reply_to,
            )
        else:
            raise ValueError("an interactive message is reply buttons ('button') or a list ('list')")
    else:
        raise ValueError(f"cannot send messages of type {kind!r}")
    if message.pk:
        payload["biz_opaque_callback_data"] = callback_data(message.pk)
    return payload


def media_object(message: Message, media_id: str | None) -> dict[str, Any]:
    """A template's or an interactive message's media header, from the message's attachment."""
    kind = message.content["media_header"]
    attachment = getattr(message, "attachment", None)
    media_id = media_id or (attachment.media_id if attachment else None)
    if not media_id:
        raise ValueError(f"this message needs its {kind} header: attach the file")
    media: dict[str, Any] = {"id": media_id}
    if kind == "document" and attachment is not None and attachment.file_name:
        media["filename"] = attachment.file_name
    return {"type": kind, kind: media}


def needs_upload(message: Message) -> bool:
    return message.type in Message.MEDIA_TYPES or bool(message.content.get("media_header"))
