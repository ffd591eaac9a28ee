"""Parse a Cloud API webhook body into plain records, without touching the database.

Every entry × change × message / status / error is walked (a POST may batch many).
Nothing here raises on an odd item: it is kept as ``unsupported`` or reported in
``problems`` so that the caller can store it and flag the event. Only a body that is not
a WhatsApp webhook at all raises :class:`WebhookPayloadError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MEDIA_KINDS = ("image", "video", "audio", "document", "sticker")
KNOWN_TYPES = (
    "text",
    *MEDIA_KINDS,
    "location",
    "contacts",
    "interactive",
    "button",
    "reaction",
    "order",
    "system",
    "unsupported",
    "revoke",
    "edit",
    "request_welcome",
)
STATUS_VALUES = ("sent", "delivered", "read", "played", "failed")
#: The JSON shape of each type's content object (``contacts`` is a list, the rest objects).
_CONTENT_SHAPE: dict[str, type] = {"contacts": list}


class WebhookPayloadError(ValueError):
    """The body is not a WhatsApp Business Account webhook."""


@dataclass(frozen=True)
class SenderProfile:
    wa_id: str | None
    user_id: str | None
    parent_user_id: str = ""
    profile_name: str = ""
    username: str = ""

    @property
    def key(self) -> tuple[str | None, str | None]:
        return (self.wa_id, self.user_id)


@dataclass(frozen=True)
class MediaRef:
    kind: str
    media_id: str
    mime_type: str = ""
    sha256: str = ""
    filename: str = ""
    url: str = ""
    voice: bool = False
    animated: bool = False


@dataclass
class InboundMessage:
    wamid: str
    type: str
    timestamp: datetime
    sender: SenderProfile
    body: str = ""
    content: dict[str, Any] = field(default_factory=dict)
    context_wamid: str = ""
    forwarded: bool = False
    frequently_forwarded: bool = False
    referral: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    media: MediaRef | None = None

    @property
    def is_plain(self) -> bool:
        """True for messages that only join the transcript (no side effect elsewhere)."""
        return self.type not in ("reaction", "system", "revoke", "edit")


@dataclass
class StatusUpdate:
    wamid: str
    status: str
    timestamp: datetime
    recipient_id: str = ""
    recipient_user_id: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    pricing: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def error(self) -> dict[str, Any]:
        return self.errors[0] if self.errors else {}


@dataclass
class Change:
    """One ``entry[].changes[]`` item."""

    field: str
    waba_id: str
    phone_number_id: str = ""
    display_phone_number: str = ""
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    value: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedWebhook:
    changes: list[Change]
    problems: list[str]

    @property
    def phone_number_ids(self) -> set[str]:
        return {c.phone_number_id for c in self.changes if c.phone_number_id}


def parse_timestamp(value: Any, *, default: datetime) -> datetime:
    """Unix seconds (WhatsApp sends strings, sometimes ints) as an aware UTC datetime."""
    try:
        return datetime.fromtimestamp(int(str(value).strip()), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return default


def parse_webhook(payload: Any, *, received_at: datetime) -> ParsedWebhook:
    if not isinstance(payload, dict):
        raise WebhookPayloadError("the body must be a JSON object")
    if payload.get("object") != "whatsapp_business_account":
        raise WebhookPayloadError(
            f"'object' must be 'whatsapp_business_account', not {payload.get('object')!r}"
        )
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise WebhookPayloadError("'entry' must be a list")

    problems: list[str] = []
    changes: list[Change] = []
    for e_index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("changes"), list):
            problems.append(f"entry[{e_index}] has no 'changes' list")
            continue
        for c_index, raw_change in enumerate(entry["changes"]):
            where = f"entry[{e_index}].changes[{c_index}]"
            if not isinstance(raw_change, dict) or not isinstance(raw_change.get("value"), dict):
                problems.append(f"{where} has no 'value' object")
                continue
            changes.append(_parse_change(raw_change, str(entry.get("id", "")), where, received_at, problems))
    return ParsedWebhook(changes=changes, problems=problems)


def _parse_change(
    raw: dict[str, Any], waba_id: str, where: str, received_at: datetime, problems: list[str]
) -> Change:
    value = raw["value"]
    metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
    change = Change(
        field=str(raw.get("field", "")),
        waba_id=waba_id,
        phone_number_id=str(metadata.get("phone_number_id", "")),
        display_phone_number=str(metadata.get("display_phone_number", "")),
        value=value,
    )
    if change.field != "messages":
        return change  # template status updates and other fields: kept raw by the caller

    change.errors = [e for e in _as_list(value.get("errors")) if isinstance(e, dict)]
    profiles = _profiles(value.get("contacts"))
    for m_index, raw_message in enumerate(_as_list(value.get("messages"))):
        message = _parse_message(raw_message, profiles, received_at)
        if message is None:
            problems.append(f"{where}.messages[{m_index}] has no message id; skipped")
            continue
        if message.type == "unsupported" and not message.errors and change.errors:
            message.errors = list(change.errors)
        change.messages.append(message)
    for s_index, raw_status in enumerate(_as_list(value.get("statuses"))):
        status = parse_status(raw_status, received_at)
        if status is None:
            problems.append(f"{where}.statuses[{s_index}] lacks an id or a known status; skipped")
            continue
        change.statuses.append(status)
    return change


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _profiles(raw_contacts: Any) -> list[SenderProfile]:
    profiles = []
    for raw in _as_list(raw_contacts):
        if not isinstance(raw, dict):
            continue
        profile = raw.get("profile") if isinstance(raw.get("profile"), dict) else {}
        profiles.append(
            SenderProfile(
                wa_id=_text(raw.get("wa_id")) or None,
                user_id=_text(raw.get("user_id")) or None,
                parent_user_id=_text(raw.get("parent_user_id")),
                profile_name=_text(profile.get("name")),
                username=_text(profile.get("username")),
            )
        )
    return profiles


def _sender(raw: dict[str, Any], profiles: list[SenderProfile]) -> SenderProfile:
    """Match the sender to ``contacts[]`` by id, never by array position."""
    wa_id = _text(raw.get("from")) or None
    user_id = _text(raw.get("from_user_id")) or None
    for profile in profiles:
        if (wa_id and profile.wa_id == wa_id) or (user_id and profile.user_id == user_id):
            return SenderProfile(
                wa_id=wa_id or profile.wa_id,
                user_id=user_id or profile.user_id,
                parent_user_id=profile.parent_user_id or _text(raw.get("from_parent_user_id")),
                profile_name=profile.profile_name,
                username=profile.username,
            )
    return SenderProfile(wa_id=wa_id, user_id=user_id, parent_user_id=_text(raw.get("from_parent_user_id")))


def _parse_message(raw: Any, profiles: list[SenderProfile], received_at: datetime) -> InboundMessage | None:
    if not isinstance(raw, dict) or not _text(raw.get("id")):
        return None
    sender = _sender(raw, profiles)
    if not (sender.wa_id or sender.user_id):
        return None
    message_type = _text(raw.get("type")) or "unsupported"
    context = raw.get("context") if isinstance(raw.get("context"), dict) else {}
    message = InboundMessage(
        wamid=_text(raw["id"]),
        type=message_type,
        timestamp=parse_timestamp(raw.get("timestamp"), default=received_at),
        sender=sender,
        context_wamid=_text(context.get("id")),
        forwarded=bool(context.get("forwarded")),
        frequently_forwarded=bool(context.get("frequently_forwarded")),
        referral=raw["referral"] if isinstance(raw.get("referral"), dict) else {},
        errors=[e for e in _as_list(raw.get("errors")) if isinstance(e, dict)],
    )
    if context.get("referred_product"):
        message.content["referred_product"] = context["referred_product"]

    payload = raw.get(message_type)
    if message_type == "request_welcome":
        return message
    if message_type == "unsupported" and not isinstance(payload, dict):
        payload = {}  # WhatsApp's own "unsupported": its detail is optional
    if message_type not in KNOWN_TYPES or not isinstance(payload, _CONTENT_SHAPE.get(message_type, dict)):
        # Unknown type, or a known type whose content is missing or of another shape:
        # keep it, shown as unsupported.
        message.content["unsupported_type"] = message_type
        if payload is not None:
            message.content["raw"] = payload
        message.type = "unsupported"
        return message
    _fill_content(message, payload)
    return message


def _fill_content(message: InboundMessage, payload: Any) -> None:
    kind = message.type
    if kind == "text":
        message.body = _text(payload.get("body"))
    elif kind in MEDIA_KINDS:
        message.body = _text(payload.get("caption"))
        message.media = MediaRef(
            kind=kind,
            media_id=_text(payload.get("id")),
            mime_type=_text(payload.get("mime_type")),
            sha256=_text(payload.get("sha256")),
            filename=_text(payload.get("filename")),
            url=_text(payload.get("url")),
            voice=bool(payload.get("voice")),
            animated=bool(payload.get("animated")),
        )
        message.content = {k: v for k, v in payload.items() if k != "url"}
    elif kind == "location":
        message.content = dict(payload)
        message.body = _text(payload.get("name")) or _text(payload.get("address"))
    elif kind == "contacts":
        message.content = {"contacts": payload}
        names = [
            _text((c.get("name") or {}).get("formatted_name"))
            for c in payload
            if isinstance(c, dict) and isinstance(c.get("name"), dict)
        ]
        message.body = ", ".join(n for n in names if n)
    elif kind == "interactive":
        _fill_interactive(message, payload)
    elif kind == "button":
        message.content = {"payload": _text(payload.get("payload")), "text": _text(payload.get("text"))}
        message.body = message.content["text"]
    elif kind == "reaction":
        message.content = {
            "message_id": _text(payload.get("message_id")),
            "emoji": _text(payload.get("emoji")),
        }
        message.body = message.content["emoji"]
    elif kind == "order":
        message.content = dict(payload)
        message.body = _text(payload.get("text"))
    elif kind == "system":
        message.content = dict(payload)
        message.body = _text(payload.get("body"))
    elif kind == "unsupported":
        message.content = {"unsupported_type": _text(payload.get("type"))}
    elif kind == "revoke":
        message.content = {"original_message_id": _text(payload.get("original_message_id"))}
    elif kind == "edit":
        edited = payload.get("message") if isinstance(payload.get("message"), dict) else {}
        message.content = {
            "original_message_id": _text(payload.get("original_message_id")),
            "message": edited,
        }
        inner = edited.get(_text(edited.get("type")))
        inner = inner if isinstance(inner, dict) else {}
        message.body = _text(inner.get("body")) or _text(inner.get("caption"))


def _fill_interactive(message: InboundMessage, payload: dict[str, Any]) -> None:
    reply_type = _text(payload.get("type"))
    reply = payload.get(reply_type) if isinstance(payload.get(reply_type), dict) else {}
    content: dict[str, Any] = {"reply_type": reply_type}
    if reply_type in ("button_reply", "list_reply"):
        content.update(
            id=_text(reply.get("id")),
            title=_text(reply.get("title")),
            description=_text(reply.get("description")),
        )
        message.body = content["title"]
    elif reply_type == "nfm_reply":
        raw_json = reply.get("response_json")
        try:
            response = json.loads(raw_json) if isinstance(raw_json, str) else raw_json
        except ValueError:
            response = {"unparsed": raw_json}
        content.update(name=_text(reply.get("name")), response=response or {})
        message.body = _text(reply.get("body"))
    else:
        content["raw"] = payload
    message.content = content


def parse_status(raw: Any, received_at: datetime) -> StatusUpdate | None:
    if not isinstance(raw, dict):
        return None
    wamid, status = _text(raw.get("id")), _text(raw.get("status"))
    if not wamid or status not in STATUS_VALUES:
        return None
    pricing = raw.get("pricing") if isinstance(raw.get("pricing"), dict) else {}
    conversation = raw.get("conversation") if isinstance(raw.get("conversation"), dict) else {}
    if conversation:
        pricing = {**pricing, "conversation": conversation}
    return StatusUpdate(
        wamid=wamid,
        status=status,
        timestamp=parse_timestamp(raw.get("timestamp"), default=received_at),
        recipient_id=_text(raw.get("recipient_id")),
        recipient_user_id=_text(raw.get("recipient_user_id")),
        errors=[e for e in _as_list(raw.get("errors")) if isinstance(e, dict)],
        pricing=pricing,
        raw=raw,
    )
