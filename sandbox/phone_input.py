"""Turn the phone API's input into the customer's WhatsApp message (a webhook ``messages[]`` item).

The phone page (and tests, and demo scripts) describe what the customer does: types a
text, sends a file, shares a location, taps a button or a list row, reacts. This module
checks that input and builds the type object Meta would put in the webhook
(reference §4.2), including the ``context`` of replies to the business's messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from sandbox import selectors, wire
from sandbox.models import SandboxChat, SandboxMessage

WA_ID_RE = re.compile(r"^\d{6,15}$")
PHONE_NUMBER_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PROFILE_NAME_MAX = 256
TEXT_MAX = 4096
CAPTION_MAX = 1024
#: The business message types a customer can react to (a reaction is not one).
REACTABLE_TYPES = (
    "text",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "template",
)
PHONE_TYPES = (
    "text",
    "image",
    "video",
    "audio",
    "document",
    "location",
    "button_reply",
    "list_reply",
    "button",
    "reaction",
)


class PhoneInputError(Exception):
    """Bad input to the phone API: answered as ``{"error": message, "field": field}``, the
    message in the request's language (U4; the field names are the API's own)."""

    def __init__(self, message: str, *, field: str = "", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.message}
        if self.field:
            body["field"] = self.field
        return body


@dataclass
class CustomerMessage:
    """What the customer sends: the webhook message's ``type``, type object and context."""

    type: str
    content: dict[str, Any]
    context_wamid: str = ""


def wa_id_clean(value: Any) -> str:
    """A customer number as WhatsApp ids are written: digits only (``+``, spaces, dashes dropped)."""
    if not isinstance(value, str):
        raise PhoneInputError(_("wa_id must be the customer's phone number as a string"), field="wa_id")
    digits = re.sub(r"[\s+\-().]", "", value)
    if not WA_ID_RE.match(digits):
        raise PhoneInputError(_("wa_id must be a phone number of 6 to 15 digits"), field="wa_id")
    return digits


def phone_number_id_clean(value: Any) -> str:
    if not isinstance(value, str) or not PHONE_NUMBER_ID_RE.match(value):
        raise PhoneInputError(
            _("phone_number_id must name one of the business numbers"), field="phone_number_id"
        )
    return value


def profile_name_clean(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > PROFILE_NAME_MAX:
        raise PhoneInputError(
            _("profile_name must be text of at most %(max)d characters") % {"max": PROFILE_NAME_MAX},
            field="profile_name",
        )
    return value.strip()


#: G2: WhatsApp usernames: letters, digits, dots and underscores (``maya.bakes``).
USERNAME_RE = re.compile(r"[a-z0-9._]{3,35}")


def username_clean(value: Any) -> str:
    """A WhatsApp username, or "" to drop it."""
    if value in (None, ""):
        return ""
    text = value.strip().lstrip("@").lower() if isinstance(value, str) else None
    if text is None or not USERNAME_RE.fullmatch(text):
        raise PhoneInputError(
            _("username must be 3 to 35 letters, digits, dots or underscores"), field="username"
        )
    return text


def flag_clean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise PhoneInputError(_("%(field)s must be true or false") % {"field": field}, field=field)
    return value


def _object(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise PhoneInputError(_("%(field)s must be an object") % {"field": key}, field=key)
    return value


def _text(value: Any, field: str, *, max_length: int, required: bool) -> str:
    if value is None or (value == "" and not required):
        if required:
            raise PhoneInputError(_("%(field)s is required") % {"field": field}, field=field)
        return ""
    if not isinstance(value, str):
        raise PhoneInputError(_("%(field)s must be text") % {"field": field}, field=field)
    if required and not value.strip():
        raise PhoneInputError(_("%(field)s must not be empty") % {"field": field}, field=field)
    if len(value) > max_length:
        raise PhoneInputError(
            _("%(field)s is longer than %(max)d characters") % {"field": field, "max": max_length},
            field=field,
        )
    return value


def _wamid(data: dict[str, Any], field: str = "message_id") -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value:
        raise PhoneInputError(
            _("%(field)s must be the wamid of a message in this chat") % {"field": field}, field=field
        )
    return value


def _business_message(chat: SandboxChat | None, wamid: str, *, types: tuple[str, ...]) -> SandboxMessage:
    message = selectors.message_in_chat(chat=chat, wamid=wamid) if chat is not None else None
    if message is None or message.direction != SandboxMessage.Direction.BUSINESS or message.type not in types:
        text = (
            _("message_id does not name a business %(types)s message of this chat")
            % {"types": " / ".join(types)}
            if len(types) <= 2
            else _("message_id does not name a business message of this chat")
        )
        raise PhoneInputError(
            text,
            field="message_id",
            status=404,
        )
    return message


def customer_message_build(
    *, data: dict[str, Any], chat: SandboxChat | None, channel_id: int
) -> CustomerMessage:
    """Check the phone API's ``data`` and build the customer's message (see views for the shapes)."""
    kind = data.get("type")
    if kind not in PHONE_TYPES:
        raise PhoneInputError(
            _("type must be one of %(types)s") % {"types": ", ".join(PHONE_TYPES)}, field="type"
        )
    reply_to = data.get("reply_to")
    context = ""
    if reply_to not in (None, ""):
        if kind in ("reaction", "button_reply", "list_reply", "button"):
            raise PhoneInputError(_("reply_to is for text, media and location messages"), field="reply_to")
        context = _wamid(data, "reply_to")
        if chat is None or selectors.message_in_chat(chat=chat, wamid=context) is None:
            raise PhoneInputError(
                _("reply_to does not name a message of this chat"), field="reply_to", status=404
            )

    if kind == "text":
        raw = data.get("text")
        body = raw.get("body") if isinstance(raw, dict) else raw
        content = {"body": _text(body, "text", max_length=TEXT_MAX, required=True)}
        return CustomerMessage("text", content, context)
    if kind in ("image", "video", "audio", "document"):
        return CustomerMessage(kind, _media(kind, _object(data, kind), channel_id=channel_id), context)
    if kind == "location":
        return CustomerMessage("location", _location(_object(data, "location")), context)
    if kind == "reaction":
        return _reaction(data, chat)
    wamid = _wamid(data)
    if kind == "button_reply":
        message = _business_message(chat, wamid, types=("interactive",))
        return CustomerMessage("interactive", _button_reply(message, data), wamid)
    if kind == "list_reply":
        message = _business_message(chat, wamid, types=("interactive",))
        return CustomerMessage("interactive", _list_reply(message, data), wamid)
    message = _business_message(chat, wamid, types=("template",))
    return CustomerMessage("button", _quick_reply(message, data), wamid)


def _media(kind: str, data: dict[str, Any], *, channel_id: int) -> dict[str, Any]:
    media_id = data.get("id")
    if not isinstance(media_id, str) or not media_id:
        raise PhoneInputError(
            _("%(field)s must be the id of a file uploaded to /sandbox/phone/api/media")
            % {"field": f"{kind}.id"},
            field=f"{kind}.id",
        )
    media = selectors.media_get(media_id=media_id)
    if media is None or media.channel_id != channel_id:
        raise PhoneInputError(
            _("no uploaded file has id %(id)s on this number") % {"id": media_id},
            field=f"{kind}.id",
            status=404,
        )
    content: dict[str, Any] = {}
    if kind != "audio":
        caption = _text(data.get("caption"), f"{kind}.caption", max_length=CAPTION_MAX, required=False)
        if caption:
            content["caption"] = caption
    if kind == "document":
        content["filename"] = _text(
            data.get("filename"), "document.filename", max_length=240, required=False
        ) or (media.filename or f"{media.media_id}")
    content.update(mime_type=media.mime_type, sha256=wire.sha256_base64(media.sha256), id=media.media_id)
    if kind == "audio":
        content["voice"] = bool(data.get("voice", False))
    return content


def _location(data: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = {}
    for axis, bound in (("latitude", 90.0), ("longitude", 180.0)):
        value = data.get(axis)
        try:
            number = float(value)  # type: ignore[arg-type]  # any JSON value: what float() refuses is answered below
        except (TypeError, ValueError):
            raise PhoneInputError(
                _("%(field)s must be a number") % {"field": f"location.{axis}"}, field=f"location.{axis}"
            ) from None
        if isinstance(value, bool) or not -bound <= number <= bound:
            raise PhoneInputError(
                _("%(field)s must be between -%(bound)s and %(bound)s")
                % {"field": f"location.{axis}", "bound": f"{bound:g}"},
                field=f"location.{axis}",
            )
        content[axis] = number
    for key in ("name", "address", "url"):
        value = _text(data.get(key), f"location.{key}", max_length=1000, required=False)
        if value:
            content[key] = value
    return content


def _reaction(data: dict[str, Any], chat: SandboxChat | None) -> CustomerMessage:
    """React to a business message; the same emoji again removes the reaction (emoji omitted)."""
    wamid = _wamid(data)
    _business_message(chat, wamid, types=REACTABLE_TYPES)
    emoji = data.get("emoji", "")
    if not isinstance(emoji, str) or len(emoji) > 10 or (emoji and emoji.isascii()):
        raise PhoneInputError(_("emoji must be one emoji (or empty to remove the reaction)"), field="emoji")
    current = _current_reaction(chat, wamid) if chat is not None else ""
    content: dict[str, Any] = {"message_id": wamid}
    if emoji and emoji != current:
        content["emoji"] = emoji
    return CustomerMessage("reaction", content)


def _current_reaction(chat: SandboxChat, wamid: str) -> str:
    latest = (
        chat.messages.filter(
            direction=SandboxMessage.Direction.CUSTOMER, type="reaction", content__message_id=wamid
        )
        .order_by("-created_at", "-id")
        .first()
    )
    return str((latest.content or {}).get("emoji", "")) if latest is not None else ""


def _button_reply(message: SandboxMessage, data: dict[str, Any]) -> dict[str, Any]:
    content = message.content if isinstance(message.content, dict) else {}
    reply_id = _text(data.get("reply_id"), "reply_id", max_length=256, required=True)
    if content.get("type") == "button":
        for button in (content.get("action") or {}).get("buttons") or []:
            reply = button.get("reply") or {}
            if reply.get("id") == reply_id:
                return {
                    "type": "button_reply",
                    "button_reply": {"id": reply_id, "title": reply.get("title", "")},
                }
    raise PhoneInputError(_("reply_id is not a button of that message"), field="reply_id", status=404)


def _list_reply(message: SandboxMessage, data: dict[str, Any]) -> dict[str, Any]:
    content = message.content if isinstance(message.content, dict) else {}
    reply_id = _text(data.get("reply_id"), "reply_id", max_length=200, required=True)
    if content.get("type") == "list":
        for section in (content.get("action") or {}).get("sections") or []:
            for row in section.get("rows") or []:
                if row.get("id") == reply_id:
                    reply = {"id": reply_id, "title": row.get("title", "")}
                    if row.get("description"):
                        reply["description"] = row["description"]
                    return {"type": "list_reply", "list_reply": reply}
    raise PhoneInputError(_("reply_id is not a row of that list message"), field="reply_id", status=404)


def _quick_reply(message: SandboxMessage, data: dict[str, Any]) -> dict[str, Any]:
    index = data.get("index")
    buttons = (message.rendered or {}).get("buttons") or []
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(buttons):
        raise PhoneInputError(_("index must be the position of one of the template's buttons"), field="index")
    button = buttons[index]
    if button.get("type") != "quick_reply":
        raise PhoneInputError(_("that template button is not a quick reply"), field="index")
    return {"payload": button.get("payload") or button.get("text", ""), "text": button.get("text", "")}
