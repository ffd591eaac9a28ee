"""What a file is, judged by its content alone (magic bytes), never by its name: a PNG
named ``report.pdf`` is a PNG, an executable named ``photo.jpg`` is an executable.

Plain: no database, nothing of the product but the names of a few MIME types. Legacy
Office files (OLE compound files) are told apart by the streams at their root, read
with ``olefile``.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from typing import BinaryIO

import olefile

from conversations.media.names import DOCX, PPTX, XLSX
from whatsapp.limits import MB

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


#: How much of the file's start the signatures and markup checks read.
HEAD_BYTES = 64 * 1024


def as_file(data: bytes | BinaryIO) -> BinaryIO:
    """A seekable binary file of ``data``: bytes are wrapped, a file is used as it is."""
    return io.BytesIO(data) if isinstance(data, bytes | bytearray | memoryview) else data


def head_of(file: BinaryIO, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of ``file`` (its position is left at their end)."""
    file.seek(0)
    return file.read(size)


def size_of(file: BinaryIO) -> int:
    file.seek(0, io.SEEK_END)
    return file.tell()


def sniff_mime(data: bytes | BinaryIO) -> str | None:
    """The MIME type of ``data`` (bytes, or a seekable binary file read in chunks, never
    whole) judged by its content alone, or None if unrecognised."""
    file = as_file(data)
    data = head_of(file)
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
        return _sniff_ole(file)
    if data.startswith(_ZIP_MAGICS):
        return _sniff_zip(file)
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
    if _looks_like_text(file):
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


def _looks_like_text(file: BinaryIO) -> bool:
    """UTF-8, no NUL byte, and at most 1% control characters other than whitespace (read
    in chunks)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    controls = total = 0
    file.seek(0)
    try:
        while chunk := file.read(_SNIFF_CHUNK):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
            controls += len(chunk) - len(chunk.translate(None, _TEXT_CONTROL_BYTES))
            total += len(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return controls * 100 <= total


def _sniff_zip(file: BinaryIO) -> str | None:
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
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
        return DOCX
    if "ppt" in folders:
        return PPTX
    if "xl" in folders:
        return XLSX
    return "application/zip"


def _read_member(archive: zipfile.ZipFile, name: str, *, limit: int) -> bytes:
    with archive.open(name) as member:
        return member.read(limit)  # bounded: a zip bomb never inflates past ``limit``


##### OLE compound files (.doc, .xls, .ppt)

_OLE_DOCUMENT_STREAMS = (
    ("WordDocument", "application/msword"),
    ("PowerPoint Document", "application/vnd.ms-powerpoint"),
    ("Workbook", "application/vnd.ms-excel"),
    ("Book", "application/vnd.ms-excel"),  # Excel 5/95
)


def _sniff_ole(file: BinaryIO) -> str | None:
    """Tell Word, Excel and PowerPoint apart by the streams at the root of the file.

    Only root entries count (a Word file may embed a workbook). When ``olefile`` cannot
    walk the directory (a damaged file), fall back to looking for a directory entry with
    the stream's name anywhere.
    """
    names = _ole_root_names(file)
    for stream, mime in _OLE_DOCUMENT_STREAMS:
        if names is not None:
            if stream in names:
                return mime
        elif _ole_has_entry_named(file, stream):
            return mime
    return None


def _ole_root_names(file: BinaryIO) -> set[str] | None:
    """The names of the streams and storages at the root, or None for a damaged file."""
    try:
        file.seek(0)
        with olefile.OleFileIO(file) as ole:
            return {path[0] for path in ole.listdir(streams=True, storages=True) if len(path) == 1}
    except Exception:  # olefile raises OSError, ValueError, struct.error... on damaged input
        return None


def _ole_has_entry_named(file: BinaryIO, name: str) -> bool:
    """A directory entry (128-byte aligned, with a matching length field) called ``name``,
    after the 512-byte header; the file is read in chunks that overlap by an entry."""
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    length_field = len(encoded).to_bytes(2, "little")
    offset = 512  # where ``block`` starts in the file
    file.seek(offset)
    block = file.read(_SNIFF_CHUNK)
    while block:
        position = block.find(encoded)
        while position != -1:
            if (offset + position) % 128 == 0 and block[position + 64 : position + 66] == length_field:
                return True
            position = block.find(encoded, position + 1)
        more = file.read(_SNIFF_CHUNK)
        if not more:
            return False
        keep = block[-128:]  # an entry across the boundary is found in the next round
        offset += len(block) - len(keep)
        block = keep + more
    return False
