"""The parameters of a ``/messages`` body, checked as the Cloud API checks them (reference
§6, §7): Meta's limits (the sandbox keeps its own copy of them on purpose, to catch our
client's mistakes), simple types, and the content of each plain message type."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from conversations.models import Channel
from sandbox import selectors
from sandbox.errors import GraphError, invalid, missing

MESSAGE_TYPES = (
    "text",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "reaction",
    "template",
)
MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
#: What each media message type may carry (reference §7); a document may be any supported file.
MEDIA_MIME_TYPES: dict[str, tuple[str, ...]] = {
    "image": ("image/jpeg", "image/png"),
    "video": ("video/mp4", "video/3gpp"),
    "audio": ("audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"),
    "sticker": ("image/webp",),
    "document": (
        "text/plain",
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
#: Upload size limits per kind of file (reference §7).
MEDIA_MAX_BYTES = {
    "image": 5 * 1024 * 1024,
    "video": 16 * 1024 * 1024,
    "audio": 16 * 1024 * 1024,
    "sticker": 500 * 1024,
    "document": 100 * 1024 * 1024,
}

TEXT_MAX = 4096
CAPTION_MAX = 1024
TEMPLATE_BODY_MAX = 1024
HEADER_TEXT_MAX = 60
FOOTER_MAX = 60
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
REPLY_BUTTONS_MAX = 3
LIST_ROWS_MAX = 10
LIST_SECTIONS_MAX = 10
ROW_ID_MAX = 200
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
SECTION_TITLE_MAX = 24
INTERACTIVE_BODY_MAX = {"button": 1024, "list": 4096, "cta_url": 1024}
EMOJI_MAX = 10  # one emoji can be several code points (skin tones, ZWJ sequences, flags)

PHONE_RE = re.compile(r"^\+?[\d\s\-().]+$")
BSUID_RE = re.compile(r"^[A-Z]{2}\.[A-Za-z0-9.]{1,140}$")
PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def base_mime(mime_type: str) -> str:
    """``audio/ogg; codecs=opus`` → ``audio/ogg``."""
    return mime_type.split(";", 1)[0].strip().lower()


def media_kind_for_mime(mime_type: str) -> str | None:
    """Which kind of media a supported MIME type is (None: the Cloud API does not take it)."""
    mime = base_mime(mime_type)
    for kind, types in MEDIA_MIME_TYPES.items():
        if mime in types:
            return kind
    return None


def object_param(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(f"{where} must be an object.")
    return value


def string_param(
    value: Any, where: str, *, max_length: int, required: bool = False, min_length: int = 0
) -> str:
    """A string parameter: absent → 131008 when required; wrong type or length → 131009."""
    if value is None:
        if required:
            raise missing(where)
        return ""
    if not isinstance(value, str):
        raise invalid(f"{where} must be a string.")
    if required and min_length == 0:
        min_length = 1
    if not min_length <= len(value) <= max_length:
        raise invalid(f"{where} must be {min_length} to {max_length} characters long (got {len(value)}).")
    return value


def check_text(content: Any) -> None:
    content = object_param(content, "text")
    string_param(content.get("body"), "text.body", max_length=TEXT_MAX, required=True)
    if "preview_url" in content and not isinstance(content["preview_url"], bool):
        raise invalid("text.preview_url must be true or false.")


def check_media(kind: str, content: Any, *, channel: Channel, where: str | None = None) -> None:
    """Exactly one of ``id`` (uploaded to this number) or ``link`` (http/https)."""
    where = where or kind
    content = object_param(content, where)
    media_id, link = content.get("id"), content.get("link")
    if media_id not in (None, "") and link not in (None, ""):
        raise invalid(f"{where}: specify either id or link, not both.")
    if media_id in (None, "") and link in (None, ""):
        raise missing(f"{where}.id or {where}.link")
    if media_id not in (None, ""):
        media = selectors.media_for_channel(media_id=str(media_id), channel=channel)
        if media is None:
            raise GraphError(131053, f"Media id {media_id} was not found (upload it to this number first).")
        if kind != "document" and base_mime(media.mime_type) not in MEDIA_MIME_TYPES[kind]:
            raise GraphError(
                131053, f"Uploaded media {media_id} is {media.mime_type}, which cannot be sent as {kind}."
            )
    else:
        url_param(link, f"{where}.link")
    if kind in ("image", "video", "document"):
        string_param(content.get("caption"), f"{where}.caption", max_length=CAPTION_MAX)
    if kind == "document":
        string_param(content.get("filename"), f"{where}.filename", max_length=240)


def url_param(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise missing(where)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 2000:
        raise invalid(f"{where} must be an http or https URL.")
    return value


def check_location(content: Any, where: str, *, named: bool) -> None:
    content = object_param(content, where)
    for axis, bound in (("latitude", 90), ("longitude", 180)):
        value = content.get(axis)
        if value is None or value == "":
            raise missing(f"{where}.{axis}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise invalid(f"{where}.{axis} must be a number.") from None
        if isinstance(value, bool) or not -bound <= number <= bound:
            raise invalid(f"{where}.{axis} must be between -{bound} and {bound}.")
    if named:
        string_param(content.get("name"), f"{where}.name", max_length=1000)
        string_param(content.get("address"), f"{where}.address", max_length=1000)


def check_contacts(content: Any) -> None:
    if not isinstance(content, list) or not content:
        raise invalid("contacts must be a non-empty list.")
    for index, contact in enumerate(content):
        contact = object_param(contact, f"contacts[{index}]")
        name = contact.get("name")
        if not isinstance(name, dict):
            raise missing(f"contacts[{index}].name")
        string_param(
            name.get("formatted_name"),
            f"contacts[{index}].name.formatted_name",
            max_length=1000,
            required=True,
        )
        if "phones" in contact and not isinstance(contact["phones"], list):
            raise invalid(f"contacts[{index}].phones must be a list.")


def check_reaction(content: Any) -> None:
    content = object_param(content, "reaction")
    string_param(content.get("message_id"), "reaction.message_id", max_length=200, required=True)
    if "emoji" not in content:
        raise missing("reaction.emoji")
    emoji = content["emoji"]
    # An empty emoji removes the reaction.
    if not isinstance(emoji, str) or len(emoji) > EMOJI_MAX or (emoji and emoji.isascii()):
        raise invalid("reaction.emoji must be a single emoji (or empty to remove the reaction).")
