"""WhatsApp's rules for files (SPEC M1 receive, M2 send), without touching the database.

- :func:`check_outbound_file` vets a file an agent wants to send: a type WhatsApp accepts,
  inside the configured allow-list, encoded as WhatsApp requires (8-bit RGB/RGBA images,
  mono OPUS in Ogg; read from headers only), and within both the configured and
  WhatsApp's size limit.
- :func:`check_inbound_download` vets a file downloaded from the Cloud API: size (the limit
  and the announced ``file_size``) and sha256.

Every refusal is a :class:`MediaRejected` whose message says precisely what is wrong: an
outbound file's to the person sending it, in the active language; a download's in English,
as the attachment stores it (``last_error``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext, gettext_noop

from conversations.media.errors import MediaRejected
from conversations.media.images import jpeg_problem, png_problem, webp_is_animated
from conversations.media.names import (
    EXTENSIONS,
    clean_file_name,
    human_size,
    shorten_file_name,
    size_beyond,
)
from conversations.media.sniff import as_file, head_of, size_of, sniff_mime
from whatsapp.limits import MEDIA_MAX_BYTES, MEDIA_MIME_TYPES, STATIC_STICKER_MAX_BYTES

#: Spellings seen in configuration and in the wild for the types above.
_MIME_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "audio/mp3": "audio/mpeg",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "audio/x-aac": "audio/aac",
    "audio/3gpp": "video/3gpp",
}

_KIND_PLURALS = {
    "image": gettext_noop("images"),
    "video": gettext_noop("videos"),
    "audio": gettext_noop("audio files"),
    "document": gettext_noop("documents"),
    "sticker": gettext_noop("stickers"),
}
_STATIC_STICKERS = gettext_noop("static stickers")

_ACCEPTED_SUMMARY = gettext_noop(
    "it accepts JPEG and PNG images, MP4 and 3GPP videos, AAC, AMR, MP3, M4A and OGG audio, "
    "PDF, plain-text, Word, Excel and PowerPoint documents, and WEBP stickers"
)


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    mime_type: str
    size: int
    file_name: str

    @property
    def upload_name(self) -> str:
        """``file_name`` with an extension that matches the content.

        WhatsApp refuses an upload whose extension contradicts its MIME type (error 131053),
        so ``photo.pdf`` that holds a PNG is uploaded as ``photo.pdf.png``.
        """
        extensions = EXTENSIONS.get(self.mime_type, ())
        if not extensions or self.file_name.lower().endswith(extensions):
            return self.file_name
        return shorten_file_name(self.file_name + extensions[0])


def kind_for_mime(mime: str) -> str | None:
    """The WhatsApp message kind for a MIME type (parameters and case ignored), or None."""
    return MEDIA_MIME_TYPES.get(_normalise_mime(mime))


def check_outbound_file(
    *,
    data: bytes | BinaryIO,
    file_name: str,
    max_size: int,
    allowed_types: Collection[str] | None = None,
) -> CheckedFile:
    """Vet a file an agent wants to send; raise :class:`MediaRejected` if WhatsApp or we refuse it,
    saying why in the active language (the refusal is answered to the person sending the file).

    ``data``: the file's bytes, or the file itself (seekable), which is read in chunks and
    by its headers, never whole. ``max_size`` is the configured limit in bytes; WhatsApp's
    per-kind limit applies as well. ``allowed_types`` is the configured allow-list of MIME
    types (``image/*`` allowed); empty or None means every type WhatsApp accepts.
    """
    if max_size <= 0:
        raise ValueError("max_size must be a positive number of bytes")
    file = as_file(data)
    size = size_of(file)
    mime = sniff_mime(file) if size else None
    name = clean_file_name(file_name, mime_type=mime or "")
    if not size:
        raise MediaRejected(gettext("%(name)s: the file is empty") % {"name": name})

    kind = MEDIA_MIME_TYPES.get(mime or "")
    if mime is None or kind is None:
        detected = (
            gettext("detected %(mime)s") % {"mime": mime}
            if mime
            else gettext("its content is not a format we recognise")
        )
        raise MediaRejected(
            gettext("%(name)s is not a file type WhatsApp accepts (%(detected)s); %(accepted)s")
            % {"name": name, "detected": detected, "accepted": gettext(_ACCEPTED_SUMMARY)}
        )

    allowed = _normalised_allow_list(allowed_types)
    if allowed and not _is_allowed(mime, allowed):
        raise MediaRejected(
            gettext("%(name)s is %(mime)s; only these types may be sent here: %(allowed)s")
            % {"name": name, "mime": mime, "allowed": ", ".join(allowed)}
        )

    _check_encoding(file, mime=mime, name=name)

    whatsapp_limit, what = MEDIA_MAX_BYTES[kind], _KIND_PLURALS[kind]
    if kind == "sticker" and not webp_is_animated(head_of(file, 32)):
        whatsapp_limit, what = STATIC_STICKER_MAX_BYTES, _STATIC_STICKERS
    if size > min(max_size, whatsapp_limit):
        if max_size < whatsapp_limit:
            raise MediaRejected(
                gettext("%(name)s is %(size)s; attachments here are limited to %(limit)s")
                % {
                    "name": name,
                    "size": size_beyond(size, max_size, translated=True),
                    "limit": human_size(max_size, translated=True),
                }
            )
        raise MediaRejected(
            gettext("%(name)s is %(size)s; WhatsApp accepts %(kinds)s up to %(limit)s")
            % {
                "name": name,
                "size": size_beyond(size, whatsapp_limit, translated=True),
                "kinds": gettext(what),
                "limit": human_size(whatsapp_limit, translated=True),
            }
        )
    return CheckedFile(kind=kind, mime_type=mime, size=size, file_name=name)


def _check_encoding(file: BinaryIO, *, mime: str, name: str) -> None:
    """Refuse a file of an accepted type whose *encoding* WhatsApp does not take (§7).

    Images must be 8-bit RGB or RGBA (no 16-bit PNG, no greyscale, palette or CMYK), and
    ``audio/ogg`` must carry OPUS in mono. Only headers are read: never a pixel decoded.
    """
    if mime == "image/png":
        problem = png_problem(head_of(file), translated=True)
    elif mime == "image/jpeg":
        problem = jpeg_problem(file, translated=True)
    elif mime == "audio/ogg":
        problem = _ogg_problem(head_of(file))
    else:
        return
    if problem:
        raise MediaRejected(f"{name}: {problem}")


def _ogg_problem(data: bytes) -> str:
    """The first Ogg page's first packet names the codec: ``OpusHead`` for OPUS (RFC 7845 §5.1).
    In the active language (only an outbound file is asked)."""
    if len(data) < 27:
        return gettext("the Ogg file is damaged or incomplete")
    payload = data[27 + data[26] :]
    if not payload.startswith(b"OpusHead"):
        codec = next((name for magic, name in _OGG_CODECS if payload.startswith(magic)), None)
        if codec is None:
            return gettext("the Ogg audio is not OPUS; WhatsApp accepts Ogg audio only with the OPUS codec")
        return gettext("the Ogg audio is %(codec)s; WhatsApp accepts Ogg audio only with the OPUS codec") % {
            "codec": codec
        }
    if len(payload) < 10:
        return gettext("the Ogg OPUS header is incomplete")
    channels = payload[9]
    if channels != 1:
        return gettext("the OPUS audio has %(channels)d channels; WhatsApp accepts only mono OPUS audio") % {
            "channels": channels
        }
    return ""


_OGG_CODECS = (
    (b"\x01vorbis", "Vorbis"),
    (b"Speex   ", "Speex"),
    (b"\x7fFLAC", "FLAC"),
    (b"\x80theora", "Theora"),
)


def check_inbound_download(
    *, data: bytes, expected_sha256: str = "", expected_size: int | None = None, max_size: int
) -> str:
    """Vet media downloaded from WhatsApp and return its sha256 as hex.

    The refusals are in English, whatever language is active: the failed attachment stores
    them (``last_error``), and the task that downloads may run after a translated request.

    ``expected_sha256`` is what WhatsApp announced: base64 in webhooks, hex in some API
    answers; either is accepted. An empty value skips the comparison. ``expected_size``
    is the media lookup's ``file_size``: a file of another length is not the one
    WhatsApp described (a truncated or substituted body), whatever its checksum.
    """
    if max_size <= 0:
        raise ValueError("max_size must be a positive number of bytes")
    if not data:
        raise MediaRejected("the downloaded file is empty")
    if len(data) > max_size:
        raise MediaRejected(
            f"the downloaded file is {size_beyond(len(data), max_size)}; the limit is {human_size(max_size)}"
        )
    if expected_size is not None and len(data) != expected_size:
        raise MediaRejected(
            f"the downloaded file is {len(data)} bytes but WhatsApp announced {expected_size} bytes"
        )
    digest = hashlib.sha256(data).digest()
    expected_text = (expected_sha256 or "").strip()
    if expected_text:
        expected = _decode_sha256(expected_text)
        if expected is None:
            raise MediaRejected(
                f"the announced checksum {expected_text[:80]!r} is neither a hex nor a base64 sha256"
            )
        if not hmac.compare_digest(expected, digest):
            raise MediaRejected(
                "the downloaded file does not match the checksum WhatsApp announced "
                f"(expected sha256 {expected.hex()}, got {digest.hex()})"
            )
    return digest.hex()


def _normalise_mime(mime: str) -> str:
    base = (mime or "").split(";", 1)[0].strip().lower()
    return _MIME_ALIASES.get(base, base)


def _normalised_allow_list(allowed_types: Collection[str] | None) -> list[str]:
    allowed: list[str] = []
    for entry in allowed_types or ():
        mime = _normalise_mime(entry)
        if mime and mime not in allowed:
            allowed.append(mime)
    return allowed


def _is_allowed(mime: str, allowed: list[str]) -> bool:
    return any(entry == mime or (entry.endswith("/*") and mime.startswith(entry[:-1])) for entry in allowed)


def _decode_sha256(text: str) -> bytes | None:
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        return bytes.fromhex(text)
    padded = text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4)  # url-safe, unpadded
    try:
        raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None
