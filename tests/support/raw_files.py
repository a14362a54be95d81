"""DNG files for the RAW tests: no RAW file ships with the corpus, so they are written here.

A DNG is a TIFF that LibRaw decodes like any camera RAW: a Bayer (CFA) image of 12-bit
values in a SubIFD or IFD0, the DNG colour tags, and, if wanted, a JPEG preview. The
scene is a numpy pattern (the same bytes on every machine): a red-dominated gradient
with a bright square in the stored top-left corner and a dark one in the top-right.
The embedded preview shows the same scene with red and blue swapped, so a test can
tell from the colours which of the two a decoder used, and from the squares which
way up it stood.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Literal

import numpy as np
import tifffile
from numpy.typing import NDArray
from PIL import Image

from tests.support.images import exif_bytes

WHITE_LEVEL = 4095
# TIFF field types.
_BYTE, _ASCII, _SHORT, _LONG, _RATIONAL, _SRATIONAL = 1, 2, 3, 4, 5, 10
# The camera's native RGB is linear sRGB: ColorMatrix1 is the XYZ (D65) -> linear sRGB
# matrix, in 1/10000ths.
_XYZ_TO_SRGB = (32406, -15372, -4986, -9689, 18758, 415, 557, -2040, 10570)
MAKE = "Testmaker"
MODEL = "Raw 1"  # the embedded preview's EXIF says "Model 1"
TAKEN = "2024:06:01 12:00:00"
LENS = "Test 50mm F1.8"

PreviewPlace = Literal["none", "ifd0", "subifd"]
# Per colour: the value at the top-left, and how much it grows across and down.
_COLOURS = ((0.45, 0.3, 0.1), (0.12, 0.05, 0.1), (0.06, 0.03, 0.03))
_BLOCK_ROWS = 256


def channel(
    width: int, height: int, seed: int, colour: int, rows: slice, cols: slice
) -> NDArray[np.float64]:
    """One colour of the scene in linear 0..1, at the rows and columns chosen of it:
    red-dominated, a bright square in the top-left corner, a dark one in the top-right.

    Only exactly rounded arithmetic (+ - * /) on float64 and integers: the same on every
    CPU and numpy version (random generators and SIMD powers are not), so the files,
    and the hothashes pinned from them, are too."""
    y = np.linspace(0.0, 1.0, height)[rows, None]
    x = np.linspace(0.0, 1.0, width)[None, cols]
    base, slope_x, slope_y = _COLOURS[colour]
    value = base + slope_x * x + slope_y * y
    row_index = np.arange(height, dtype=np.int64)[rows, None]
    col_index = np.arange(width, dtype=np.int64)[None, cols]
    # Noise: a multiplicative hash of the pixel's index, +-0.01.
    hashed = ((row_index * width + col_index) * 2654435761 + (seed * 3 + colour) * 97531) % 65521
    value = value + (hashed / 65521 - 0.5) * 0.02
    side = min(width, height) // 5
    top = row_index < side
    value = np.where(top & (col_index < side), 0.97, value)
    value = np.where(top & (col_index >= width - side), 0.01, value)
    clipped: NDArray[np.float64] = np.clip(value, 0.0, 1.0)
    return clipped


def bayer(width: int, height: int, seed: int) -> NDArray[np.uint16]:
    """The scene through an RGGB filter, as 12-bit values."""
    cfa = np.empty((height, width), dtype=np.uint16)
    for row, col, colour in ((0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 2)):
        plane = channel(width, height, seed, colour, slice(row, None, 2), slice(col, None, 2))
        cfa[row::2, col::2] = np.round(plane * WHITE_LEVEL)
    return cfa


def preview_jpeg(
    width: int, height: int, seed: int, *, orientation: int = 1, quality: int = 90
) -> bytes:
    """The scene as a camera embeds it: gamma-encoded (through a table), red and blue
    swapped, and with the camera's EXIF in an APP1 segment straight after the start
    (as Fujifilm's are). Made a block of rows at a time: a 24 MP one costs little memory."""
    encoded = np.empty((height, width, 3), dtype=np.uint8)
    gamma = np.round(255 * np.linspace(0.0, 1.0, 4096) ** (1 / 2.2)).astype(np.uint8)
    for start in range(0, height, _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        for colour in range(3):
            linear = channel(width, height, seed, colour, rows, slice(None))
            encoded[rows, :, 2 - colour] = gamma[np.round(linear * 4095).astype(np.int64)]
    out = io.BytesIO()
    Image.fromarray(encoded).save(out, "JPEG", quality=quality, exif=exif_bytes(orientation, TAKEN))
    data = out.getvalue()
    if data[2:4] == b"\xff\xe0":  # drop the JFIF segment, so that APP1 comes first
        data = data[:2] + data[4 + int.from_bytes(data[4:6], "big") :]
    return data


def write_dng(
    path: Path,
    width: int = 2400,
    height: int = 1600,
    *,
    seed: int = 1,
    orientation: int = 1,
    preview: PreviewPlace = "none",
    preview_px: int = 1500,
    exif: bool = True,
    taken: str = TAKEN,
) -> Path:
    """Write a Bayer DNG of width x height (stored, before orientation) that LibRaw decodes.

    preview: where a JPEG preview of preview_px (long edge) goes, if anywhere: in IFD0
    with the raw image in a SubIFD (as most cameras' DNGs), or in a SubIFD after the
    raw image in IFD0. exif: also the exposure tags (in IFD0, as TIFF/EP places them);
    taken: the DateTimeOriginal they hold.
    """
    raw = bayer(width, height, seed)
    scale = preview_px / max(width, height)
    preview_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    tags = _ifd0_tags(orientation, exif, taken)
    raw_tags = [
        (33421, _SHORT, 2, (2, 2), True),  # CFARepeatPatternDim
        (33422, _BYTE, 4, (0, 1, 1, 2), True),  # CFAPattern: RGGB
        (50717, _LONG, 1, WHITE_LEVEL, True),  # WhiteLevel
    ]
    with tifffile.TiffWriter(path) as tiff:
        if preview == "ifd0":
            jpeg = preview_jpeg(*preview_size, seed, orientation=orientation)
            _write_jpeg(tiff, jpeg, subfiletype=1, subifds=1, extratags=tags)
            _write_raw(tiff, raw, raw_tags)
        elif preview == "subifd":
            _write_raw(tiff, raw, tags + raw_tags, subifds=1)
            jpeg = preview_jpeg(*preview_size, seed, orientation=orientation)
            _write_jpeg(tiff, jpeg, subfiletype=1)
        else:
            _write_raw(tiff, raw, tags + raw_tags)
    if preview != "none":
        _mark_jpeg(path)
    return path


def _ifd0_tags(orientation: int, exif: bool, taken: str) -> list[tuple[int, int, int, Any, bool]]:
    tags: list[tuple[int, int, int, Any, bool]] = [
        (271, _ASCII, 0, MAKE, True),
        (272, _ASCII, 0, MODEL, True),
        (274, _SHORT, 1, orientation, True),
        (50706, _BYTE, 4, (1, 4, 0, 0), True),  # DNGVersion
        (50707, _BYTE, 4, (1, 1, 0, 0), True),  # DNGBackwardVersion
        (50708, _ASCII, 0, f"{MAKE} {MODEL}", True),  # UniqueCameraModel
        (50721, _SRATIONAL, 9, _rationals(_XYZ_TO_SRGB, 10000), True),  # ColorMatrix1
        (50778, _SHORT, 1, 21, True),  # CalibrationIlluminant1: D65
        (50728, _RATIONAL, 3, (1, 1, 1, 1, 1, 1), True),  # AsShotNeutral
    ]
    if exif:
        tags += [
            (33434, _RATIONAL, 1, (1, 250), True),  # ExposureTime
            (33437, _RATIONAL, 1, (28, 10), True),  # FNumber
            (34855, _SHORT, 1, 400, True),  # ISOSpeedRatings
            (36867, _ASCII, 0, taken, True),  # DateTimeOriginal
            (37386, _RATIONAL, 1, (50, 1), True),  # FocalLength
            (42036, _ASCII, 0, LENS, True),  # LensModel
        ]
    return tags


def _rationals(values: tuple[int, ...], denominator: int) -> tuple[int, ...]:
    return tuple(part for value in values for part in (value, denominator))


def _write_raw(
    tiff: tifffile.TiffWriter,
    raw: NDArray[np.uint16],
    tags: list[tuple[int, int, int, Any, bool]],
    subifds: int | None = None,
) -> None:
    tiff.write(
        raw,
        photometric=tifffile.PHOTOMETRIC.CFA,
        subfiletype=0,
        subifds=subifds,
        extratags=tags,
        metadata=None,
    )


def _write_jpeg(
    tiff: tifffile.TiffWriter,
    jpeg: bytes,
    *,
    subfiletype: int,
    subifds: int | None = None,
    extratags: list[tuple[int, int, int, Any, bool]] | None = None,
) -> None:
    """A JPEG preview as one ready-made strip, labelled deflate for now.

    tifffile writes ready-made strips as they are only for a compression it has a
    codec for, and its JPEG codec needs imagecodecs; `_mark_jpeg` relabels the strip."""
    with Image.open(io.BytesIO(jpeg)) as image:
        width, height = image.size
    tiff.write(
        iter([jpeg]),
        shape=(height, width, 3),
        dtype=np.uint8,
        photometric=tifffile.PHOTOMETRIC.RGB,
        compression=tifffile.COMPRESSION.ADOBE_DEFLATE,
        rowsperstrip=height,
        subfiletype=subfiletype,
        subifds=subifds,
        extratags=extratags,
        metadata=None,
    )


def _mark_jpeg(path: Path) -> None:
    """Relabel the preview strip: Compression 7 (JPEG), PhotometricInterpretation 6 (YCbCr)."""
    with tifffile.TiffFile(path) as tiff:
        pages = [tiff.pages.first]
        for offset in pages[0].subifds or ():
            tiff.filehandle.seek(offset)
            pages.append(tifffile.TiffPage(tiff, index=len(pages)))
        (preview,) = [page for page in pages if page.subfiletype == 1]
        compression = preview.tags[259].valueoffset
        photometric = preview.tags[262].valueoffset
    with path.open("r+b") as handle:
        for offset, value in ((compression, 7), (photometric, 6)):
            handle.seek(offset)
            handle.write(value.to_bytes(2, "little"))
