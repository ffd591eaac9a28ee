"""Parse a Cloud API webhook body into plain records, without touching the database.

Every entry × change × message / status / error is walked (a POST may batch many).
Nothing here raises on an odd item: it is kept as ``unsupported`` or reported in
``problems`` so that the caller can store it and flag the event. Only a body that is not
a WhatsApp webhook at all raises :class:`WebhookPayloadError`.

Every record this module returns can be stored: a string longer than its column, or a
time outside what WhatsApp can mean, would fail the whole webhook's transaction (and
lose its valid siblings to a retry loop). So each item is checked against the columns it
is stored in (:class:`~whatsapp.records.StorageLimits`, which the caller reads from its
models) and its times against the arrival time (:data:`~whatsapp.records.CLOCK_SKEW`). An item whose identity does not fit is left out; a
describing field that does not fit is dropped; either way it stays in the raw event and
``problems`` says what and where.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from whatsapp.limits import MEDIA_KINDS
from whatsapp.records import (
    Change,
    InboundMessage,
    MediaRef,
    ParsedWebhook,
    PreferenceUpdate,
    SenderProfile,
    StorageLimits,
    WebhookPayloadError,
    dict_of,
    list_of,
    parse_timestamp,
    text_of,
)
from whatsapp.statuses import parse_status

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

#: The JSON shape of each type's content object (``contacts`` is a list, the rest objects).
_CONTENT_SHAPE: dict[str, type] = {"contacts": list}


def parse_webhook(payload: Any, *, received_at: datetime, limits: StorageLimits) -> ParsedWebhook:
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
            changes.append(
                _parse_change(raw_change, str(entry.get("id", "")), where, received_at, problems, limits)
            )
    return ParsedWebhook(changes=changes, problems=problems)


def _parse_change(
    raw: dict[str, Any],
    waba_id: str,
    where: str,
    received_at: datetime,
    problems: list[str],
    limits: StorageLimits,
) -> Change:
    value = raw["value"]
    metadata = dict_of(value.get("metadata"))
    change = Change(
        field=str(raw.get("field", "")),
        waba_id=waba_id,
        phone_number_id=str(metadata.get("phone_number_id", "")),
        display_phone_number=str(metadata.get("display_phone_number", "")),
        value=value,
    )
    if change.field == "user_preferences":
        change.preferences = parse_preferences(value, where, received_at, problems, limits)
        return change
    if change.field == "smb_message_echoes":
        change.echoes = _parse_echoes(value, where, received_at, problems, limits)
        return change
    if change.field in HEALTH_FIELDS:
        for key in ("event", "display_phone_number"):
            if value.get(key) is not None and not isinstance(value.get(key), str | int):
                problems.append(f"{where}: {change.field}'s '{key}' is not text; kept in the event only")
        return change
    if change.field != "messages":
        return change  # template status updates and other fields: kept raw by the caller

    change.errors = [e for e in list_of(value.get("errors")) if isinstance(e, dict)]
    profiles = _profiles(value.get("contacts"), f"{where}.contacts", problems, limits)
    change.profiles = profiles
    for m_index, raw_message in enumerate(list_of(value.get("messages"))):
        at = f"{where}.messages[{m_index}]"
        message = _parse_message(raw_message, profiles, received_at, at, problems, limits)
        if message is None:
            continue
        if message.type == "unsupported" and not message.errors and change.errors:
            message.errors = list(change.errors)
        change.messages.append(message)
    for s_index, raw_status in enumerate(list_of(value.get("statuses"))):
        at = f"{where}.statuses[{s_index}]"
        status = parse_status(raw_status, received_at, limits=limits, where=at, problems=problems)
        if status is None:
            continue
        change.statuses.append(status)
    return change


#: G5: the WABA-level fields about a number's health (their values are read by the caller).
HEALTH_FIELDS = ("phone_number_quality_update", "account_update")

#: G3: the values a ``user_preferences`` item may have.
PREFERENCE_VALUES = ("stop", "resume")


def parse_preferences(
    value: dict[str, Any], where: str, received_at: datetime, problems: list[str], limits: StorageLimits
) -> list[PreferenceUpdate]:
    """G3: the ``user_preferences`` items; one of a wrong shape is left out and flagged
    (it stays in the stored event)."""
    profiles = _profiles(value.get("contacts"), f"{where}.contacts", problems, limits)
    raw_items = value.get("user_preferences")
    if not isinstance(raw_items, list):
        problems.append(f"{where}: 'user_preferences' is not a list; kept in the event only")
        return []
    updates = []
    for index, raw in enumerate(raw_items):
        at = f"{where}.user_preferences[{index}]"
        if not isinstance(raw, dict):
            problems.append(f"{at} is not an object; skipped")
            continue
        wa_id, user_id = text_of(raw.get("wa_id")), text_of(raw.get("user_id"))
        preference, category = text_of(raw.get("value")), text_of(raw.get("category"))
        if not (wa_id or user_id) or preference not in PREFERENCE_VALUES or not category:
            problems.append(
                f"{at} needs a customer (wa_id / user_id), a category and a value of "
                f"{' or '.join(PREFERENCE_VALUES)}; skipped"
            )
            continue
        if not (limits.fits(wa_id, "from") and limits.fits(user_id, "from_user_id")):
            problems.append(f"{at}: a customer id is longer than stored; skipped")
            continue
        timestamp, problem = parse_timestamp(raw.get("timestamp"), received_at=received_at)
        if problem:
            problems.append(f"{at}: {problem}")
        customer = _sender({"from": wa_id, "from_user_id": user_id}, profiles, limits)
        updates.append(
            PreferenceUpdate(
                customer=customer,
                category=category,
                value=preference,
                timestamp=timestamp,
                detail=text_of(raw.get("detail")),
            )
        )
    return updates


def _parse_echoes(
    value: dict[str, Any], where: str, received_at: datetime, problems: list[str], limits: StorageLimits
) -> list[InboundMessage]:
    """G4: ``message_echoes[]``: the business's own messages, sent from the WhatsApp
    Business app, parsed like customer messages with the customer they went ``to`` as
    the sender (the content shapes are the same)."""
    raw_items = value.get("message_echoes")
    if not isinstance(raw_items, list):
        problems.append(f"{where}: 'message_echoes' is not a list; kept in the event only")
        return []
    profiles = _profiles(value.get("contacts"), f"{where}.contacts", problems, limits)
    echoes = []
    for index, raw in enumerate(raw_items):
        at = f"{where}.message_echoes[{index}]"
        if not isinstance(raw, dict):
            problems.append(f"{at} is not an object; skipped")
            continue
        customer = {"from": raw.get("to"), "from_user_id": raw.get("to_user_id")}
        turned = {**{k: v for k, v in raw.items() if k not in ("from", "to", "to_user_id")}, **customer}
        message = _parse_message(turned, profiles, received_at, at, problems, limits)
        if message is not None:
            echoes.append(message)
    return echoes


def _profiles(
    raw_contacts: Any, where: str, problems: list[str], limits: StorageLimits
) -> list[SenderProfile]:
    profiles = []
    for index, raw in enumerate(list_of(raw_contacts)):
        if not isinstance(raw, dict):
            continue
        profile = dict_of(raw.get("profile"))
        kept: dict[str, str] = {}
        for label, name, value in (
            ("wa_id", "from", raw.get("wa_id")),
            ("user_id", "from_user_id", raw.get("user_id")),
            ("parent_user_id", "parent_user_id", raw.get("parent_user_id")),
            ("profile.name", "profile.name", profile.get("name")),
            ("profile.username", "profile.username", profile.get("username")),
        ):
            text = text_of(value)
            if not limits.fits(text, name):
                problems.append(f"{where}[{index}]: {limits.too_long(text, name, label)}; left out")
                text = ""
            kept[label] = text
        profiles.append(
            SenderProfile(
                wa_id=kept["wa_id"] or None,
                user_id=kept["user_id"] or None,
                parent_user_id=kept["parent_user_id"],
                profile_name=kept["profile.name"],
                username=kept["profile.username"],
            )
        )
    return profiles


def _sender(raw: dict[str, Any], profiles: list[SenderProfile], limits: StorageLimits) -> SenderProfile:
    """Match the sender to ``contacts[]`` by id, never by array position."""
    wa_id = text_of(raw.get("from")) or None
    user_id = text_of(raw.get("from_user_id")) or None
    for profile in profiles:
        if (wa_id and profile.wa_id == wa_id) or (user_id and profile.user_id == user_id):
            return SenderProfile(
                wa_id=wa_id or profile.wa_id,
                user_id=user_id or profile.user_id,
                parent_user_id=profile.parent_user_id or _parent_user_id(raw, limits),
                profile_name=profile.profile_name,
                username=profile.username,
            )
    return SenderProfile(wa_id=wa_id, user_id=user_id, parent_user_id=_parent_user_id(raw, limits))


def _parent_user_id(raw: dict[str, Any], limits: StorageLimits) -> str:
    value = text_of(raw.get("from_parent_user_id"))
    return value if limits.fits(value, "parent_user_id") else ""  # flagged by _parse_message


def _parse_message(
    raw: Any,
    profiles: list[SenderProfile],
    received_at: datetime,
    where: str,
    problems: list[str],
    limits: StorageLimits,
) -> InboundMessage | None:
    if not isinstance(raw, dict) or not text_of(raw.get("id")):
        problems.append(f"{where} has no message id; skipped")
        return None
    wamid = text_of(raw["id"])
    for name, value in (
        ("id", wamid),
        ("from", text_of(raw.get("from"))),
        ("from_user_id", text_of(raw.get("from_user_id"))),
    ):
        if not limits.fits(value, name):
            problems.append(f"{where}: {limits.too_long(value, name)}; the message is kept in the event only")
            return None
    sender = _sender(raw, profiles, limits)
    if not (sender.wa_id or sender.user_id) and text_of(raw.get("type")) == "system":
        # G2: a BSUID change of a customer who hides the number names no sender; the
        # customer is the one the system object says the change is from.
        raw_system = raw.get("system")
        system: dict[str, Any] = raw_system if isinstance(raw_system, dict) else {}
        previous = text_of(system.get("previous_user_id"))
        if limits.fits(previous, "from_user_id"):
            sender = SenderProfile(wa_id=None, user_id=previous or None)
    if not (sender.wa_id or sender.user_id):
        problems.append(f"{where} has no sender ('from'); skipped")
        return None
    where = f"{where} ({wamid})"
    parent_user_id = text_of(raw.get("from_parent_user_id"))
    if not limits.fits(parent_user_id, "parent_user_id"):
        problems.append(f"{where}: {limits.too_long(parent_user_id, 'parent_user_id')}; left out")
    timestamp, problem = parse_timestamp(raw.get("timestamp"), received_at=received_at)
    if problem:
        problems.append(f"{where}: {problem}")
    message_type = text_of(raw.get("type")) or "unsupported"
    context = dict_of(raw.get("context"))
    context_wamid = text_of(context.get("id"))
    if not limits.fits(context_wamid, "context.id"):
        problems.append(
            f"{where}: {limits.too_long(context_wamid, 'context.id')}; the reply's quote is left out"
        )
        context_wamid = ""
    message = InboundMessage(
        wamid=wamid,
        type=message_type,
        timestamp=timestamp,
        sender=sender,
        context_wamid=context_wamid,
        forwarded=bool(context.get("forwarded")),
        frequently_forwarded=bool(context.get("frequently_forwarded")),
        referral=raw["referral"] if isinstance(raw.get("referral"), dict) else {},
        errors=[e for e in list_of(raw.get("errors")) if isinstance(e, dict)],
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
    return message if _content_fits(message, where, problems, limits) else None


def _content_fits(message: InboundMessage, where: str, problems: list[str], limits: StorageLimits) -> bool:
    """Check the content's stored strings. A media file's describing fields that do not
    fit are left out (an id that does not fit leaves the file undownloadable, flagged);
    a reaction, revision or number change whose ids do not fit is not applied at all."""
    if message.media is not None:
        media = message.media
        kept: dict[str, str] = {}
        for name, attribute in (
            ("media.id", "media_id"),
            ("media.mime_type", "mime_type"),
            ("media.sha256", "sha256"),
            ("media.filename", "filename"),
        ):
            value = getattr(media, attribute)
            if not limits.fits(value, name):
                problems.append(f"{where}: {limits.too_long(value, name)}; left out")
                kept[attribute] = ""
        message.media = (
            replace(
                media,
                media_id=kept.get("media_id", media.media_id),
                mime_type=kept.get("mime_type", media.mime_type),
                sha256=kept.get("sha256", media.sha256),
                filename=kept.get("filename", media.filename),
            )
            if kept
            else media
        )
        return True
    checked = {
        "reaction": (("reaction.message_id", "message_id"), ("reaction.emoji", "emoji")),
        "revoke": (("original_message_id", "original_message_id"),),
        "edit": (("original_message_id", "original_message_id"),),
        "system": (
            ("system.wa_id", "wa_id"),
            ("system.wa_id", "new_wa_id"),
            ("from_user_id", "user_id"),
            ("from_user_id", "previous_user_id"),
            ("parent_user_id", "parent_user_id"),
            ("parent_user_id", "previous_parent_user_id"),
        ),
    }.get(message.type, ())
    for name, key in checked:
        raw = message.content.get(key)
        if raw is not None and not isinstance(raw, str | int):
            problems.append(f"{where}: the {message.type}'s '{key}' is not text; kept in the event only")
            return False
        value = text_of(raw)
        if not limits.fits(value, name):
            problems.append(
                f"{where}: {limits.too_long(value, name)}; the {message.type} is kept in the event only"
            )
            return False
    return True


def _fill_content(message: InboundMessage, payload: Any) -> None:
    kind = message.type
    if kind == "text":
        message.body = text_of(payload.get("body"))
    elif kind in MEDIA_KINDS:
        message.body = text_of(payload.get("caption"))
        message.media = MediaRef(
            kind=kind,
            media_id=text_of(payload.get("id")),
            mime_type=text_of(payload.get("mime_type")),
            sha256=text_of(payload.get("sha256")),
            filename=text_of(payload.get("filename")),
            url=text_of(payload.get("url")),
            voice=bool(payload.get("voice")),
            animated=bool(payload.get("animated")),
        )
        message.content = {k: v for k, v in payload.items() if k != "url"}
    elif kind == "location":
        message.content = dict(payload)
        message.body = text_of(payload.get("name")) or text_of(payload.get("address"))
    elif kind == "contacts":
        message.content = {"contacts": payload}
        names = [
            text_of((c.get("name") or {}).get("formatted_name"))
            for c in payload
            if isinstance(c, dict) and isinstance(c.get("name"), dict)
        ]
        message.body = ", ".join(n for n in names if n)
    elif kind == "interactive":
        _fill_interactive(message, payload)
    elif kind == "button":
        message.content = {"payload": text_of(payload.get("payload")), "text": text_of(payload.get("text"))}
        message.body = message.content["text"]
    elif kind == "reaction":
        message.content = {
            "message_id": text_of(payload.get("message_id")),
            "emoji": text_of(payload.get("emoji")),
        }
        message.body = message.content["emoji"]
    elif kind == "order":
        message.content = dict(payload)
        message.body = text_of(payload.get("text"))
    elif kind == "system":
        message.content = dict(payload)
        message.body = text_of(payload.get("body"))
    elif kind == "unsupported":
        message.content = {"unsupported_type": text_of(payload.get("type"))}
    elif kind == "revoke":
        message.content = {"original_message_id": text_of(payload.get("original_message_id"))}
    elif kind == "edit":
        edited = dict_of(payload.get("message"))
        message.content = {
            "original_message_id": text_of(payload.get("original_message_id")),
            "message": edited,
        }
        inner = edited.get(text_of(edited.get("type")))
        inner = inner if isinstance(inner, dict) else {}
        message.body = text_of(inner.get("body")) or text_of(inner.get("caption"))


def _fill_interactive(message: InboundMessage, payload: dict[str, Any]) -> None:
    reply_type = text_of(payload.get("type"))
    reply = dict_of(payload.get(reply_type))
    content: dict[str, Any] = {"reply_type": reply_type}
    if reply_type in ("button_reply", "list_reply"):
        content.update(
            id=text_of(reply.get("id")),
            title=text_of(reply.get("title")),
            description=text_of(reply.get("description")),
        )
        message.body = content["title"]
    elif reply_type == "nfm_reply":
        raw_json = reply.get("response_json")
        try:
            response = json.loads(raw_json) if isinstance(raw_json, str) else raw_json
        except ValueError:
            response = {"unparsed": raw_json}
        content.update(name=text_of(reply.get("name")), response=response or {})
        message.body = text_of(reply.get("body"))
    else:
        content["raw"] = payload
    message.content = content
