"""Images: re-encoded for WhatsApp when only their colour encoding is wrong, checked by
their headers (never a pixel decoded), and previewed as small upright JPEGs with Pillow,
refusing decompression bombs before decoding anything."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext, gettext_noop
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from conversations.media.errors import MediaRejected
from conversations.media.sniff import as_file, head_of, sniff_mime

#: Images with more pixels than this are not previewed (a decompression bomb guard).
MAX_IMAGE_PIXELS: int = 40_000_000

_THUMBNAIL_FORMATS = ("JPEG", "PNG", "WEBP")


@dataclass(frozen=True)
class Thumbnail:
    data: bytes
    mime_type: str
    width: int  # of the original image, upright (after EXIF orientation)
    height: int


def image_for_whatsapp(data: bytes) -> bytes:
    """An image WhatsApp refuses only for its colour encoding, re-encoded as 8-bit RGB(A)
    in the same format; any other file comes back unchanged (the very object)."""
    converted = image_converted_for_whatsapp(io.BytesIO(data))
    return data if converted is None else converted


def image_converted_for_whatsapp(file: BinaryIO) -> bytes | None:
    """The image in ``file`` re-encoded as 8-bit RGB(A) in its format when WhatsApp refuses
    it only for its colour encoding; None for any other file (read by its header only).

    Screenshots are often palette PNGs and scans greyscale JPEGs: an agent should not have
    to convert them by hand. The declared size is checked before anything is decoded (no
    bomb), the JPEG's EXIF (its orientation) is kept, and a file that cannot be converted
    gives None, so that :func:`check_outbound_file` refuses it with its reason.
    """
    head = head_of(file)
    mime = sniff_mime(head) if head else None
    problem = png_problem(head) if mime == "image/png" else jpeg_problem(file) if mime == "image/jpeg" else ""
    if not problem.endswith(IMAGE_FIX):
        return None  # fine already, not an image, or damaged / oversized: not ours to fix
    try:
        file.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file, formats=("PNG", "JPEG")) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    return None
                return _encoded_as_8_bit_rgb(image)
    except Exception:  # Pillow's many ways to fail on a broken file: the check will say why
        return None


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


IMAGE_FIX = gettext_noop(
    "WhatsApp accepts only 8-bit RGB or RGBA images; save it as an 8-bit RGB JPEG or PNG"
)

#: PNG IHDR colour types (PNG spec §11.2.2).
_PNG_COLOUR_TYPES = {
    0: gettext_noop("greyscale"),
    2: "RGB",
    4: gettext_noop("greyscale with alpha"),
    6: "RGBA",
}


def png_problem(data: bytes, *, translated: bool = False) -> str:
    """Read the IHDR chunk: Pillow reports a 16-bit RGB PNG as plain ``RGB``.

    In English (:func:`image_converted_for_whatsapp` reads it for :data:`IMAGE_FIX`), or
    ``translated`` into the active language for the refusal answered to the person.
    """
    text = gettext if translated else str
    if len(data) < 33 or data[12:16] != b"IHDR":
        return text(gettext_noop("the PNG header is damaged or incomplete"))
    bit_depth, colour_type = data[24], data[25]
    if colour_type in (2, 6) and bit_depth == 8:
        return ""
    if colour_type == 3:
        return text(gettext_noop("the PNG uses a colour palette (indexed colour); %(fix)s")) % {
            "fix": text(IMAGE_FIX)
        }
    known = _PNG_COLOUR_TYPES.get(colour_type)
    described = (
        text(known) if known else text(gettext_noop("colour type %(number)d")) % {"number": colour_type}
    )
    return text(gettext_noop("the PNG is %(bits)d-bit %(described)s; %(fix)s")) % {
        "bits": bit_depth,
        "described": described,
        "fix": text(IMAGE_FIX),
    }


def jpeg_problem(data: bytes | BinaryIO, *, translated: bool = False) -> str:
    """Pillow parses the markers up to the frame header; no pixel data is decoded.

    In English, or ``translated`` into the active language (as :func:`png_problem`).
    """
    text = gettext if translated else str
    file = as_file(data)
    try:
        file.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file, formats=("JPEG",)) as image:
                mode, bits = image.mode, getattr(image, "bits", 8)
    except Image.DecompressionBombError:
        return text(gettext_noop("the JPEG declares too many pixels to be a real photo"))
    except Exception:  # Pillow raises OSError, SyntaxError, ValueError... on a bad header
        return text(gettext_noop("the JPEG header is damaged or incomplete"))
    if mode == "RGB" and bits == 8:
        return ""
    described = text(_PNG_COLOUR_TYPES[0]) if mode == "L" else mode  # CMYK, or Pillow's own name
    return text(gettext_noop("the JPEG is %(bits)d-bit %(described)s; %(fix)s")) % {
        "bits": bits,
        "described": described,
        "fix": text(IMAGE_FIX),
    }


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


def webp_is_animated(data: bytes) -> bool:
    """True when a WEBP declares animation (VP8X header with the animation flag)."""
    return len(data) > 20 and data[12:16] == b"VP8X" and bool(data[20] & 0x02)
