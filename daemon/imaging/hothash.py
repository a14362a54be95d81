"""The hothash recipe: hotpreview, hothash and coldpreview from an opened image.

THE RECIPE IS FROZEN. The hothash (a photo's id on every machine) is the SHA-256
of the hotpreview bytes, so every constant here, and the Pillow and libjpeg-turbo
versions pinned in pyproject.toml, decide it. tests/imaging/test_previews.py pins
the result for corpus files: any change fails CI. A change to what decides a hothash
is a change to this file.

The coldpreview is not part of the hothash: it is converted to sRGB from the
file's embedded colour profile (colour.py); the hotpreview keeps the decoded
values as they are. previews.py opens a file by its format and hands it here.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import math
from typing import Any

import msgspec
from PIL import Image

from daemon.imaging import colour, damage, exif, xmp

log = logging.getLogger(__name__)

HOTPREVIEW_PX = 150
HOTPREVIEW_QUALITY = 85
# The hotpreview is cut from an image decoded to cover this long edge; a fixed
# value, so that the coldpreview setting never changes a hothash.
BASE_PX = 1200
RESAMPLE = Image.Resampling.LANCZOS
REDUCING_GAP = 1.5
# The coldpreview is not part of the hothash. From a 1/4-scale draft it shrinks by
# only 0.8, where an area average (BOX) looks like LANCZOS at a third of the cost
# (8 ms, not 26), and Huffman optimisation would add ~4 ms for ~5 % smaller files.
COLD_RESAMPLE = Image.Resampling.BOX

# Decoders allowed to touch user files: never EPS (Ghostscript) or exotic formats.
# JPEG also yields MPO (multi-picture JPEGs from some cameras) through its own factory.
ALLOWED_FORMATS = ("JPEG", "PNG", "TIFF", "HEIF")
# JPEGs decode at up to 1/8 scale (draft), so a big one costs little memory;
# every other format decodes in full and stays under Pillow's own bomb limit.
JPEG_MAX_PIXELS = 1_000_000_000
OTHER_MAX_PIXELS = 2 * 89_478_485


class PreviewError(Exception):
    """The file cannot become a photo; the message says why, for the session's error list."""


class Previews(msgspec.Struct, kw_only=True):
    """Everything registration keeps from one master file."""

    hothash: str
    hotpreview_b64: str
    coldpreview: bytes
    width: int
    height: int
    fields: exif.ExifFields
    exif_data: dict[str, Any]
    # Rating and keywords from XMP (the file's own, or its sidecar's over it), and why
    # some XMP could not be read, from the file at xmp_problem_path (None: the master).
    xmp: xmp.XmpData | None = None
    xmp_problem: str | None = None
    xmp_problem_path: str | None = None
    # Why the picture decoded only in part (damage.check), in plain words; None: whole.
    damage: str | None = None


def from_image(
    image: Image.Image,
    *,
    coldpreview_max_px: int,
    quality: int,
    metadata: tuple[exif.ExifFields, dict[str, Any]] | None = None,
    encoded: bytes | None = None,
) -> Previews:
    """Hotpreview, hothash, coldpreview and EXIF of an opened image. For a RAW file:
    metadata is its EXIF, encoded the bytes of its embedded preview when that is the
    image (it has no file to be read again from)."""
    _check_size(image)
    damaged = None
    if metadata is None:
        # A cut file raises (its error); a whole one with lost data inside is decoded as
        # it is, grey where the data is lost: that is the picture its hothash names.
        damaged = damage.check(image)
        fields, exif_data = exif.read(image)
    else:
        fields, exif_data = metadata
    decoded = _decode(image, BASE_PX)
    # After decoding: a PNG's XMP may follow its image data.
    xmp_data, xmp_problem = xmp.embedded(image.info.get("xmp"))
    base = _upright(_to_rgb8(decoded), fields.orientation)
    hot = _hotpreview(base)
    cold_decoded = decoded
    if coldpreview_max_px > BASE_PX and image.format in ("JPEG", "MPO"):
        cold_decoded = _decode_again(image, coldpreview_max_px, encoded)
    to_srgb = _srgb_conversion(image, decoded.mode)
    if to_srgb is not None and to_srgb.input_mode != "RGB":
        # Grey and CMYK profiles take the decoded values, not their RGB rendering.
        cold_source = _upright(_grey_or_cmyk(cold_decoded), fields.orientation)
    elif cold_decoded is decoded:
        cold_source = base
    else:
        cold_source = _upright(_to_rgb8(cold_decoded), fields.orientation)
    cold = _coldpreview(cold_source, coldpreview_max_px, quality, to_srgb)
    return Previews(
        hothash=hashlib.sha256(hot).hexdigest(),
        hotpreview_b64=base64.b64encode(hot).decode("ascii"),
        coldpreview=cold,
        width=base.width,
        height=base.height,
        fields=fields,
        exif_data=exif_data,
        xmp=xmp_data,
        xmp_problem=xmp_problem,
        damage=damaged,
    )


def _check_size(image: Image.Image) -> None:
    width, height = image.size
    limit = JPEG_MAX_PIXELS if image.format in ("JPEG", "MPO") else OTHER_MAX_PIXELS
    if width <= 0 or height <= 0:
        raise PreviewError(f"image claims an impossible size {width}x{height}")
    if width * height > limit:
        raise PreviewError(
            f"image too large: {width}x{height} = {width * height / 1e6:.0f} MP exceeds the "
            f"{limit / 1e6:.0f} MP limit for {image.format} (decompression bomb?)"
        )


def _decode(image: Image.Image, cover_px: int) -> Image.Image:
    """Decode (in the file's own mode), JPEG in the DCT domain at the smallest scale
    that covers cover_px.

    The draft target comes from the stored (unrotated) size: computed after
    rotation it would ask portrait photos for too much and decode at half scale.
    """
    if image.format in ("JPEG", "MPO"):
        width, height = image.size
        scale = cover_px / max(width, height)
        if scale < 1:
            image.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
    image.load()
    return image


def _decode_again(image: Image.Image, cover_px: int, encoded: bytes | None) -> Image.Image:
    source = io.BytesIO(encoded) if encoded is not None else image.filename  # type: ignore[attr-defined]
    with Image.open(source, formats=ALLOWED_FORMATS) as again:
        return _decode(again, cover_px)


def _to_rgb8(image: Image.Image) -> Image.Image:
    """CMYK, 16-bit, alpha and palette images become 8-bit RGB (alpha over white)."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit grey: keep the top 8 bits instead of clipping everything above 255.
        image = image.convert("I").point(lambda value: value / 257).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _upright(image: Image.Image, orientation: int) -> Image.Image:
    """Apply EXIF orientation (on the reduced image, where it is cheap)."""
    method = _TRANSPOSE.get(orientation)
    return image.transpose(method) if method is not None else image


def _hotpreview(base: Image.Image) -> bytes:
    side = min(base.width, base.height)
    left = (base.width - side) // 2
    top = (base.height - side) // 2
    square = base.resize(
        (HOTPREVIEW_PX, HOTPREVIEW_PX),
        RESAMPLE,
        box=(left, top, left + side, top + side),
        reducing_gap=REDUCING_GAP,
    )
    return _jpeg(square, HOTPREVIEW_QUALITY, optimize=False)


def _srgb_conversion(image: Image.Image, mode: str) -> colour.ToSrgb | None:
    """The conversion of the file's embedded profile, if it has a usable one.

    A profile that cannot be used never fails the photo: its coldpreview keeps the
    decoded values, as every coldpreview did before profiles were applied."""
    profile = image.info.get("icc_profile")
    if not isinstance(profile, bytes) or not profile:
        return None
    filename = getattr(image, "filename", "")
    try:
        to_srgb = colour.to_srgb(profile)
    except colour.ProfileError as exc:
        log.warning("%s: %s; its coldpreview is not colour-converted", filename, exc)
        return None
    if to_srgb is None:
        return None
    fits = {"CMYK": mode == "CMYK", "L": mode in _GREY_MODES}
    if not fits.get(to_srgb.input_mode, mode != "CMYK"):
        log.warning(
            "%s: its colour profile (%s) is not for %s pixels; its coldpreview is not "
            "colour-converted",
            filename,
            to_srgb.name,
            mode,
        )
        return None
    return to_srgb


_GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N"})


def _grey_or_cmyk(image: Image.Image) -> Image.Image:
    """A decoded grey image as 8-bit L (CMYK and L as they are)."""
    if image.mode in ("L", "CMYK"):
        return image
    # Through 8-bit RGB for its handling of 16-bit and alpha; grey stays exact.
    return _to_rgb8(image).convert("L")


def _coldpreview(
    source: Image.Image, max_px: int, quality: int, to_srgb: colour.ToSrgb | None
) -> bytes:
    scale = max_px / max(source.width, source.height)
    if scale < 1:
        size = (max(1, round(source.width * scale)), max(1, round(source.height * scale)))
        source = source.resize(size, COLD_RESAMPLE, reducing_gap=REDUCING_GAP)
    if to_srgb is not None:
        # After the resize: LittleCMS then works on the preview's pixels, not the decode's.
        source = to_srgb.apply(source)
    return _jpeg(source, quality, optimize=False)


def _jpeg(image: Image.Image, quality: int, *, optimize: bool) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=optimize)
    return out.getvalue()
