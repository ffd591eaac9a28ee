"""File names and sizes as people read them: names cleaned for display and storage,
sizes in binary units (as WhatsApp's limits are read)."""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from typing import Protocol

from django.utils.formats import number_format
from django.utils.translation import ngettext

from whatsapp.limits import KB, MB

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

#: Extensions that match each accepted type; the first one names a file that has no name.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "audio/aac": (".aac",),
    "audio/amr": (".amr",),
    "audio/mpeg": (".mp3",),
    "audio/mp4": (".m4a", ".mp4"),
    "audio/ogg": (".ogg", ".opus", ".oga"),
    "video/mp4": (".mp4", ".m4v"),
    "video/3gpp": (".3gp", ".3gpp", ".3g2"),
    "text/plain": (".txt", ".text", ".log", ".csv", ".md"),
    "application/pdf": (".pdf",),
    "application/msword": (".doc", ".dot"),
    "application/vnd.ms-excel": (".xls", ".xlt"),
    "application/vnd.ms-powerpoint": (".ppt", ".pps", ".pot"),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
}

MAX_FILE_NAME_LENGTH = 200


def human_size(size: int, *, translated: bool = False) -> str:
    """``812 bytes``, ``500 KB``, ``17.2 MB`` (binary units, as WhatsApp's limits are read).

    In English (stored texts say sizes so), or ``translated`` into the active language for
    a refusal answered to a person: ``812 Byte``, ``17,2 MB`` in German.
    """
    if size < KB:
        if translated:
            return ngettext("%(count)s byte", "%(count)s bytes", size) % {"count": number_format(size)}
        return "1 byte" if size == 1 else f"{size} bytes"
    unit, factor = next((u, f) for u, f in (("GB", MB * KB), ("MB", MB), ("KB", KB)) if size >= f)
    number = f"{size / factor:.1f}".removesuffix(".0")
    if translated:  # the units are the same in every language we speak; the decimal sign is not
        number = number_format(float(number) if "." in number else int(number))
    return f"{number} {unit}"


def clean_file_name(file_name: str, *, mime_type: str = "") -> str:
    """A name safe to display and store: basename only, no control characters, ≤ 200 characters.

    Letters of any script are kept. An empty result becomes ``file.<ext>`` for ``mime_type``.
    """
    name = unicodedata.normalize("NFC", file_name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(_file_name_char(ch) for ch in name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        name = "file" + EXTENSIONS.get(mime_type, (".bin",))[0]
    return shorten_file_name(name)


#: M1b: what a file without a name is called, by its kind ("image.jpg", "voice message.ogg").
KIND_NAMES = {
    "image": "image",
    "sticker": "sticker",
    "audio": "audio",
    "video": "video",
    "document": "document",
}


def shown_file_name(*, file_name: str, kind: str, mime_type: str, voice: bool = False) -> str:
    """M1b: the name the transcript shows for a file. WhatsApp names documents only (the
    customer's own file name, cleaned); a photo, a voice message or a video gets a name
    from its kind and type ("image.jpg", "voice message.ogg") so that every file has one
    to show and to save as."""
    if file_name:
        return clean_file_name(file_name, mime_type=mime_type)
    base_mime = mime_type.split(";")[0].strip().lower()
    stem = "voice message" if voice else KIND_NAMES.get(kind, "file")
    extension = EXTENSIONS.get(base_mime, ())[:1] or (mimetypes.guess_extension(base_mime) or ".bin",)
    return stem + extension[0]


def _file_name_char(ch: str) -> str:
    if ch.isspace():
        return " "  # tabs, newlines, line and paragraph separators
    category = unicodedata.category(ch)
    # Cc: control characters. Cf: format characters such as U+202E, which can make
    # "gpj.exe" display as "exe.jpg"; ZWNJ / ZWJ stay, as some scripts and emoji need them.
    if category in ("Cc", "Cs") or (category == "Cf" and ch not in "\u200c\u200d"):
        return ""
    return ch


def size_beyond(size: int, limit: int, *, translated: bool = False) -> str:
    """``size`` in human units, with the byte count when rounding would hide the excess
    (English, or ``translated`` as :func:`human_size` is)."""
    shown = human_size(size, translated=translated)
    if shown != human_size(limit, translated=translated):
        return shown
    if translated:
        count = ngettext("%(count)s byte", "%(count)s bytes", size) % {
            "count": number_format(size, force_grouping=True)
        }
        return f"{shown} ({count})"
    return f"{shown} ({size:,} bytes)"


def shorten_file_name(name: str) -> str:
    if len(name) <= MAX_FILE_NAME_LENGTH:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= 16:
        return stem[: MAX_FILE_NAME_LENGTH - len(extension) - 1].rstrip() + "." + extension
    return name[:MAX_FILE_NAME_LENGTH].rstrip()


class NamedFile(Protocol):
    """What :func:`shown_name_of` reads of a stored attachment."""

    file_name: str
    kind: str
    mime_type: str
    voice: bool


def shown_name_of(attachment: NamedFile) -> str:
    """:func:`shown_file_name` of a stored attachment: the transcript and the download (M1b)
    give one file one name."""
    return shown_file_name(
        file_name=attachment.file_name,
        kind=attachment.kind,
        mime_type=attachment.mime_type,
        voice=attachment.voice,
    )
