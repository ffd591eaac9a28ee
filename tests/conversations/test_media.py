"""M1/M2 media checks: type by content, WhatsApp's limits, checksums and safe thumbnails.

Every file is generated here (Pillow, zipfile, struct, zlib); no binary fixtures.
"""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import time
import tracemalloc
import zipfile
import zlib

import pytest
from PIL import Image, ImageFile

from conversations import media
from conversations.exceptions import DomainError
from conversations.media import (
    MAX_IMAGE_PIXELS,
    CheckedFile,
    MediaRejected,
    check_inbound_download,
    check_outbound_file,
    clean_file_name,
    human_size,
    kind_for_mime,
    make_thumbnail,
    sniff_mime,
)
from whatsapp.limits import MB
from whatsapp.limits import MEDIA_KINDS as KINDS
from whatsapp.limits import MEDIA_MAX_BYTES as WHATSAPP_LIMITS
from whatsapp.limits import MEDIA_MIME_TYPES as WHATSAPP_MIME_TYPES

KB = 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
NO_LIMIT = 200 * MB  # a configured limit above every WhatsApp limit


##### File builders


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (8, 8), mode: str = "RGB", color="red", **save
) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, fmt, **save)
    return buffer.getvalue()


def animated_webp() -> bytes:
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (32, 32), "red"), Image.new("RGB", (32, 32), "blue")
    first.save(buffer, "WEBP", save_all=True, append_images=[second], duration=100, loop=0)
    return buffer.getvalue()


def iso_media(brand: bytes) -> bytes:
    """An ISO BMFF file: an ``ftyp`` box with ``brand``, then an empty ``mdat``."""
    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", brand, 0, brand, b"isom")
    return ftyp + struct.pack(">I4s", 8, b"mdat")


def padded(data: bytes, size: int) -> bytes:
    return data + b"\x00" * (size - len(data))


def ooxml(folder: str, main_type: str = "") -> bytes:
    """A tiny OOXML package with a ``[Content_Types].xml`` and one part in ``folder``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        override = f'<Override PartName="/{folder}/main.xml" ContentType="{main_type}"/>' if main_type else ""
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f"{override}</Types>",
        )
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(f"{folder}/main.xml", "<main/>")
    return buffer.getvalue()


def plain_zip(**members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


NO_STREAM = 0xFFFFFFFF
END_OF_CHAIN = 0xFFFFFFFE
FAT_SECTOR = 0xFFFFFFFD


def ole_entry(name: str, kind: int, *, left=NO_STREAM, right=NO_STREAM, child=NO_STREAM) -> bytes:
    """A 128-byte compound-file directory entry (kind 1 storage, 2 stream, 5 root)."""
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBBIII", len(encoded), kind, 1, left, right, child)
        + b"\x00" * 16  # CLSID
        + b"\x00" * 4  # state bits
        + b"\x00" * 16  # creation and modification times
        + struct.pack("<IQ", END_OF_CHAIN, 0)  # start sector, size
    )


def ole_file(*entries: bytes) -> bytes:
    """A minimal valid compound file: header, one FAT sector (0), one directory sector (1)."""
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH6sIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, b"", 0, 1, 1, 0, 4096, END_OF_CHAIN, 0)
        + struct.pack("<II", END_OF_CHAIN, 0)  # no DIFAT sectors
        + struct.pack("<109I", 0, *([NO_STREAM] * 108))
    )
    assert len(header) == 512
    fat = struct.pack("<128I", FAT_SECTOR, END_OF_CHAIN, *([NO_STREAM] * 126))
    directory = b"".join(entries).ljust(512, b"\x00")
    return header + fat + directory


def ole_document(*streams: str) -> bytes:
    """A compound file whose root holds ``streams`` (linked as right siblings)."""
    entries = [ole_entry("Root Entry", 5, child=1)]
    for index, name in enumerate(streams, start=1):
        entries.append(ole_entry(name, 2, right=index + 1 if index < len(streams) else NO_STREAM))
    return ole_file(*entries)


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG that declares ``width`` × ``height`` but carries a tiny compressed IDAT."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def rejection(**kwargs) -> str:
    with pytest.raises(MediaRejected) as caught:
        check_outbound_file(**{"max_size": NO_LIMIT, **kwargs})
    assert caught.value.code == "media_rejected"
    return caught.value.message


##### The published tables


def test_every_whatsapp_type_maps_to_a_kind_with_a_limit():
    assert KINDS == ("image", "video", "audio", "document", "sticker")
    assert set(WHATSAPP_MIME_TYPES.values()) == set(KINDS) == set(WHATSAPP_LIMITS)
    assert WHATSAPP_LIMITS == {
        "image": 5 * MB,
        "audio": 16 * MB,
        "video": 16 * MB,
        "document": 100 * MB,
        "sticker": 500 * KB,
    }
    assert {DOCX, XLSX, PPTX, "application/msword", "text/plain"} <= set(WHATSAPP_MIME_TYPES)
    assert "image/gif" not in WHATSAPP_MIME_TYPES


@pytest.mark.parametrize(
    ("mime", "kind"),
    [
        ("image/png", "image"),
        ("IMAGE/JPEG", "image"),
        ("image/jpg", "image"),
        ("audio/ogg; codecs=opus", "audio"),
        ("video/3gpp", "video"),
        (DOCX, "document"),
        ("image/webp", "sticker"),
        ("image/gif", None),
        ("", None),
    ],
)
def test_kind_for_mime(mime, kind):
    assert kind_for_mime(mime) == kind


def test_media_rejected_is_a_domain_error():
    assert issubclass(MediaRejected, DomainError)
    assert MediaRejected("x").code == "media_rejected"


##### Sniffing: content decides, never the name


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (image_bytes("JPEG"), "image/jpeg"),
        (image_bytes("PNG"), "image/png"),
        (image_bytes("WEBP"), "image/webp"),
        (image_bytes("GIF"), "image/gif"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "application/pdf"),
        (iso_media(b"isom"), "video/mp4"),
        (iso_media(b"mp42"), "video/mp4"),
        (iso_media(b"3gp5"), "video/3gpp"),
        (iso_media(b"3g2a"), "video/3gpp"),
        (iso_media(b"M4A "), "audio/mp4"),
        (iso_media(b"qt  "), "video/quicktime"),
        (iso_media(b"heic"), "image/heic"),
        (b"OggS\x00\x02" + b"\x00" * 20 + b"OpusHead", "audio/ogg"),
        (b"#!AMR\n\x3c\x48\xf5", "audio/amr"),
        (b"\xff\xf1\x50\x80\x02\x1f\xfc", "audio/aac"),
        (b"\xff\xf9\x50\x80\x02\x1f\xfc", "audio/aac"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64\x00", "audio/mpeg"),
        (b"\xff\xf3\x90\x64\x00", "audio/mpeg"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "application/x-msdownload"),
        (b"\x7fELF\x02\x01\x01", "application/x-executable"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (plain_zip(**{"a.txt": "hello"}), "application/zip"),
        (b"Hello,\nthis is a note.\n", "text/plain"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_sniff_by_magic_bytes(data, mime):
    assert sniff_mime(data) == mime


def test_png_renamed_to_pdf_is_detected_as_png():
    """The name is for display only; the PNG is sent as an image and keeps its name."""
    checked = check_outbound_file(data=image_bytes("PNG"), file_name="report.pdf", max_size=NO_LIMIT)

    assert checked == CheckedFile(
        kind="image", mime_type="image/png", size=checked.size, file_name="report.pdf"
    )
    assert checked.upload_name == "report.pdf.png"  # WhatsApp refuses a contradicting extension (131053)


def test_exe_renamed_to_jpg_is_refused():
    message = rejection(data=b"MZ\x90\x00" + b"\x00" * 200, file_name="photo.jpg")

    assert message.startswith(
        "photo.jpg is not a file type WhatsApp accepts (detected application/x-msdownload)"
    )
    assert "JPEG and PNG images" in message


def test_gif_is_refused_although_it_is_an_image():
    message = rejection(data=image_bytes("GIF"), file_name="funny.gif")

    assert "(detected image/gif)" in message


def test_unrecognised_content_is_refused():
    message = rejection(data=bytes(range(1, 9)) * 50 + b"\x00", file_name="blob.dat")

    assert message.startswith("blob.dat is not a file type WhatsApp accepts (its content is not a format")


@pytest.mark.parametrize(
    ("text", "mime"),
    [
        (b"<!DOCTYPE html>\n<html><body>hi</body></html>", "text/html"),
        (b"  \n<HTML lang='en'><p>hi</p></HTML>", "text/html"),
        (b"\xef\xbb\xbf<html>\n", "text/html"),
        (b"<!-- generated -->\n<script>alert(1)</script>", "text/html"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml"),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
            "image/svg+xml",
        ),
        (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>', "application/xhtml+xml"),
        (b'<?xml version="1.0" encoding="UTF-8"?>\n<note>hi</note>', "application/xml"),
    ],
)
def test_html_is_not_plain_text(text, mime):
    assert sniff_mime(text) == mime
    assert f"(detected {mime})" in rejection(data=text, file_name="notes.txt")


@pytest.mark.parametrize(
    "text",
    [
        "Shalom, שלום, Привет, 你好 — a note\n".encode(),
        b"name,amount\nAlice,3\nBob,4\n",
        b"1 < 2 and <html> is only mentioned here\n",
        b"\xef\xbb\xbfwith a byte-order mark\n",
        b"colour log \x1b[31mred\x1b[0m\n",
    ],
)
def test_utf8_text_is_plain_text(text):
    assert sniff_mime(text) == "text/plain"
    assert check_outbound_file(data=text, file_name="note.txt", max_size=NO_LIMIT).kind == "document"


@pytest.mark.parametrize(
    "data",
    [
        "caf\xe9 in Latin-1\n".encode("latin-1"),
        b"text with a NUL\x00 byte\n",
        b"\x01\x02\x03\x04 binary-looking control bytes \x05\x06\x07\x08",
    ],
)
def test_binary_or_non_utf8_data_is_not_text(data):
    assert sniff_mime(data) is None


@pytest.mark.parametrize(("folder", "mime"), [("word", DOCX), ("xl", XLSX), ("ppt", PPTX)])
def test_docx_xlsx_pptx_are_told_apart(folder, mime):
    data = ooxml(folder)

    assert sniff_mime(data) == mime
    checked = check_outbound_file(data=data, file_name="", max_size=NO_LIMIT)
    assert (checked.kind, checked.mime_type) == ("document", mime)
    assert checked.file_name == "file." + {"word": "docx", "xl": "xlsx", "ppt": "pptx"}[folder]


def test_macro_enabled_office_file_is_refused():
    data = ooxml("word", main_type="application/vnd.ms-word.document.macroEnabled.main+xml")

    assert "(detected application/vnd.ms-word.document.macroEnabled.12)" in rejection(
        data=data, file_name="invoice.docx"
    )


def test_zip_without_office_parts_is_plain_zip():
    assert (
        sniff_mime(plain_zip(**{"[Content_Types].xml": "<Types/>", "other/x.xml": "<x/>"}))
        == "application/zip"
    )
    assert sniff_mime(b"PK\x03\x04 but not really a zip") is None


def test_opendocument_is_detected_and_refused():
    data = plain_zip(mimetype="application/vnd.oasis.opendocument.text", **{"content.xml": "<x/>"})

    assert sniff_mime(data) == "application/vnd.oasis.opendocument.text"


@pytest.mark.parametrize(
    ("streams", "mime"),
    [
        (("\x01CompObj", "WordDocument", "1Table"), "application/msword"),
        (("Workbook", "\x05SummaryInformation"), "application/vnd.ms-excel"),
        (("Book",), "application/vnd.ms-excel"),
        (("Current User", "PowerPoint Document"), "application/vnd.ms-powerpoint"),
    ],
)
def test_legacy_doc_detected(streams, mime):
    data = ole_document(*streams)

    assert sniff_mime(data) == mime
    assert check_outbound_file(data=data, file_name="old.doc", max_size=NO_LIMIT).mime_type == mime


def test_legacy_workbook_embedding_a_word_document_is_a_workbook():
    """Only streams at the root decide; an embedded object's streams do not."""
    data = ole_file(
        ole_entry("Root Entry", 5, child=1),
        ole_entry("Workbook", 2, right=2),
        ole_entry("MBD00012345", 1, child=3),
        ole_entry("WordDocument", 2),
    )

    assert sniff_mime(data) == "application/vnd.ms-excel"


def test_damaged_ole_still_recognised_by_its_directory_entry():
    """A header whose FAT cannot be followed falls back to an aligned directory-entry name."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".ljust(512, b"\x00")  # sector shift 0: not walkable
    data = header + ole_entry("Root Entry", 5, child=1) + ole_entry("WordDocument", 2)

    assert sniff_mime(data) == "application/msword"


def test_unknown_ole_file_and_stray_stream_names_are_not_office_documents():
    assert sniff_mime(ole_document("__substg1.0_0037001F")) is None  # an Outlook .msg
    text_mention = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".ljust(515, b"\x00") + "WordDocument".encode(
        "utf-16-le"
    )
    assert sniff_mime(text_mention) is None


##### Sizes


def test_oversized_video_is_refused_with_its_size():
    data = padded(iso_media(b"isom"), 18_035_507)

    message = rejection(data=data, file_name="video.mp4")

    assert message == "video.mp4 is 17.2 MB; WhatsApp accepts videos up to 16 MB"


def test_video_at_exactly_the_limit_is_accepted_and_one_byte_more_is_not():
    checked = check_outbound_file(
        data=padded(iso_media(b"isom"), 16 * MB), file_name="v.mp4", max_size=NO_LIMIT
    )
    assert (checked.kind, checked.size) == ("video", 16 * MB)

    message = rejection(data=padded(iso_media(b"isom"), 16 * MB + 1), file_name="v.mp4")
    assert message == "v.mp4 is 16 MB (16,777,217 bytes); WhatsApp accepts videos up to 16 MB"


def test_configured_limit_below_whatsapps_applies():
    data = padded(image_bytes("JPEG"), 3 * MB)

    message = rejection(data=data, file_name="photo.jpg", max_size=2 * MB)

    assert message == "photo.jpg is 3 MB; attachments here are limited to 2 MB"


def test_configured_limit_cannot_raise_whatsapps():
    message = rejection(data=padded(image_bytes("PNG"), 6 * MB), file_name="scan.png")

    assert message == "scan.png is 6 MB; WhatsApp accepts images up to 5 MB"


def test_documents_may_be_large():
    data = padded(b"%PDF-1.7\n", 60 * MB)

    assert check_outbound_file(data=data, file_name="manual.pdf", max_size=NO_LIMIT).kind == "document"


def test_empty_file_is_refused():
    assert rejection(data=b"", file_name="empty.pdf") == "empty.pdf: the file is empty"


def test_sticker_limits():
    static, animated = image_bytes("WEBP"), animated_webp()
    assert not media.webp_is_animated(static)
    assert media.webp_is_animated(animated)

    assert (
        check_outbound_file(data=padded(static, 100 * KB), file_name="s.webp", max_size=NO_LIMIT).kind
        == "sticker"
    )
    assert rejection(data=padded(static, 100 * KB + 512), file_name="s.webp") == (
        "s.webp is 100.5 KB; WhatsApp accepts static stickers up to 100 KB"
    )
    assert check_outbound_file(
        data=padded(animated, 300 * KB), file_name="a.webp", max_size=NO_LIMIT
    ).kind == ("sticker")
    assert rejection(data=padded(animated, 501 * KB), file_name="a.webp") == (
        "a.webp is 501 KB; WhatsApp accepts stickers up to 500 KB"
    )


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 bytes"), (1, "1 byte"), (1023, "1023 bytes"), (1024, "1 KB"), (1536, "1.5 KB"), (5 * MB, "5 MB")],
)
def test_human_size(size, text):
    assert human_size(size) == text


##### Encoding: what WhatsApp decodes (§7: 8-bit RGB/RGBA images, mono OPUS in Ogg)


def png_raw(width: int, height: int, *, bit_depth: int, colour_type: int) -> bytes:
    """A complete, valid PNG of any bit depth and colour type (Pillow cannot write 48-bit RGB)."""
    samples = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    row = b"\x00" + b"\x7f" * (width * samples * bit_depth // 8)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def ogg_first_page(packet: bytes) -> bytes:
    """An Ogg stream's first page (beginning of stream) holding one header packet, CRC included."""
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, 2, 0, 0x1234, 0, 0, 1) + bytes([len(packet)])
    page = header + packet
    return page[:22] + struct.pack("<I", ogg_crc(page)) + page[26:]


def opus_head(channels: int) -> bytes:
    return b"OpusHead" + struct.pack("<BBHIhB", 1, channels, 312, 48000, 0, 0)


def vorbis_id(channels: int = 1) -> bytes:
    return b"\x01vorbis" + struct.pack("<IBIiiiBB", 0, channels, 44100, 0, 128000, 0, 0xB8, 1)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (image_bytes("PNG", mode="RGB"), "rgb.png"),
        (image_bytes("PNG", mode="RGBA", color=(1, 2, 3, 4)), "rgba.png"),
        (png_raw(4, 4, bit_depth=8, colour_type=6), "rgba-raw.png"),
        (image_bytes("JPEG", mode="RGB"), "photo.jpg"),
        (ogg_first_page(opus_head(1)), "voice.ogg"),
    ],
)
def test_8_bit_rgb_images_and_mono_opus_are_accepted(data, name):
    assert check_outbound_file(data=data, file_name=name, max_size=NO_LIMIT).file_name == name


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (png_raw(4, 4, bit_depth=16, colour_type=2), "the PNG is 16-bit RGB"),
        (png_raw(4, 4, bit_depth=16, colour_type=6), "the PNG is 16-bit RGBA"),
        (image_bytes("PNG", mode="I;16", color=40000), "the PNG is 16-bit greyscale"),
        (image_bytes("PNG", mode="L", color=128), "the PNG is 8-bit greyscale"),
        (image_bytes("PNG", mode="P", color=3), "the PNG uses a colour palette (indexed colour)"),
        (image_bytes("JPEG", mode="CMYK", color=(0, 255, 255, 0)), "the JPEG is 8-bit CMYK"),
        (image_bytes("JPEG", mode="L", color=128), "the JPEG is 8-bit greyscale"),
    ],
    ids=["png-rgb16", "png-rgba16", "png-grey16", "png-grey8", "png-palette", "jpeg-cmyk", "jpeg-grey"],
)
def test_images_that_are_not_8_bit_rgb_are_refused_with_the_reason(data, problem):
    message = rejection(data=data, file_name="picture.img")

    assert message.startswith(f"picture.img: {problem}; ")
    assert message.endswith(
        "WhatsApp accepts only 8-bit RGB or RGBA images; save it as an 8-bit RGB JPEG or PNG"
    )


def palette_png_with_transparency() -> bytes:
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 200, 30, 30] + [0] * 762)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", transparency=0)
    return buffer.getvalue()


def jpeg_with_orientation(mode: str, color, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return image_bytes("JPEG", size=(8, 4), mode=mode, color=color, exif=exif.tobytes())


@pytest.mark.parametrize(
    ("data", "fmt", "mode", "pixel"),
    [
        (image_bytes("PNG", mode="P", color=3), "PNG", "RGB", None),
        (palette_png_with_transparency(), "PNG", "RGBA", (200, 30, 30, 255)),
        (image_bytes("PNG", mode="L", color=128), "PNG", "RGB", (128, 128, 128)),
        (image_bytes("PNG", mode="LA", color=(128, 20)), "PNG", "RGBA", (128, 128, 128, 20)),
        (image_bytes("PNG", mode="I;16", color=40000), "PNG", "RGB", (156, 156, 156)),  # 40000 / 256
        (png_raw(4, 4, bit_depth=16, colour_type=2), "PNG", "RGB", (127, 127, 127)),
        (image_bytes("JPEG", mode="L", color=128), "JPEG", "RGB", None),
        (image_bytes("JPEG", mode="CMYK", color=(0, 255, 255, 0)), "JPEG", "RGB", None),
    ],
    ids=[
        "png-palette",
        "png-palette-alpha",
        "png-grey8",
        "png-grey-alpha",
        "png-grey16",
        "png-rgb16",
        "jpeg-grey",
        "jpeg-cmyk",
    ],
)
def test_images_refused_only_for_their_colours_are_converted_to_8_bit_rgb(data, fmt, mode, pixel):
    converted = media.image_for_whatsapp(data)

    assert check_outbound_file(data=converted, file_name="picture", max_size=NO_LIMIT).mime_type
    with Image.open(io.BytesIO(converted)) as image:
        assert (image.format, image.mode) == (fmt, mode)
        if pixel is not None:
            assert image.getpixel((0, 0)) == pixel


def test_a_converted_jpeg_keeps_its_orientation():
    converted = media.image_for_whatsapp(jpeg_with_orientation("L", 128, orientation=6))
    with Image.open(io.BytesIO(converted)) as image:
        assert image.mode == "RGB"
        assert image.getexif()[0x0112] == 6  # still shown upright by the phone


@pytest.mark.parametrize(
    "data",
    [
        image_bytes("PNG", mode="RGB"),
        b"%PDF-1.4 not an image",
        png_raw(4, 4, bit_depth=16, colour_type=2)[:40],  # damaged: refused with its reason
    ],
    ids=["already-rgb", "not-an-image", "damaged"],
)
def test_other_files_are_not_touched_by_the_conversion(data):
    assert media.image_for_whatsapp(data) is data


def test_conversion_never_decodes_an_image_declaring_a_bomb():
    bomb = png_raw(4, 4, bit_depth=8, colour_type=0)  # greyscale: would be converted…
    bomb = bomb[:16] + struct.pack(">II", 100_000, 100_000) + bomb[24:]  # …but declares 10 gigapixels
    tracemalloc.start()
    try:
        result = media.image_for_whatsapp(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result is bomb
    assert peak < 10 * MB


def test_jpeg_declaring_a_bomb_is_refused_from_its_header_alone():
    small = image_bytes("JPEG", size=(16, 16))
    sof = small.index(b"\xff\xc0")  # baseline frame header: length, precision, height, width
    bomb = small[: sof + 5] + struct.pack(">HH", 65000, 65000) + small[sof + 9 :]
    tracemalloc.start()
    try:
        message = rejection(data=bomb, file_name="bomb.jpg")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert message == "bomb.jpg: the JPEG declares too many pixels to be a real photo"
    assert peak < 10 * MB  # 4.2 gigapixels were never decoded


def test_png_encoding_is_read_from_the_header_without_decoding():
    """A PNG declaring 100 000 × 100 000 RGB pixels is judged (and accepted) by its IHDR."""
    tracemalloc.start()
    try:
        checked = check_outbound_file(
            data=png_header_only(100_000, 100_000), file_name="big.png", max_size=NO_LIMIT
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert checked.mime_type == "image/png"
    assert peak < 10 * MB


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            ogg_first_page(vorbis_id()),
            "the Ogg audio is Vorbis; WhatsApp accepts Ogg audio only with the OPUS codec",
        ),
        (
            ogg_first_page(b"\x7fFLAC\x01\x00"),
            "the Ogg audio is FLAC; WhatsApp accepts Ogg audio only with the OPUS codec",
        ),
        (
            ogg_first_page(b"Speex   1.2"),
            "the Ogg audio is Speex; WhatsApp accepts Ogg audio only with the OPUS codec",
        ),
        (
            ogg_first_page(opus_head(2)),
            "the OPUS audio has 2 channels; WhatsApp accepts only mono OPUS audio",
        ),
        (b"OggS\x00\x02", "the Ogg file is damaged or incomplete"),
    ],
    ids=["vorbis", "flac", "speex", "stereo-opus", "truncated"],
)
def test_ogg_audio_must_be_mono_opus(data, problem):
    assert sniff_mime(data) == "audio/ogg"
    assert rejection(data=data, file_name="note.ogg") == f"note.ogg: {problem}"


##### Allow-list


def test_allow_list_restricts_types():
    allowed = ["image/jpeg", "application/pdf"]

    assert check_outbound_file(
        data=image_bytes("JPEG"), file_name="a.jpg", max_size=NO_LIMIT, allowed_types=allowed
    ).mime_type == ("image/jpeg")
    message = rejection(data=image_bytes("PNG"), file_name="a.png", allowed_types=allowed)
    assert message == "a.png is image/png; only these types may be sent here: image/jpeg, application/pdf"


def test_allow_list_accepts_wildcards_and_common_spellings():
    for allowed in (["image/*"], ["IMAGE/JPG"], ["image/jpeg; charset=binary"]):
        checked = check_outbound_file(
            data=image_bytes("JPEG"), file_name="a.jpg", max_size=NO_LIMIT, allowed_types=allowed
        )
        assert checked.mime_type == "image/jpeg"
    assert "only these types" in rejection(data=b"%PDF-1.4\n", file_name="a.pdf", allowed_types=["image/*"])


def test_empty_allow_list_allows_every_whatsapp_type():
    for allowed in (None, [], ()):
        checked = check_outbound_file(
            data=b"%PDF-1.4\n", file_name="a.pdf", max_size=NO_LIMIT, allowed_types=allowed
        )
        assert checked.mime_type == "application/pdf"


def test_allow_list_cannot_admit_what_whatsapp_refuses():
    message = rejection(data=image_bytes("GIF"), file_name="a.gif", allowed_types=["image/gif"])

    assert "is not a file type WhatsApp accepts" in message


##### File names


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\dana\\Desktop\\invoice.pdf", "invoice.pdf"),
        ("line\nbreak\tand\x00nul.pdf", "line break andnul.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override removed
        ("  spaced   out .pdf  ", "spaced out .pdf"),
        ("דוח חודשי.pdf", "דוח חודשי.pdf"),
        ("отчёт.pdf", "отчёт.pdf"),
        ("报告.pdf", "报告.pdf"),
        ("e\u0301te\u0301.pdf", "été.pdf"),  # NFC
    ],
)
def test_file_name_is_cleaned_for_display(raw, clean):
    assert clean_file_name(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "..", "folder/", "\x00\x01"])
def test_empty_file_name_gets_a_name_from_the_content(raw):
    assert check_outbound_file(data=b"%PDF-1.4\n", file_name=raw, max_size=NO_LIMIT).file_name == "file.pdf"


@pytest.mark.parametrize(
    ("kind", "mime", "voice", "shown"),
    [
        ("image", "image/jpeg", False, "image.jpg"),
        ("sticker", "image/webp", False, "sticker.webp"),
        ("audio", "audio/ogg; codecs=opus", True, "voice message.ogg"),
        ("audio", "audio/mpeg", False, "audio.mp3"),
        ("video", "video/mp4", False, "video.mp4"),
        ("document", "application/zip", False, "document.zip"),  # a type not in our table
        ("document", "", False, "document.bin"),
    ],
)
def test_a_file_without_a_name_is_named_by_its_kind_and_type(kind, mime, voice, shown):
    """M1b: WhatsApp names documents only; every file in the transcript gets a name."""
    assert media.shown_file_name(file_name="", kind=kind, mime_type=mime, voice=voice) == shown


def test_a_customers_file_name_is_shown_cleaned():
    assert (
        media.shown_file_name(file_name="a/b/Offer\u202e.pdf", kind="document", mime_type="") == "Offer.pdf"
    )


def test_long_file_name_is_shortened_keeping_its_extension():
    name = clean_file_name("ж" * 300 + ".pdf")

    assert len(name) == 200
    assert name.endswith("ж.pdf")


def test_upload_name_keeps_a_matching_extension():
    checked = check_outbound_file(data=image_bytes("JPEG"), file_name="Photo.JPEG", max_size=NO_LIMIT)

    assert checked.upload_name == "Photo.JPEG"


##### Inbound downloads


def test_sha256_base64_and_hex_both_accepted():
    data = b"a voice note"
    digest = hashlib.sha256(data).digest()

    for expected in (
        base64.b64encode(digest).decode(),  # as in webhooks
        digest.hex(),  # as in some API answers
        digest.hex().upper(),
        base64.urlsafe_b64encode(digest).decode().rstrip("="),
        f"  {digest.hex()}\n",
        "",  # nothing announced: no comparison
    ):
        assert check_inbound_download(data=data, expected_sha256=expected, max_size=MB) == digest.hex()


def test_sha256_mismatch_is_refused():
    with pytest.raises(MediaRejected) as caught:
        check_inbound_download(
            data=b"tampered", expected_sha256="m04pFf2ERdaopTyFkGPA0+bX3i+YY2dYgVFwOgDLSDI=", max_size=MB
        )

    assert "does not match the checksum WhatsApp announced" in caught.value.message
    assert hashlib.sha256(b"tampered").hexdigest() in caught.value.message


def test_download_of_another_length_than_announced_is_refused():
    data = b"a voice note"
    digest = hashlib.sha256(data).hexdigest()
    assert check_inbound_download(data=data, expected_size=len(data), max_size=MB) == digest
    with pytest.raises(MediaRejected, match="is 12 bytes but WhatsApp announced 13 bytes"):
        check_inbound_download(data=data, expected_sha256=digest, expected_size=13, max_size=MB)


def test_malformed_sha256_is_refused():
    with pytest.raises(MediaRejected, match="neither a hex nor a base64 sha256"):
        check_inbound_download(data=b"x", expected_sha256="not-a-hash!", max_size=MB)
    with pytest.raises(MediaRejected, match="neither a hex nor a base64 sha256"):
        check_inbound_download(data=b"x", expected_sha256=base64.b64encode(b"short").decode(), max_size=MB)


def test_oversized_or_empty_download_is_refused():
    with pytest.raises(MediaRejected, match=r"the downloaded file is 2 MB; the limit is 1 MB"):
        check_inbound_download(data=b"\x00" * (2 * MB), max_size=MB)
    with pytest.raises(MediaRejected, match="the downloaded file is empty"):
        check_inbound_download(data=b"", max_size=MB)


##### Thumbnails


def exif_photo(size: tuple[int, int], orientation: int) -> bytes:
    """A JPEG whose left half is red and right half blue, tagged with an EXIF orientation."""
    image = Image.new("RGB", size, "blue")
    image.paste("red", (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (32.0, 4.0, 0.0)}  # GPS: must not leak into the preview
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def test_thumbnail_respects_exif_orientation():
    """Orientation 6 (rotate 90° clockwise): the 40×20 sensor image is a 20×40 portrait."""
    thumbnail = make_thumbnail(exif_photo((40, 20), orientation=6))

    assert (thumbnail.width, thumbnail.height, thumbnail.mime_type) == (20, 40, "image/jpeg")
    preview = Image.open(io.BytesIO(thumbnail.data))
    assert preview.format == "JPEG"
    assert preview.size == (20, 40)
    top, bottom = preview.getpixel((10, 5)), preview.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60  # the left (red) half now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_thumbnail_drops_exif_such_as_location():
    preview = Image.open(io.BytesIO(make_thumbnail(exif_photo((40, 20), orientation=1)).data))

    assert dict(preview.getexif()) == {}


def test_large_jpeg_is_decoded_at_reduced_scale(monkeypatch):
    data = image_bytes("JPEG", size=(4000, 3000), color="green")
    decoded_sizes = []
    original_load = ImageFile.ImageFile.load

    def spy_load(self):
        decoded_sizes.append(self.size)
        return original_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy_load)

    thumbnail = make_thumbnail(data, max_side=320)

    assert (thumbnail.width, thumbnail.height) == (4000, 3000)
    assert Image.open(io.BytesIO(thumbnail.data)).size == (320, 240)
    assert decoded_sizes and max(decoded_sizes[0]) <= 1000  # 1/4 scale, not 4000 × 3000


def test_small_image_is_not_enlarged():
    thumbnail = make_thumbnail(image_bytes("PNG", size=(50, 30)))

    assert Image.open(io.BytesIO(thumbnail.data)).size == (50, 30)
    assert (thumbnail.width, thumbnail.height) == (50, 30)


@pytest.mark.parametrize(
    "data",
    [
        image_bytes("PNG", mode="RGBA", color=(0, 0, 0, 0)),
        image_bytes("PNG", mode="LA", color=(0, 0)),
        image_bytes("WEBP", mode="RGBA", color=(0, 0, 0, 0), lossless=True),
        image_bytes("PNG", mode="P", color=0, transparency=0),
    ],
    ids=["rgba-png", "la-png", "rgba-webp", "palette-png"],
)
def test_transparent_images_get_a_white_background(data):
    preview = Image.open(io.BytesIO(make_thumbnail(data).data))

    assert preview.mode == "RGB"
    assert all(channel > 245 for channel in preview.getpixel((4, 4)))


def test_sixteen_bit_png_is_previewed():
    preview = Image.open(io.BytesIO(make_thumbnail(image_bytes("PNG", mode="I;16", color=40000)).data))

    assert 150 <= preview.getpixel((4, 4))[0] <= 160


@pytest.mark.parametrize(
    ("width", "height", "message"),
    [
        (100_000, 100_000, "too many pixels"),  # far beyond Pillow's own bomb limit
        (10_000, 10_000, "too many pixels"),  # Pillow's warning zone, turned into an error
        (8_000, 6_000, "8000 × 6000 pixels (48 megapixels); images over 40 megapixels"),
    ],
)
def test_decompression_bomb_is_refused_without_decoding(monkeypatch, width, height, message):
    assert width * height > MAX_IMAGE_PIXELS
    data = png_header_only(width, height)
    decoded = []

    def refuse_to_decode(self):
        decoded.append(self.size)
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse_to_decode)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(MediaRejected) as caught:
            make_thumbnail(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert message in caught.value.message
    assert decoded == []
    assert peak < 50 * MB
    assert time.perf_counter() - started < 2


def test_truncated_jpeg_gives_clear_error():
    data = image_bytes("JPEG", size=(200, 200), color="orange")

    with pytest.raises(MediaRejected) as caught:
        make_thumbnail(data[: len(data) // 2])

    assert caught.value.message == "the image is damaged or incomplete and could not be decoded"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4\n", "not a JPEG, PNG or WEBP image"),
        (image_bytes("GIF"), "not a JPEG, PNG or WEBP image"),
        (b"\xff\xd8\xff\xe0garbage", "damaged or incomplete"),
        (b"", "the image is empty"),
    ],
    ids=["pdf", "gif", "garbage-jpeg", "empty"],
)
def test_undecodable_data_is_refused_clearly(data, message):
    with pytest.raises(MediaRejected, match=message):
        make_thumbnail(data)


def test_sticker_thumbnail_from_animated_webp():
    thumbnail = make_thumbnail(animated_webp(), max_side=16)

    assert (thumbnail.width, thumbnail.height) == (32, 32)
    assert Image.open(io.BytesIO(thumbnail.data)).size == (16, 16)
