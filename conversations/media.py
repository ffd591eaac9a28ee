"""Media checks for attachments (SPEC M1 receive, M2 send), without touching the database.

The type of a file is decided by its content (magic bytes), never by its name: a PNG
named ``report.pdf`` is a PNG, and an executable named ``photo.jpg`` is refused. The name
is only cleaned for display and storage.

- :func:`check_outbound_file` vets a file an agent wants to send: a type WhatsApp accepts,
  inside the configured allow-list, encoded as WhatsApp requires (8-bit RGB/RGBA images,
  mono OPUS in Ogg; read from headers only), and within both the configured and
  WhatsApp's size limit.
- :func:`check_inbound_download` vets a file downloaded from the Cloud API: size (the limit
  and the announced ``file_size``) and sha256.
- :func:`make_thumbnail` makes a small upright JPEG preview with Pillow, refusing
  decompression bombs before decoding a single pixel.

Every refusal is a :class:`MediaRejected` whose message says precisely what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import hmac
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Collection
from dataclasses import dataclass

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from conversations.exceptions import DomainError

KB = 1024
MB = 1024 * KB

KINDS = ("image", "video", "audio", "document", "sticker")

#: Largest file WhatsApp accepts per kind (Cloud API reference §7).
WHATSAPP_LIMITS: dict[str, int] = {
    "image": 5 * MB,
    "video": 16 * MB,
    "audio": 16 * MB,
    "document": 100 * MB,
    "sticker": 500 * KB,  # animated; static stickers: STATIC_STICKER_LIMIT
}
STATIC_STICKER_LIMIT = 100 * KB

_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

#: The MIME types WhatsApp accepts for sending, and the message kind each one goes out as.
WHATSAPP_MIME_TYPES: dict[str, str] = {
    "image/jpeg": "image",
    "image/png": "image",
    "audio/aac": "audio",
    "audio/amr": "audio",
    "audio/mpeg": "audio",
    "audio/mp4": "audio",
    "audio/ogg": "audio",
    "video/mp4": "video",
    "video/3gpp": "video",
    "text/plain": "document",
    "application/pdf": "document",
    "application/msword": "document",
    "application/vnd.ms-excel": "document",
    "application/vnd.ms-powerpoint": "document",
    _DOCX: "document",
    _XLSX: "document",
    _PPTX: "document",
    "image/webp": "sticker",
}

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

#: Extensions that match each accepted type; the first one names a file that has no name.
_EXTENSIONS: dict[str, tuple[str, ...]] = {
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
    _DOCX: (".docx",),
    _XLSX: (".xlsx",),
    _PPTX: (".pptx",),
}

_KIND_PLURALS = {
    "image": "images",
    "video": "videos",
    "audio": "audio files",
    "document": "documents",
    "sticker": "stickers",
}
_ACCEPTED_SUMMARY = (
    "it accepts JPEG and PNG images, MP4 and 3GPP videos, AAC, AMR, MP3, M4A and OGG audio, "
    "PDF, plain-text, Word, Excel and PowerPoint documents, and WEBP stickers"
)

MAX_FILE_NAME_LENGTH = 200
#: Images with more pixels than this are not previewed (a decompression bomb guard).
MAX_IMAGE_PIXELS: int = 40_000_000
_THUMBNAIL_FORMATS = ("JPEG", "PNG", "WEBP")


class MediaRejected(DomainError):
    code = "media_rejected"


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
        extensions = _EXTENSIONS.get(self.mime_type, ())
        if not extensions or self.file_name.lower().endswith(extensions):
            return self.file_name
        return _limit_length(self.file_name + extensions[0])


@dataclass(frozen=True)
class Thumbnail:
    data: bytes
    mime_type: str
    width: int  # of the original image, upright (after EXIF orientation)
    height: int


##### Public checks


def kind_for_mime(mime: str) -> str | None:
    """The WhatsApp message kind for a MIME type (parameters and case ignored), or None."""
    return WHATSAPP_MIME_TYPES.get(_normalise_mime(mime))


def check_outbound_file(
    *, data: bytes, file_name: str, max_size: int, allowed_types: Collection[str] | None = None
) -> CheckedFile:
    """Vet a file an agent wants to send; raise :class:`MediaRejected` if WhatsApp or we refuse it.

    ``max_size`` is the configured limit in bytes; WhatsApp's per-kind limit applies as well.
    ``allowed_types`` is the configured allow-list of MIME types (``image/*`` allowed); empty
    or None means every type WhatsApp accepts.
    """
    if max_size <= 0:
        raise ValueError("max_size must be a positive number of bytes")
    size = len(data)
    mime = sniff_mime(data) if data else None
    name = clean_file_name(file_name, mime_type=mime or "")
    if not size:
        raise MediaRejected(f"{name}: the file is empty")

    kind = WHATSAPP_MIME_TYPES.get(mime or "")
    if mime is None or kind is None:
        detected = f"detected {mime}" if mime else "its content is not a format we recognise"
        raise MediaRejected(f"{name} is not a file type WhatsApp accepts ({detected}); {_ACCEPTED_SUMMARY}")

    allowed = _normalised_allow_list(allowed_types)
    if allowed and not _is_allowed(mime, allowed):
        raise MediaRejected(f"{name} is {mime}; only these types may be sent here: {', '.join(allowed)}")

    _check_encoding(data, mime=mime, name=name)

    whatsapp_limit, what = WHATSAPP_LIMITS[kind], _KIND_PLURALS[kind]
    if kind == "sticker" and not webp_is_animated(data):
        whatsapp_limit, what = STATIC_STICKER_LIMIT, "static stickers"
    if size > min(max_size, whatsapp_limit):
        if max_size < whatsapp_limit:
            raise MediaRejected(
                f"{name} is {_size_beyond(size, max_size)}; attachments here are limited to {human_size(max_size)}"
            )
        raise MediaRejected(
            f"{name} is {_size_beyond(size, whatsapp_limit)}; "
            f"WhatsApp accepts {what} up to {human_size(whatsapp_limit)}"
        )
    return CheckedFile(kind=kind, mime_type=mime, size=size, file_name=name)


def _check_encoding(data: bytes, *, mime: str, name: str) -> None:
    """Refuse a file of an accepted type whose *encoding* WhatsApp does not take (§7).

    Images must be 8-bit RGB or RGBA (no 16-bit PNG, no greyscale, palette or CMYK), and
    ``audio/ogg`` must carry OPUS in mono. Only headers are read: never a pixel decoded.
    """
    if mime == "image/png":
        problem = _png_problem(data)
    elif mime == "image/jpeg":
        problem = _jpeg_problem(data)
    elif mime == "audio/ogg":
        problem = _ogg_problem(data)
    else:
        return
    if problem:
        raise MediaRejected(f"{name}: {problem}")


def image_for_whatsapp(data: bytes) -> bytes:
    """An image WhatsApp refuses only for its colour encoding, re-encoded as 8-bit RGB(A)
    in the same format; any other file comes back unchanged.

    Screenshots are often palette PNGs and scans greyscale JPEGs: an agent should not have
    to convert them by hand. The declared size is checked before anything is decoded (no
    bomb), the JPEG's EXIF (its orientation) is kept, and a file that cannot be converted
    is returned as it was, so that :func:`check_outbound_file` refuses it with its reason.
    """
    mime = sniff_mime(data) if data else None
    problem = (
        _png_problem(data) if mime == "image/png" else _jpeg_problem(data) if mime == "image/jpeg" else ""
    )
    if not problem.endswith(_IMAGE_FIX):
        return data  # fine already, not an image, or damaged / oversized: not ours to fix
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    return data
                return _encoded_as_8_bit_rgb(image)
    except Exception:  # Pillow's many ways to fail on a broken file: the check will say why
        return data


def _encoded_as_8_bit_rgb(image: Image.Image) -> bytes:
    fmt, options = image.format, {}
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit greyscale: keep the high byte
        image = image.point(lambda value: value / 256).convert("L")
    if fmt == "PNG":
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        converted = image.convert("RGBA" if has_alpha else "RGB")
    else:
        converted = image.convert("RGB")
        options = {"quality": 92, "exif": image.info.get("exif", b"")}
    buffer = io.BytesIO()
    converted.save(buffer, fmt, **options)
    return buffer.getvalue()


_IMAGE_FIX = "WhatsApp accepts only 8-bit RGB or RGBA images; save it as an 8-bit RGB JPEG or PNG"
#: PNG IHDR colour types (PNG spec §11.2.2).
_PNG_COLOUR_TYPES = {0: "greyscale", 2: "RGB", 4: "greyscale with alpha", 6: "RGBA"}


def _png_problem(data: bytes) -> str:
    """Read the IHDR chunk: Pillow reports a 16-bit RGB PNG as plain ``RGB``."""
    if len(data) < 33 or data[12:16] != b"IHDR":
        return "the PNG header is damaged or incomplete"
    bit_depth, colour_type = data[24], data[25]
    if colour_type in (2, 6) and bit_depth == 8:
        return ""
    if colour_type == 3:
        return f"the PNG uses a colour palette (indexed colour); {_IMAGE_FIX}"
    described = _PNG_COLOUR_TYPES.get(colour_type, f"colour type {colour_type}")
    return f"the PNG is {bit_depth}-bit {described}; {_IMAGE_FIX}"


def _jpeg_problem(data: bytes) -> str:
    """Pillow parses the markers up to the frame header; no pixel data is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=("JPEG",)) as image:
                mode, bits = image.mode, getattr(image, "bits", 8)
    except Image.DecompressionBombError:
        return "the JPEG declares too many pixels to be a real photo"
    except Exception:  # Pillow raises OSError, SyntaxError, ValueError... on a bad header
        return "the JPEG header is damaged or incomplete"
    if mode == "RGB" and bits == 8:
        return ""
    described = {"L": "greyscale", "CMYK": "CMYK"}.get(mode, mode)
    return f"the JPEG is {bits}-bit {described}; {_IMAGE_FIX}"


def _ogg_problem(data: bytes) -> str:
    """The first Ogg page's first packet names the codec: ``OpusHead`` for OPUS (RFC 7845 §5.1)."""
    if len(data) < 27:
        return "the Ogg file is damaged or incomplete"
    payload = data[27 + data[26] :]
    if not payload.startswith(b"OpusHead"):
        codec = next((name for magic, name in _OGG_CODECS if payload.startswith(magic)), "not OPUS")
        return f"the Ogg audio is {codec}; WhatsApp accepts Ogg audio only with the OPUS codec"
    if len(payload) < 10:
        return "the Ogg OPUS header is incomplete"
    channels = payload[9]
    if channels != 1:
        return f"the OPUS audio has {channels} channels; WhatsApp accepts only mono OPUS audio"
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
            f"the downloaded file is {_size_beyond(len(data), max_size)}; the limit is {human_size(max_size)}"
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


def make_thumbnail(data: bytes, *, max_side: int = 320) -> Thumbnail:
    """A JPEG preview no larger than ``max_side`` on its longest side, upright per EXIF.

    The declared size is read from the header and checked against :data:`MAX_IMAGE_PIXELS`
    before anything is decoded; JPEGs are decoded at a reduced scale. Any Pillow failure
    becomes :class:`MediaRejected`.
    """
    if max_side < 1:
        raise ValueError("max_side must be at least 1")
    if not data:
        raise MediaRejected("the image is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _make_thumbnail(data, max_side)
    except MediaRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaRejected("the image declares too many pixels to be previewed safely") from exc
    except UnidentifiedImageError as exc:
        raise MediaRejected("the file is not a JPEG, PNG or WEBP image, so it cannot be previewed") from exc
    except Exception as exc:  # Pillow raises OSError, ValueError, SyntaxError, EOFError... on bad data
        raise MediaRejected("the image is damaged or incomplete and could not be decoded") from exc


##### Helpers for callers


def human_size(size: int) -> str:
    """``812 bytes``, ``500 KB``, ``17.2 MB`` (binary units, as WhatsApp's limits are read)."""
    if size < KB:
        return "1 byte" if size == 1 else f"{size} bytes"
    unit, factor = next((u, f) for u, f in (("GB", MB * KB), ("MB", MB), ("KB", KB)) if size >= f)
    return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"


def clean_file_name(file_name: str, *, mime_type: str = "") -> str:
    """A name safe to display and store: basename only, no control characters, ≤ 200 characters.

    Letters of any script are kept. An empty result becomes ``file.<ext>`` for ``mime_type``.
    """
    name = unicodedata.normalize("NFC", file_name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(_file_name_char(ch) for ch in name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        name = "file" + _EXTENSIONS.get(mime_type, (".bin",))[0]
    return _limit_length(name)


def _file_name_char(ch: str) -> str:
    if ch.isspace():
        return " "  # tabs, newlines, line and paragraph separators
    category = unicodedata.category(ch)
    # Cc: control characters. Cf: format characters such as U+202E, which can make
    # "gpj.exe" display as "exe.jpg"; ZWNJ / ZWJ stay, as some scripts and emoji need them.
    if category in ("Cc", "Cs") or (category == "Cf" and ch not in "\u200c\u200d"):
        return ""
    return ch


def webp_is_animated(data: bytes) -> bool:
    """True when a WEBP declares animation (VP8X header with the animation flag)."""
    return len(data) > 20 and data[12:16] == b"VP8X" and bool(data[20] & 0x02)


##### Content sniffing


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"OggS", "audio/ogg"),
    (b"#!AMR\n", "audio/amr"),
    (b"#!AMR-WB\n", "audio/amr-wb"),
    (b"ID3", "audio/mpeg"),
    (b"fLaC", "audio/flac"),
    (b"MZ", "application/x-msdownload"),
    (b"\x7fELF", "application/x-executable"),
    (b"\xfe\xed\xfa\xce", "application/x-mach-binary"),
    (b"\xfe\xed\xfa\xcf", "application/x-mach-binary"),
    (b"\xce\xfa\xed\xfe", "application/x-mach-binary"),
    (b"\xcf\xfa\xed\xfe", "application/x-mach-binary"),
    (b"\xca\xfe\xba\xbe", "application/java-vm"),  # also universal Mach-O binaries
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\x00\x00\x01\x00", "image/vnd.microsoft.icon"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"\x1f\x8b", "application/gzip"),
    (b"BZh", "application/x-bzip2"),
    (b"\xfd7zXZ\x00", "application/x-xz"),
    (b"\x1aE\xdf\xa3", "video/x-matroska"),
    (b"{\\rtf", "application/rtf"),
    (b"%!PS", "application/postscript"),
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")

_ISO_BMFF_BRANDS = {
    b"M4A ": "audio/mp4",
    b"M4B ": "audio/mp4",
    b"qt  ": "video/quicktime",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"heim": "image/heic",
    b"heis": "image/heic",
    b"hevc": "image/heic",
    b"hevx": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
    b"avif": "image/avif",
    b"avis": "image/avif",
}
_RIFF_FORMATS = {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}

# OOXML main-part content types of the macro-enabled variants, which WhatsApp does not list.
_OOXML_MACRO_TYPES = (
    (
        b"application/vnd.ms-word.document.macroenabled.main+xml",
        "application/vnd.ms-word.document.macroEnabled.12",
    ),
    (
        b"application/vnd.ms-excel.sheet.macroenabled.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.12",
    ),
    (
        b"application/vnd.ms-powerpoint.presentation.macroenabled.main+xml",
        "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
    ),
)

# WHATWG MIME sniffing: markup that starts an HTML document (each followed by space or ">").
_HTML_STARTS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<script",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a",
    b"<style",
    b"<title",
    b"<b",
    b"<body",
    b"<br",
    b"<p",
    b"<!--",
)
_TEXT_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\v\f\r\x1b") + b"\x7f"
_SNIFF_CHUNK = 1 * MB


def sniff_mime(data: bytes) -> str | None:
    """The MIME type of ``data`` judged by its content alone, or None if unrecognised."""
    if not data:
        return None
    for magic, mime in _SIGNATURES:
        if data.startswith(magic):
            return mime
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand.startswith((b"3gp", b"3g2")):
            return "video/3gpp"
        return _ISO_BMFF_BRANDS.get(brand, "video/mp4")
    if data.startswith(b"RIFF"):
        return _RIFF_FORMATS.get(data[8:12])
    if data.startswith(_OLE_MAGIC):
        return _sniff_ole(data)
    if data.startswith(_ZIP_MAGICS):
        return _sniff_zip(data)
    if data.startswith(b"BM") and data[6:10] == b"\x00\x00\x00\x00":
        return "image/bmp"
    if len(data) >= 2 and data[0] == 0xFF:
        if data[1] & 0xF6 == 0xF0:  # ADTS sync, layer 00: FFF1 / FFF9 (FFF0 / FFF8 with CRC)
            return "audio/aac"
        if data[1] & 0xE6 == 0xE2:  # MPEG audio frame sync, layer III: FFFB, FFF3, FFF2...
            return "audio/mpeg"
    markup = _sniff_markup(data)
    if markup:
        return markup
    if _looks_like_text(data):
        return "text/plain"
    return None


def _sniff_markup(data: bytes) -> str | None:
    head = data[:4096].removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n\f").lower()
    if not head.startswith(b"<"):
        return None
    for start in _HTML_STARTS:
        if head.startswith(start) and head[len(start) : len(start) + 1] in (b" ", b">", b"\t", b"\n", b"\r"):
            return "text/html"
    if head.startswith((b"<svg", b"<!doctype svg")):
        return "image/svg+xml"
    if head.startswith(b"<?xml"):
        if b"<svg" in head:
            return "image/svg+xml"
        if b"<html" in head:
            return "application/xhtml+xml"
        return "application/xml"
    return None


def _looks_like_text(data: bytes) -> bool:
    """UTF-8, no NUL byte, and at most 1% control characters other than whitespace."""
    if b"\x00" in data:
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    controls = 0
    try:
        for start in range(0, len(data), _SNIFF_CHUNK):
            chunk = data[start : start + _SNIFF_CHUNK]
            decoder.decode(chunk)
            controls += len(chunk) - len(chunk.translate(None, _TEXT_CONTROL_BYTES))
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return controls * 100 <= len(data)


def _sniff_zip(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "[Content_Types].xml" in names:
                return _ooxml_type(archive, names)
            if names and names[0] == "mimetype":  # OpenDocument, EPUB: declared in the first entry
                declared = _read_member(archive, "mimetype", limit=200).decode("ascii", "replace").strip()
                if re.fullmatch(r"[a-z]+/[a-z0-9.+-]+", declared):
                    return declared
    except Exception:  # zipfile raises BadZipFile, OSError, EOFError, zlib.error... on damaged input
        return None
    return "application/zip"


def _ooxml_type(archive: zipfile.ZipFile, names: list[str]) -> str:
    try:
        content_types = _read_member(archive, "[Content_Types].xml", limit=1 * MB).lower()
    except Exception:
        content_types = b""
    for declared, mime in _OOXML_MACRO_TYPES:
        if declared in content_types:
            return mime
    folders = {name.split("/", 1)[0] for name in names if "/" in name}
    if "word" in folders:
        return _DOCX
    if "ppt" in folders:
        return _PPTX
    if "xl" in folders:
        return _XLSX
    return "application/zip"


def _read_member(archive: zipfile.ZipFile, name: str, *, limit: int) -> bytes:
    with archive.open(name) as member:
        return member.read(limit)  # bounded: a zip bomb never inflates past ``limit``


##### OLE compound files (.doc, .xls, .ppt)

_OLE_NO_STREAM = 0xFFFFFFFF
_OLE_MAX_SECTOR = 0xFFFFFFFA  # larger values are markers (end of chain, free, FAT sector...)
_OLE_DOCUMENT_STREAMS = (
    ("WordDocument", "application/msword"),
    ("PowerPoint Document", "application/vnd.ms-powerpoint"),
    ("Workbook", "application/vnd.ms-excel"),
    ("Book", "application/vnd.ms-excel"),  # Excel 5/95
)


def _sniff_ole(data: bytes) -> str | None:
    """Tell Word, Excel and PowerPoint apart by the streams at the root of the file.

    Only root entries count (a Word file may embed a workbook). When the directory cannot
    be walked, fall back to looking for a directory entry with the stream's name anywhere.
    """
    try:
        names = _ole_root_names(data)
    except (IndexError, ValueError):
        names = None
    for stream, mime in _OLE_DOCUMENT_STREAMS:
        if names is not None:
            if stream in names:
                return mime
        elif _ole_has_entry_named(data, stream):
            return mime
    return None


def _u16(data: bytes, offset: int) -> int:
    if offset + 2 > len(data):
        raise IndexError(offset)
    return int.from_bytes(data[offset : offset + 2], "little")


def _u32(data: bytes, offset: int) -> int:
    if offset + 4 > len(data):
        raise IndexError(offset)
    return int.from_bytes(data[offset : offset + 4], "little")


def _ole_root_names(data: bytes) -> set[str] | None:
    shift = _u16(data, 30)
    if shift not in (9, 12):
        return None
    sector_size = 1 << shift
    max_sectors = len(data) // sector_size + 1  # bounds every loop below

    def sector(sid: int) -> bytes:
        start = (sid + 1) * sector_size
        block = data[start : start + sector_size]
        if len(block) < sector_size:
            raise IndexError(sid)
        return block

    fat_count = min(_u32(data, 44), max_sectors)
    fat_sectors = [_u32(data, 76 + 4 * i) for i in range(109)][:fat_count]
    difat_sid = _u32(data, 68)
    per_difat = sector_size // 4 - 1
    for _ in range(max_sectors):
        if len(fat_sectors) >= fat_count or difat_sid > _OLE_MAX_SECTOR:
            break
        block = sector(difat_sid)
        fat_sectors.extend(_u32(block, 4 * i) for i in range(per_difat))
        difat_sid = _u32(block, 4 * per_difat)
    fat_sectors = fat_sectors[:fat_count]

    def next_sector(sid: int) -> int:
        index, position = divmod(sid, sector_size // 4)
        return _u32(sector(fat_sectors[index]), 4 * position)

    entries: list[bytes] = []
    sid, seen = _u32(data, 48), set()
    while sid <= _OLE_MAX_SECTOR:
        if sid in seen or len(seen) >= max_sectors:
            return None  # a loop in the chain
        seen.add(sid)
        block = sector(sid)
        entries.extend(block[i : i + 128] for i in range(0, sector_size, 128))
        sid = next_sector(sid)
    if not entries or entries[0][66] != 5:  # entry 0 is the root storage
        return None

    names: set[str] = set()
    stack, visited = [_u32(entries[0], 76)], set()
    while stack:
        index = stack.pop()
        if index == _OLE_NO_STREAM or index in visited or index >= len(entries):
            continue
        visited.add(index)
        entry = entries[index]
        name_length = _u16(entry, 64)
        if 2 <= name_length <= 64:
            names.add(entry[: name_length - 2].decode("utf-16-le", "replace"))
        stack += [_u32(entry, 68), _u32(entry, 72)]  # left and right siblings: the root's other children
    return names


def _ole_has_entry_named(data: bytes, name: str) -> bool:
    """A directory entry (128-byte aligned, with a matching length field) called ``name``."""
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    position = data.find(encoded, 512)
    while position != -1:
        if position % 128 == 0 and data[position + 64 : position + 66] == len(encoded).to_bytes(2, "little"):
            return True
        position = data.find(encoded, position + 1)
    return False


##### Internals


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


def _size_beyond(size: int, limit: int) -> str:
    """``size`` in human units, with the byte count when rounding would hide the excess."""
    shown = human_size(size)
    return f"{shown} ({size:,} bytes)" if shown == human_size(limit) else shown


def _limit_length(name: str) -> str:
    if len(name) <= MAX_FILE_NAME_LENGTH:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= 16:
        return stem[: MAX_FILE_NAME_LENGTH - len(extension) - 1].rstrip() + "." + extension
    return name[:MAX_FILE_NAME_LENGTH].rstrip()


def _decode_sha256(text: str) -> bytes | None:
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        return bytes.fromhex(text)
    padded = text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4)  # url-safe, unpadded
    try:
        raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


def _make_thumbnail(data: bytes, max_side: int) -> Thumbnail:
    with Image.open(io.BytesIO(data), formats=_THUMBNAIL_FORMATS) as image:
        width, height = image.size  # from the header: nothing is decoded yet
        if width < 1 or height < 1:
            raise MediaRejected(f"the image declares an impossible size of {width} × {height} pixels")
        if width * height > MAX_IMAGE_PIXELS:
            raise MediaRejected(
                f"the image is {width} × {height} pixels ({width * height / 1e6:.0f} megapixels); "
                f"images over {MAX_IMAGE_PIXELS / 1e6:g} megapixels are not previewed"
            )
        if _exif_orientation(image) in (5, 6, 7, 8):  # rotated by 90° or 270°
            width, height = height, width
        icc_profile = image.info.get("icc_profile") if image.mode in ("RGB", "RGBA") else None

        longest = max(image.size)
        if image.format == "JPEG" and longest > 2 * max_side:
            # Decode at 1/2, 1/4 or 1/8 scale, keeping at least twice the target for quality.
            factor = 2 * max_side / longest
            image.draft(None, (max(1, round(image.width * factor)), max(1, round(image.height * factor))))
        image.load()
        try:
            upright = ImageOps.exif_transpose(image)
        except Exception:  # a malformed EXIF block must not cost the preview
            upright = image
        preview = _to_rgb_ready(upright)
        preview.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        preview = _flatten_to_rgb(preview)
        buffer = io.BytesIO()
        options = {"icc_profile": icc_profile} if icc_profile else {}
        preview.save(buffer, "JPEG", quality=80, optimize=True, **options)
    return Thumbnail(data=buffer.getvalue(), mime_type="image/jpeg", width=width, height=height)


def _exif_orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(ExifTags.Base.Orientation, 1))
    except Exception:
        return 1


def _to_rgb_ready(image: Image.Image) -> Image.Image:
    """A mode that resizes well: palettes and 16-bit / float modes are expanded first."""
    if image.mode in ("1", "P", "PA"):
        return image.convert("RGBA")
    if image.mode.startswith("I") or image.mode == "F":
        return image.convert("I").point(lambda value: value / 257).convert("L")
    if image.mode == "CMYK":
        return image.convert("RGB")
    return image


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid over white."""
    if image.mode in ("RGBA", "LA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")
