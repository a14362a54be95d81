"""RAW files (DNG, CR2, CR3, NEF, ARW, ...) through LibRaw (rawpy): previews and EXIF.

A RAW file becomes a picture one of two ways, chosen from the file alone so that the
coldpreview setting never changes a hothash:

- its embedded JPEG preview, when that covers the hotpreview's base (BASE_PX, or all
  a half-size demosaic would give): decoded by hothash.py exactly as a JPEG file is
  (the same draft scale, resampling and encoding: the same hothash recipe). The
  coldpreview comes from it too when it covers coldpreview_max_px;
- otherwise a half-size demosaic (`demosaic_params`): each 2x2 Bayer block becomes one
  pixel, with no interpolation, at a quarter of a full demosaic's cost. LibRaw (pinned
  with rawpy in pyproject.toml) and those parameters decide such a photo's hothash.

Both come out as the sensor stored them and are stood upright once, by hothash.py,
from LibRaw's `flip` (cameras store their previews unrotated too).

EXIF is read as for other photos (exif.py): TIFF-based RAWs through Pillow's TIFF
reader, where TIFF/EP files keep the exposure tags in IFD0; then, for what is still
missing, the embedded preview's own EXIF (Fujifilm's carries it all) and LibRaw.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import struct
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import numpy as np
import rawpy
from PIL import ExifTags, Image, UnidentifiedImageError

from daemon.imaging import damage, exif, hothash, tiff
from daemon.imaging.hothash import BASE_PX, OTHER_MAX_PIXELS, PreviewError, Previews

log = logging.getLogger(__name__)


def demosaic_params() -> rawpy.Params:
    """The half-size demosaic, every setting that shapes its pixels stated (LibRaw's
    defaults, written out so that none can drift with a rawpy release)."""
    return rawpy.Params(
        half_size=True,
        use_camera_wb=True,  # as shot; LibRaw falls back to daylight when the file has none
        use_auto_wb=False,
        output_color=rawpy.ColorSpace.sRGB,
        output_bps=8,
        gamma=(2.222, 4.5),  # BT.709
        # Brightened until 1 % of the pixels clip, as dcraw does: raw data is dark.
        no_auto_bright=False,
        auto_bright_thr=0.01,
        bright=1.0,
        highlight_mode=rawpy.HighlightMode.Clip,
        user_flip=0,  # hothash.py stands it upright, as it does the embedded preview
    )


# LibRaw's flip (bit 2 transposes, bit 1 flips rows, bit 0 columns) as EXIF orientation.
_FLIP_TO_ORIENTATION = {0: 1, 1: 2, 2: 4, 3: 3, 4: 5, 5: 8, 6: 6, 7: 7}
# RAW formats that are TIFF files; ORF and RW2 only differ in the header's magic number.
_TIFF_SUFFIXES = frozenset({".dng", ".cr2", ".nef", ".arw", ".pef", ".srw", ".orf", ".rw2"})
_TAG = ExifTags.Base
# The tags exif.extract_fields reads from the Exif IFD, which TIFF/EP (and so several
# cameras' RAWs) keeps in IFD0 instead.
_EXIF_IFD_TAGS = frozenset(
    {
        _TAG.DateTimeOriginal,
        _TAG.DateTimeDigitized,
        _TAG.OffsetTimeOriginal,
        _TAG.OffsetTimeDigitized,
        _TAG.OffsetTime,
        _TAG.ExposureTime,
        _TAG.FNumber,
        _TAG.ISOSpeedRatings,
        _TAG.FocalLength,
        _TAG.LensModel,
    }
)
# Asking LibRaw for these decodes all the raw data first: only done when one is missing.
_ESSENTIAL = (_TAG.ExposureTime, _TAG.FNumber, _TAG.ISOSpeedRatings, _TAG.FocalLength)
_DATES = (_TAG.DateTimeOriginal, _TAG.DateTimeDigitized)
# The Software tag of the EXIF header LibRaw writes (dcraw's tiff_head).
_LIBRAW_SOFTWARE = "dcraw v"
# A TIFF structure bigger than this is not followed (nothing real comes close).
_MAX_IFDS = 64
_MAX_ENTRIES = 4096

_Tags = dict[int, Any]


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    """What decoding a RAW file takes: sizes, and which picture each preview comes from."""

    raw_pixels: int
    half_pixels: int
    preview_size: tuple[int, int]
    preview_bytes: int
    hot_from_preview: bool
    cold_from_preview: bool
    unpacks: bool


class _Preview(NamedTuple):
    """A RAW file's embedded JPEG: opened (its header read), and its bytes."""

    image: Image.Image
    data: bytes


def make_previews(path: Path, *, coldpreview_max_px: int, quality: int) -> Previews:
    """Hotpreview, hothash, coldpreview and EXIF of a RAW file."""
    try:
        _check_complete(path)
        with _opened(path) as raw:
            return _previews(raw, path, coldpreview_max_px, quality)
    except PreviewError:
        raise
    except damage.Damaged as exc:
        raise PreviewError(str(exc)) from None
    except rawpy.LibRawError as exc:
        raise PreviewError(_libraw_failure(exc, path)) from None
    except FileNotFoundError:
        raise PreviewError("file vanished before it could be read") from None
    except PermissionError:
        raise PreviewError("permission denied") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise PreviewError(damage.decode_failure(exc)) from None
    except MemoryError:
        raise PreviewError("out of memory decoding the RAW file") from None


def plan(path: Path, *, coldpreview_max_px: int) -> Plan | None:
    """How make_previews will decode this file, from its headers (for the memory
    estimate); None when LibRaw cannot read it (make_previews then says why)."""
    try:
        with _opened(path) as raw:
            preview = _embedded_preview(raw, path)
            picture = preview.image if preview is not None else None
            return _plan(raw, preview, _file_tags(path, picture), coldpreview_max_px)
    except (rawpy.LibRawError, OSError, SyntaxError, ValueError, EOFError, MemoryError):
        return None


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[rawpy.RawPy]:
    raw = rawpy.RawPy()
    try:
        raw.open_file(str(path))
        yield raw
    finally:
        raw.close()


def _previews(raw: rawpy.RawPy, path: Path, coldpreview_max_px: int, quality: int) -> Previews:
    sizes = raw.sizes
    if sizes.width <= 0 or sizes.height <= 0:
        raise PreviewError(f"RAW file claims an impossible size {sizes.width}x{sizes.height}")
    if sizes.raw_width * sizes.raw_height > OTHER_MAX_PIXELS:
        raise PreviewError(
            f"RAW image too large: {sizes.raw_width}x{sizes.raw_height} exceeds the "
            f"{OTHER_MAX_PIXELS / 1e6:.0f} MP limit"
        )
    preview = _embedded_preview(raw, path)
    picture = preview.image if preview is not None else None
    tags = _file_tags(path, picture)
    chosen = _plan(raw, preview, tags, coldpreview_max_px)
    metadata = _metadata(raw, tags)
    if preview is None or not chosen.hot_from_preview:
        return _from(_demosaic(raw), None, metadata, coldpreview_max_px, quality)
    if chosen.cold_from_preview:
        return _from(preview.image, preview.data, metadata, coldpreview_max_px, quality)
    hot = _from(preview.image, preview.data, metadata, BASE_PX, quality)
    cold = _from(_demosaic(raw), None, metadata, coldpreview_max_px, quality)
    return msgspec.structs.replace(hot, coldpreview=cold.coldpreview)


def _from(
    image: Image.Image,
    encoded: bytes | None,
    metadata: tuple[exif.ExifFields, dict[str, Any]],
    coldpreview_max_px: int,
    quality: int,
) -> Previews:
    with image:
        return hothash.from_image(
            image,
            coldpreview_max_px=coldpreview_max_px,
            quality=quality,
            metadata=metadata,
            encoded=encoded,
        )


def _plan(
    raw: rawpy.RawPy,
    preview: _Preview | None,
    tags: tuple[_Tags, _Tags, _Tags],
    coldpreview_max_px: int,
) -> Plan:
    sizes = raw.sizes
    half_width, half_height = math.ceil(sizes.width / 2), math.ceil(sizes.height / 2)
    half_long = max(half_width, half_height)
    preview_size = preview.image.size if preview is not None else (0, 0)
    hot = max(preview_size) >= min(BASE_PX, half_long)
    cold = hot and max(preview_size) >= min(coldpreview_max_px, half_long)
    return Plan(
        raw_pixels=sizes.raw_width * sizes.raw_height,
        half_pixels=half_width * half_height,
        preview_size=preview_size,
        preview_bytes=len(preview.data) if preview is not None else 0,
        hot_from_preview=hot,
        cold_from_preview=cold,
        unpacks=not cold or _libraw_needed(tags),
    )


def _embedded_preview(raw: rawpy.RawPy, path: Path) -> _Preview | None:
    """The largest embedded preview, opened as a JPEG file is (its header read, nothing
    decoded); None when there is none, or it is no JPEG (bitmap thumbnails are small)."""
    try:
        thumb = raw.extract_thumb()
    except (rawpy.LibRawNoThumbnailError, rawpy.LibRawUnsupportedThumbnailError):
        return None
    if thumb.format != rawpy.ThumbFormat.JPEG or not isinstance(thumb.data, bytes):
        return None
    try:
        return _Preview(Image.open(io.BytesIO(thumb.data), formats=("JPEG",)), thumb.data)
    except UnidentifiedImageError:
        log.info("%s: its embedded preview is not a readable JPEG; demosaicing", path)
        return None


def _demosaic(raw: rawpy.RawPy) -> Image.Image:
    pixels = raw.postprocess(demosaic_params())
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]  # a monochrome sensor
    return Image.fromarray(np.ascontiguousarray(pixels))


def _libraw_failure(exc: rawpy.LibRawError, path: Path) -> str:
    """LibRaw's exception as a sentence for the file's owner."""
    damaged = isinstance(exc, rawpy.LibRawIOError | rawpy.LibRawDataError)
    if damaged and _raw_header(path):
        return f"RAW {damage.TRUNCATED}"
    if damaged or isinstance(exc, rawpy.LibRawFileUnsupportedError):
        return "not a RAW file LibRaw can read (unknown camera format, or damaged)"
    if isinstance(exc, rawpy.LibRawTooBigError | rawpy.LibRawUnsufficientMemoryError):
        return "RAW image too large to decode"
    detail = exc.args[0] if exc.args else type(exc).__name__
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", errors="replace")
    return f"cannot decode RAW file: {detail}"


# --- EXIF ------------------------------------------------------------------------------


def _metadata(
    raw: rawpy.RawPy, tags: tuple[_Tags, _Tags, _Tags]
) -> tuple[exif.ExifFields, dict[str, Any]]:
    """The catalog fields and JSON-safe EXIF; the orientation is LibRaw's."""
    ifd0, sub, gps = tags
    if _libraw_needed(tags):
        sub = _libraw_tags(raw) | sub
    fields = exif.extract_fields(ifd0, sub, gps)
    fields.orientation = _FLIP_TO_ORIENTATION.get(raw.sizes.flip, 1)
    return fields, exif.json_safe_exif(ifd0, sub, gps)


def _file_tags(path: Path, preview: Image.Image | None) -> tuple[_Tags, _Tags, _Tags]:
    """IFD0, Exif and GPS tags of the RAW file, over those of its embedded preview."""
    ifd0, sub, gps = _tiff_tags(path)
    moved: _Tags = {tag: ifd0.pop(tag) for tag in _EXIF_IFD_TAGS & ifd0.keys()}
    sub = {**moved, **sub}
    if preview is not None:
        own0, own_sub, own_gps = _image_tags(preview)
        ifd0, sub, gps = {**own0, **ifd0}, {**own_sub, **sub}, {**own_gps, **gps}
    return ifd0, sub, gps


def _libraw_needed(tags: tuple[_Tags, _Tags, _Tags]) -> bool:
    ifd0, sub, _ = tags
    dated = any(tag in sub for tag in _DATES) or _TAG.DateTime in ifd0
    return not dated or any(tag not in sub for tag in _ESSENTIAL)


def _tiff_tags(path: Path) -> tuple[_Tags, _Tags, _Tags]:
    """The tags of a TIFF-based RAW, read by Pillow; bad EXIF only leaves them out."""
    empty: tuple[_Tags, _Tags, _Tags] = ({}, {}, {})
    if path.suffix.lower() not in _TIFF_SUFFIXES:
        return empty
    try:
        with path.open("rb") as handle:
            head = tiff.header(handle.read(8))
            if head is None or head.magic not in tiff.RAW_MAGIC:
                return empty
            tags = Image.Exif()
            # Given the byte order and IFD0's offset, Pillow never looks at the magic.
            tags.endian = head.order
            tags.load_from_fp(handle, head.first_ifd)
            return (
                dict(tags.items()),
                _sub_ifd(tags, ExifTags.IFD.Exif),
                _sub_ifd(tags, ExifTags.IFD.GPSInfo),
            )
    except Exception:
        log.debug("%s: EXIF not readable", path, exc_info=True)
        return empty


def _image_tags(image: Image.Image) -> tuple[_Tags, _Tags, _Tags]:
    """The embedded preview's EXIF. LibRaw puts a header of its own on a preview that
    has none: of that, only Make and Model are taken (its date says 1970 when LibRaw
    knows none, and the rest is what `_libraw_tags` reads)."""
    try:
        tags = image.getexif()
        ifd0 = dict(tags.items())
        if str(ifd0.get(_TAG.Software, "")).startswith(_LIBRAW_SOFTWARE):
            return {tag: ifd0[tag] for tag in (_TAG.Make, _TAG.Model) if tag in ifd0}, {}, {}
        return ifd0, _sub_ifd(tags, ExifTags.IFD.Exif), _sub_ifd(tags, ExifTags.IFD.GPSInfo)
    except Exception:
        return {}, {}, {}


def _sub_ifd(tags: Image.Exif, which: ExifTags.IFD) -> _Tags:
    try:
        return dict(tags.get_ifd(which).items())
    except Exception:
        return {}


def _libraw_tags(raw: rawpy.RawPy) -> _Tags:
    """What LibRaw read of the shot (from maker notes too), as Exif IFD tags."""
    try:
        other, lens = raw.other, raw.lens
    except (rawpy.LibRawError, OverflowError, OSError, ValueError):
        return {}
    tags: _Tags = {
        _TAG.ExposureTime: other.shutter_speed,
        _TAG.FNumber: other.aperture,
        _TAG.FocalLength: other.focal_length,
        _TAG.ISOSpeedRatings: other.iso_speed,
        _TAG.LensModel: lens.model,
    }
    # LibRaw's timestamp is the camera's wall time through mktime; 0 when it has none.
    if other.timestamp != datetime.fromtimestamp(0):
        tags[_TAG.DateTimeOriginal] = other.timestamp.strftime("%Y:%m:%d %H:%M:%S")
    return {tag: value for tag, value in tags.items() if value}


# --- damage ----------------------------------------------------------------------------


def _raw_header(path: Path) -> bool:
    """Whether the file starts as a RAW does: TIFF-based, Fujifilm's RAF or Canon's CR3."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    number = tiff.magic(head)
    if number is not None:
        return number in tiff.RAW_MAGIC
    return head.startswith(b"FUJIFILM") or head[4:12] == b"ftypcrx "


def _check_complete(path: Path) -> None:
    """A TIFF-based RAW's image data (raw, previews) must end inside the file: LibRaw
    reads a cut file's missing data as black, without a word."""
    if path.suffix.lower() not in _TIFF_SUFFIXES:
        return
    # struct.error: a structure this reader does not follow; LibRaw has the last word.
    with path.open("rb") as handle, contextlib.suppress(struct.error):
        size = path.stat().st_size
        head = tiff.header(handle.read(8))
        if head is None or head.magic not in tiff.RAW_MAGIC:
            return
        order = head.order
        pending, seen = [head.first_ifd], set[int]()
        while pending and len(seen) < _MAX_IFDS:
            offset = pending.pop()
            if offset == 0 or offset in seen:
                continue
            seen.add(offset)
            if offset + 2 > size:
                raise damage.Damaged(f"RAW {damage.TRUNCATED}")
            entries, following = _ifd(handle, order, offset)
            pending.append(following)
            pending.extend(entries.get(330, ()))  # SubIFDs
            for offsets_tag, counts_tag in ((273, 279), (324, 325)):  # strips, tiles
                starts, lengths = entries.get(offsets_tag, ()), entries.get(counts_tag, ())
                ends = [start + length for start, length in zip(starts, lengths, strict=False)]
                if ends and max(ends) > size:
                    raise damage.Damaged(
                        f"RAW {damage.TRUNCATED} (its image data runs to byte "
                        f"{max(ends):,}, the file has {size:,})"
                    )


_LONGS = {3: "H", 4: "I", 13: "I"}  # SHORT, LONG, IFD


def _ifd(handle: Any, order: str, offset: int) -> tuple[dict[int, tuple[int, ...]], int]:
    """The SHORT/LONG entries of one IFD (all that locating data needs), and the next IFD."""
    handle.seek(offset)
    (count,) = struct.unpack(order + "H", handle.read(2))
    if count > _MAX_ENTRIES:
        return {}, 0
    data = handle.read(count * 12 + 4)
    if len(data) < count * 12 + 4:
        raise damage.Damaged(f"RAW {damage.TRUNCATED}")
    entries: dict[int, tuple[int, ...]] = {}
    for index in range(count):
        tag, kind, number, value = struct.unpack_from(order + "HHI4s", data, index * 12)
        code = _LONGS.get(kind)
        if code is None or tag not in (273, 279, 324, 325, 330) or number > 1_000_000:
            continue
        width = struct.calcsize(code)
        if number * width <= 4:
            raw_values = value[: number * width]
        else:
            (where,) = struct.unpack(order + "I", value)
            handle.seek(where)
            raw_values = handle.read(number * width)
            if len(raw_values) < number * width:
                raise damage.Damaged(f"RAW {damage.TRUNCATED}")
        entries[tag] = struct.unpack(f"{order}{number}{code}", raw_values)
    (following,) = struct.unpack_from(order + "I", data, count * 12)
    return entries, following
