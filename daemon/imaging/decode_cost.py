"""How much memory `make_previews` needs for a file, told from its header alone.

The figures are measured peaks of the previews pipeline (Pillow 13, libjpeg-turbo,
libheif, LibRaw): the decode in the file's own mode, the 8-bit RGB copies `_to_rgb8`
makes, the colour conversion's copy and the resampling. They are per decoded pixel, so a
palette PNG of a few kilobytes that claims 13000x13000 pixels is known to need
~1.6 GB before a byte of it is decoded. tests/registration/test_memory_budget.py
measures the pipeline again and fails when these figures no longer cover it.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, JpegImagePlugin

from daemon.imaging import coldpreviews, grouping
from daemon.imaging.hothash import ALLOWED_FORMATS, BASE_PX, JPEG_MAX_PIXELS, OTHER_MAX_PIXELS
from daemon.imaging.previews import init_decoders

MB = 1024 * 1024
# Python objects, codec state and the encoded previews: what even a tiny image costs.
FIXED = 8 * MB

# Formats decoded in full (PNG, TIFF): peak bytes per pixel by the decoded mode.
# Measured: RGB 6.3, L and 1 7.3, P 9.0, I;16 10.1, CMYK/YCbCr/LAB 10.4, I 12.0,
# RGBA/LA 13.1, P with a transparent colour 14.1; a profile adds an 8-bit copy.
_FULL_DECODE = {
    "1": 8.0,
    "L": 8.0,
    "P": 10.0,
    "RGB": 7.0,
    "RGBX": 7.0,
    "I;16": 11.0,
    "I;16B": 11.0,
    "I;16L": 11.0,
    "I;16N": 11.0,
    "F": 11.0,
    "CMYK": 11.0,
    "YCbCr": 11.0,
    "LAB": 11.0,
    "HSV": 11.0,
    "I": 13.0,
    "RGBA": 14.0,
    "RGBa": 14.0,
    "LA": 14.0,
    "La": 14.0,
    "PA": 15.0,
}
# A mode not measured: as costly as the costliest one.
_UNKNOWN_MODE = 15.0
# A palette image with a transparent colour becomes RGBA, then RGB over white.
_PALETTE_WITH_TRANSPARENCY = 15.0
# libheif decodes into its own buffer (YCbCr planes, then RGB) before Pillow's copy.
_HEIF = {"RGB": 11.0, "RGBA": 14.0}
# JPEG, per pixel of the draft (the scaled DCT decode): the decode, the 8-bit RGB
# copy for L and CMYK, and the resampling.
_JPEG_DRAFT = {"L": 9.0, "RGB": 8.0, "CMYK": 12.0}
# RAW files (raw.py), measured on 24 MP DNGs. LibRaw unpacks the sensor data at 2 bytes
# a pixel (a Bayer sensor: one 16-bit value a pixel) for the demosaic, or to read EXIF
# that only it knows.
_RAW_UNPACK = 2
# The half-size demosaic, per pixel of its output: LibRaw's 4x16-bit image, its 8-bit
# RGB copy, Pillow's, the upright copy and the resampling (measured: 18-19).
_HALF_SIZE = 22.0
# The embedded preview: LibRaw's copy, its output buffer and Python's bytes.
_PREVIEW_COPIES = 3


def decode_cost(path: Path | str, *, coldpreview_max_px: int) -> int:
    """Bytes `make_previews` needs at its peak for this file, from its header alone.

    Reading a header allocates nothing big. A file whose header cannot be read, or
    that is over the pixel limit, costs FIXED: `make_previews` refuses it before it
    decodes anything, with the reason.
    """
    init_decoders()
    if grouping.file_type(str(path)) == "RAW":
        return FIXED + _raw_bytes(Path(path), coldpreview_max_px)
    try:
        with Image.open(path, formats=ALLOWED_FORMATS) as image:
            return FIXED + _pipeline_bytes(image, coldpreview_max_px)
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError):
        return FIXED


def _raw_bytes(path: Path, coldpreview_max_px: int) -> int:
    """A RAW file's peak, by the way raw.py will decode it."""
    # Imported here: the daemon's own process imports this module too, and never needs
    # LibRaw and numpy.
    from daemon.imaging import raw

    plan = raw.plan(path, coldpreview_max_px=coldpreview_max_px)
    if plan is None or plan.raw_pixels > OTHER_MAX_PIXELS:
        return 0
    total = plan.raw_pixels * _RAW_UNPACK if plan.unpacks else 0
    if plan.hot_from_preview:
        width, height = plan.preview_size
        total += plan.preview_bytes * _PREVIEW_COPIES
        total += math.ceil(_draft_pixels(width, height, BASE_PX) * _JPEG_DRAFT["RGB"])
        if plan.cold_from_preview and coldpreview_max_px > BASE_PX:
            cold_pixels = _draft_pixels(width, height, coldpreview_max_px)
            total += math.ceil(cold_pixels * (_JPEG_DRAFT["RGB"] + 1))
    if not plan.cold_from_preview:
        total += math.ceil(plan.half_pixels * _HALF_SIZE)
    return total


def _pipeline_bytes(image: Image.Image, coldpreview_max_px: int) -> int:
    width, height = image.size
    if width <= 0 or height <= 0:
        return 0
    if isinstance(image, JpegImagePlugin.JpegImageFile):
        if width * height > JPEG_MAX_PIXELS:
            return 0
        return _jpeg_bytes(image, coldpreview_max_px)
    if width * height > OTHER_MAX_PIXELS:
        return 0
    if image.format == "HEIF":
        per_pixel = _HEIF.get(image.mode, _UNKNOWN_MODE)
    elif image.mode == "P" and "transparency" in image.info:
        per_pixel = _PALETTE_WITH_TRANSPARENCY
    else:
        per_pixel = _FULL_DECODE.get(image.mode, _UNKNOWN_MODE)
    return math.ceil(width * height * (per_pixel + _profile_copy(image)))


def _profile_copy(image: Image.Image) -> int:
    """Bytes a pixel the coldpreview's colour conversion adds: its own 8-bit RGB copy."""
    return 4 if image.info.get("icc_profile") and image.mode not in ("RGB", "RGBX") else 0


def _jpeg_bytes(image: JpegImagePlugin.JpegImageFile, coldpreview_max_px: int) -> int:
    width, height = image.size
    per_pixel = _JPEG_DRAFT.get(image.mode, _UNKNOWN_MODE)
    total = math.ceil(_draft_pixels(width, height, BASE_PX) * (per_pixel + _profile_copy(image)))
    if coldpreview_max_px > BASE_PX:
        # The coldpreview is decoded again at its own scale while the base is kept,
        # and resized in two passes (measured: 8.4 bytes a pixel for RGB).
        cold_pixels = _draft_pixels(width, height, coldpreview_max_px)
        total += math.ceil(cold_pixels * (per_pixel + 1))
    if image.info.get("progressive") or image.info.get("progression"):
        # Every DCT coefficient of the full-size image, whatever the draft scale.
        total += coldpreviews.coefficient_bytes(image, width, height)
    return total


def _draft_pixels(width: int, height: int, cover_px: int) -> int:
    """Pixels libjpeg decodes when hothash.py drafts the image to cover cover_px.

    The same arithmetic as hothash._decode and Pillow's JpegImageFile.draft: the
    largest of 1/8, 1/4, 1/2 that still covers the target."""
    scale = cover_px / max(width, height)
    if scale >= 1:
        return width * height
    target_w, target_h = math.ceil(width * scale), math.ceil(height * scale)
    fits = min(width // target_w, height // target_h)
    step = next(s for s in (8, 4, 2, 1) if fits >= s)
    return math.ceil(width / step) * math.ceil(height / step)
