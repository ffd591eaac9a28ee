"""Build the JSON bodies of ``POST /<version>/<PHONE_NUMBER_ID>/messages``, without I/O.

Each builder returns exactly the documented shape (reference §6) so that tests can
compare it literally. WhatsApp's limits are checked here, before the request, because a
``ValueError`` naming the field is more useful to an agent than Meta's ``131009``
("parameter value is not valid") after a round trip.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from whatsapp.limits import (
    BUTTON_ID_MAX,
    BUTTON_TITLE_MAX,
    BUTTONS_BODY_MAX,
    BUTTONS_MAX,
    CAPTION_KINDS,
    CAPTION_MAX,
    FOOTER_MAX,
    LIST_BODY_MAX,
    LIST_BUTTON_MAX,
    MEDIA_KINDS,
    ROW_DESCRIPTION_MAX,
    ROW_ID_MAX,
    ROW_TITLE_MAX,
    ROWS_MAX,
    SECTION_TITLE_MAX,
    SECTIONS_MAX,
    TEXT_BODY_MAX,
    TEXT_HEADER_MAX,
)

HEADER_TYPES = ("text", "image", "video", "document")

# Meta accepts "+", spaces, dashes and parentheses in phone numbers; we send "+<digits>"
# because without "+" Meta prefixes the *business* number's country code (§6).
_PHONE_SEPARATORS = re.compile(r"[\s\-()]")
_PHONE = re.compile(r"\+?(\d+)")
# Business-scoped user id: ISO country code, then dot-separated alphanumerics (§4.4),
# e.g. "US.13491208655302741918" or a parent id "US.ENT.11815799212886844830".
_BSUID = re.compile(r"[A-Za-z]{2}(?:\.[A-Za-z0-9]+)+")


def text(to: str, body: str, *, preview_url: bool = False, reply_to: str | None = None) -> dict[str, Any]:
    """A text message; ``preview_url`` previews the first http(s) URL of the body."""
    _check_length(body, what="text body", maximum=TEXT_BODY_MAX)
    obj: dict[str, Any] = {"body": body}
    if preview_url:
        obj["preview_url"] = True
    return _message(to, "text", obj, reply_to=reply_to)


def media(
    to: str,
    kind: str,
    *,
    media_id: str | None = None,
    link: str | None = None,
    caption: str | None = None,
    filename: str | None = None,
    reply_to: str | None = None,
) -> dict[str, Any]:
    """An image, video, audio, document or sticker, by uploaded ``media_id`` or public ``link``.

    Captions exist only on image, video and document, and ``filename`` (whose extension
    drives the icon) only on documents: passing them elsewhere raises instead of being
    silently dropped, so the caller can send the text on its own.
    """
    if kind not in MEDIA_KINDS:
        raise ValueError(f"media kind {kind!r} is not one of {', '.join(MEDIA_KINDS)}")
    if bool(media_id) == bool(link):
        raise ValueError("pass exactly one of media_id or link")
    obj: dict[str, Any] = {"id": media_id} if media_id else {"link": link}
    if caption:
        if kind not in CAPTION_KINDS:
            raise ValueError(f"{kind} messages cannot have a caption (only {', '.join(CAPTION_KINDS)})")
        _check_length(caption, what="caption", maximum=CAPTION_MAX)
        obj["caption"] = caption
    if filename:
        if kind != "document":
            raise ValueError(f"{kind} messages cannot have a filename (only document)")
        obj["filename"] = filename
    return _message(to, kind, obj, reply_to=reply_to)


def location(
    to: str,
    *,
    latitude: float | str,
    longitude: float | str,
    name: str | None = None,
    address: str | None = None,
    reply_to: str | None = None,
) -> dict[str, Any]:
    """A location pin. Coordinates are sent as given (Meta's docs use decimal strings)."""
    _check_coordinate(latitude, what="latitude", bound=90)
    _check_coordinate(longitude, what="longitude", bound=180)
    obj: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    if name:
        obj["name"] = name
    if address:
        obj["address"] = address
    return _message(to, "location", obj, reply_to=reply_to)


def reaction(to: str, *, message_id: str, emoji: str) -> dict[str, Any]:
    """React to ``message_id``; ``emoji=""`` removes our reaction.

    A reaction cannot be a contextual reply, so there is no ``reply_to``.
    """
    if not message_id:
        raise ValueError("reaction needs the message_id (wamid) it reacts to")
    if emoji and not is_one_emoji(emoji):
        raise ValueError("a reaction is one emoji (or empty to remove it)")
    return _message(to, "reaction", {"message_id": message_id, "emoji": emoji}, reply_to=None)


# One emoji, as a reaction carries it: a single user-perceived character (a grapheme
# cluster) made of pictographs. Written out here because the standard library has no
# grapheme segmentation: a flag (two regional indicators), a keycap ("1️⃣"), a tag
# sequence (🏴 + tags + cancel tag, the flags of England or Scotland), or pictographs
# joined by zero-width joiners, each with an optional presentation selector and skin tone.
_ZWJ = "\u200d"
_VARIATION = ("\ufe0f", "\ufe0e")
_KEYCAP = "\u20e3"


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _skin_tone(char: str) -> bool:
    return 0x1F3FB <= ord(char) <= 0x1F3FF


def _pictograph(char: str) -> bool:
    """Unicode's Extended_Pictographic ranges (emoji-data.txt), as far as reactions use them."""
    code = ord(char)
    return (
        0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or 0x2300 <= code <= 0x23FF
        or 0x2B00 <= code <= 0x2BFF
        or 0x2190 <= code <= 0x21FF
        or 0x25A0 <= code <= 0x25FF
        or 0x2900 <= code <= 0x297F
        or code in (0xA9, 0xAE, 0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D, 0x3297, 0x3299)
    )


def is_one_emoji(value: str) -> bool:
    """Whether ``value`` is exactly one emoji (what WhatsApp shows as one reaction)."""
    if not isinstance(value, str) or not value or len(value) > 32:
        return False
    if len(value) == 2 and all(_regional(c) for c in value):
        return True  # a flag
    if value[-1] == _KEYCAP:
        return value[0] in "0123456789#*" and value[1:-1] in ("", "\ufe0f")
    if value[0] == "\U0001f3f4" and len(value) > 2 and value[-1] == "\U000e007f":
        return all(0xE0020 <= ord(c) <= 0xE007E for c in value[1:-1])
    return all(_emoji_element(part) for part in value.split(_ZWJ))


def _emoji_element(part: str) -> bool:
    """One pictograph (not a lone regional indicator), then an optional presentation
    selector and skin tone."""
    if not part or not _pictograph(part[0]) or _regional(part[0]):
        return False
    rest = part[1:]
    if rest[:1] in _VARIATION:
        rest = rest[1:]
    if rest and _skin_tone(rest[0]) and not _skin_tone(part[0]):
        rest = rest[1:]
    return rest == ""


def template(
    to: str,
    *,
    name: str,
    language: str,
    components: Iterable[Mapping[str, Any]] = (),
    reply_to: str | None = None,
) -> dict[str, Any]:
    """An approved template; ``components`` are passed through (§6.2) and must match it."""
    if not name:
        raise ValueError("template name must not be empty")
    if not language:
        raise ValueError("template language code must not be empty")
    obj: dict[str, Any] = {"name": name, "language": {"code": language}}
    component_list = [dict(c) for c in components]
    if component_list:
        obj["components"] = component_list
    return _message(to, "template", obj, reply_to=reply_to)


def reply_buttons(
    to: str,
    *,
    body: str,
    buttons: Sequence[tuple[str, str]],
    header: Mapping[str, Any] | None = None,
    footer: str | None = None,
    reply_to: str | None = None,
) -> dict[str, Any]:
    """An interactive message with 1–3 quick-reply buttons given as ``(id, title)`` pairs."""
    _check_length(body, what="reply-buttons body", maximum=BUTTONS_BODY_MAX)
    if not 1 <= len(buttons) <= BUTTONS_MAX:
        raise ValueError(f"reply buttons: got {len(buttons)} buttons; WhatsApp allows 1 to {BUTTONS_MAX}")
    seen_titles: set[str] = set()
    seen_ids: set[str] = set()
    action_buttons = []
    for button_id, title in buttons:
        _check_length(button_id, what="reply button id", maximum=BUTTON_ID_MAX)
        _check_length(title, what=f"reply button title {title!r}", maximum=BUTTON_TITLE_MAX)
        if title in seen_titles:
            raise ValueError(f"reply button titles must be unique; {title!r} is repeated")
        if button_id in seen_ids:
            raise ValueError(f"reply button ids must be unique; {button_id!r} is repeated")
        seen_titles.add(title)
        seen_ids.add(button_id)
        action_buttons.append({"type": "reply", "reply": {"id": button_id, "title": title}})
    obj = _interactive("button", body=body, header=header, footer=footer, header_types=HEADER_TYPES)
    obj["action"] = {"buttons": action_buttons}
    return _message(to, "interactive", obj, reply_to=reply_to)


def list_message(
    to: str,
    *,
    body: str,
    button: str,
    sections: Sequence[Mapping[str, Any]],
    header: Mapping[str, Any] | None = None,
    footer: str | None = None,
    reply_to: str | None = None,
) -> dict[str, Any]:
    """An interactive list: ``button`` opens ``sections`` of rows the user picks one from.

    ``sections`` is ``[{"title": ..., "rows": [{"id", "title", "description"?}]}]``; a
    section title is required once there is more than one section.
    """
    _check_length(body, what="list body", maximum=LIST_BODY_MAX)
    _check_length(button, what="list button label", maximum=LIST_BUTTON_MAX)
    if not 1 <= len(sections) <= SECTIONS_MAX:
        raise ValueError(f"list: got {len(sections)} sections; WhatsApp allows 1 to {SECTIONS_MAX}")
    total_rows = sum(len(section.get("rows") or ()) for section in sections)
    if total_rows > ROWS_MAX:
        raise ValueError(f"list: got {total_rows} rows in total; WhatsApp allows at most {ROWS_MAX}")
    seen_ids: set[str] = set()
    out_sections = []
    for index, section in enumerate(sections, start=1):
        title = section.get("title") or ""
        out_section: dict[str, Any] = {}
        if title:
            _check_length(title, what=f"list section title {title!r}", maximum=SECTION_TITLE_MAX)
            out_section["title"] = title
        elif len(sections) > 1:
            raise ValueError(f"list section {index} needs a title when there are several sections")
        rows = section.get("rows") or ()
        if not rows:
            raise ValueError(f"list section {index} has no rows; each section needs at least one")
        out_section["rows"] = [_row(row, seen_ids=seen_ids) for row in rows]
        out_sections.append(out_section)
    obj = _interactive("list", body=body, header=header, footer=footer, header_types=("text",))
    obj["action"] = {"button": button, "sections": out_sections}
    return _message(to, "interactive", obj, reply_to=reply_to)


def mark_read(message_id: str, *, typing_indicator: bool = False) -> dict[str, Any]:
    """Mark an inbound message (and the earlier ones) read; optionally show "typing…"."""
    if not message_id:
        raise ValueError("mark_read needs the inbound message_id (wamid)")
    payload: dict[str, Any] = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
    if typing_indicator:
        payload["typing_indicator"] = {"type": "text"}
    return payload


def recipient(to: str) -> dict[str, str]:
    """``{"to": "+<digits>"}`` for a phone number, ``{"recipient": <BSUID>}`` for a user id."""
    value = (to or "").strip()
    phone = _PHONE.fullmatch(_PHONE_SEPARATORS.sub("", value))
    if phone:
        return {"to": "+" + phone.group(1)}
    if _BSUID.fullmatch(value):
        return {"recipient": value}
    raise ValueError(f"recipient {to!r} is neither a phone number nor a business-scoped user id")


def _message(to: str, kind: str, obj: dict[str, Any], *, reply_to: str | None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        **recipient(to),
    }
    if reply_to:
        payload["context"] = {"message_id": reply_to}
    payload["type"] = kind
    payload[kind] = obj
    return payload


def _interactive(
    kind: str,
    *,
    body: str,
    header: Mapping[str, Any] | None,
    footer: str | None,
    header_types: Sequence[str],
) -> dict[str, Any]:
    obj: dict[str, Any] = {"type": kind}
    if header is not None:
        obj["header"] = _header(header, allowed=header_types, what=kind)
    obj["body"] = {"text": body}
    if footer:
        _check_length(footer, what="footer", maximum=FOOTER_MAX)
        obj["footer"] = {"text": footer}
    return obj


def _header(header: Mapping[str, Any], *, allowed: Sequence[str], what: str) -> dict[str, Any]:
    """Pass a header through after checking its type and, for text, its length."""
    kind = header.get("type")
    if kind not in allowed:
        raise ValueError(f"{what} header type {kind!r} is not one of {', '.join(allowed)}")
    if kind == "text":
        _check_length(header.get("text") or "", what="text header", maximum=TEXT_HEADER_MAX)
    else:
        media_obj = header.get(kind) if isinstance(kind, str) else None
        if not isinstance(media_obj, Mapping) or bool(media_obj.get("id")) == bool(media_obj.get("link")):
            raise ValueError(f'{kind} header needs "{kind}": {{"id": ...}} or {{"link": ...}}')
    return dict(header)


def _row(row: Mapping[str, Any], *, seen_ids: set[str]) -> dict[str, Any]:
    row_id, title = row.get("id") or "", row.get("title") or ""
    _check_length(row_id, what="list row id", maximum=ROW_ID_MAX)
    _check_length(title, what=f"list row title {title!r}", maximum=ROW_TITLE_MAX)
    if row_id in seen_ids:
        raise ValueError(f"list row ids must be unique; {row_id!r} is repeated")
    seen_ids.add(row_id)
    out = {"id": row_id, "title": title}
    description = row.get("description") or ""
    if description:
        _check_length(description, what=f"list row description of {title!r}", maximum=ROW_DESCRIPTION_MAX)
        out["description"] = description
    return out


def _check_length(value: str, *, what: str, maximum: int) -> None:
    """Require 1..maximum characters; a blank value counts as empty (Meta rejects it)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must not be empty")
    if len(value) > maximum:
        raise ValueError(f"{what} is {len(value)} characters; WhatsApp allows at most {maximum}")


def _check_coordinate(value: float | str, *, what: str, bound: int) -> None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} {value!r} is not a number") from None
    if not -bound <= number <= bound:
        raise ValueError(f"{what} {value!r} is outside -{bound}..{bound}")
