"""EXIF → catalog fields, and a JSON-safe, bounded copy of the raw EXIF.

Bad EXIF never fails a photo: every field is read on its own, and a value that
cannot be understood is left out.
"""

from __future__ import annotations

import contextlib
import math
import re
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import msgspec
from PIL import ExifTags, Image

from protocol.photos import MAX_EXIF_TEXT

MAX_EXIF_JSON_BYTES = 64_000
MAX_TEXT = 2_000
MAX_LIST = 64
_SKIPPED_TAGS = {
    ExifTags.Base.MakerNote,  # vendor binary, often large and useless without the vendor's parser
    ExifTags.Base.PrintImageMatching,
    0x02BC,  # XMP packet: may be huge; XMP is read from sidecars, never from here
    ExifTags.Base.StripOffsets,
    ExifTags.Base.StripByteCounts,
    ExifTags.Base.JpegIFOffset,
    ExifTags.Base.JpegIFByteCount,
}
_DATE = re.compile(r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")


class ExifFields(msgspec.Struct, kw_only=True):
    """What the catalog keeps from EXIF in columns of its own."""

    taken_at: datetime | None = None
    taken_at_offset: timedelta | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    lens_model: str | None = None
    iso: int | None = None
    shutter_speed: str | None = None
    aperture: float | None = None
    focal_length: float | None = None
    location_lat: float | None = None
    location_lng: float | None = None
    orientation: int = 1


def read(image: Image.Image) -> tuple[ExifFields, dict[str, Any]]:
    """The catalog fields and the JSON-safe EXIF of an opened image."""
    try:
        exif = image.getexif()
    except Exception:
        return ExifFields(), {}
    ifd0 = _ifd(exif, None)
    sub = _ifd(exif, ExifTags.IFD.Exif)
    gps = _ifd(exif, ExifTags.IFD.GPSInfo)
    return extract_fields(ifd0, sub, gps), json_safe_exif(ifd0, sub, gps)


def _ifd(exif: Image.Exif, which: ExifTags.IFD | None) -> dict[int, Any]:
    try:
        if which is None:
            return dict(exif.items())
        return dict(exif.get_ifd(which).items())
    except Exception:
        return {}


def extract_fields(ifd0: dict[int, Any], sub: dict[int, Any], gps: dict[int, Any]) -> ExifFields:
    """Map raw tag dictionaries to the catalog's columns."""
    tag = ExifTags.Base
    fields = ExifFields()
    for date_tag, offset_tag, source in (
        (tag.DateTimeOriginal, tag.OffsetTimeOriginal, sub),
        (tag.DateTimeDigitized, tag.OffsetTimeDigitized, sub),
        (tag.DateTime, tag.OffsetTime, ifd0),
    ):
        taken = _date(source.get(date_tag))
        if taken is not None:
            fields.taken_at = taken
            fields.taken_at_offset = _offset(sub.get(offset_tag))
            break
    fields.camera_make = _text(ifd0.get(tag.Make))
    fields.camera_model = _text(ifd0.get(tag.Model))
    fields.lens_model = _text(sub.get(tag.LensModel))
    fields.iso = _iso(sub.get(tag.ISOSpeedRatings))
    fields.shutter_speed = _shutter(sub.get(tag.ExposureTime))
    fields.aperture = _positive(sub.get(tag.FNumber), 1)
    fields.focal_length = _positive(sub.get(tag.FocalLength), 1)
    fields.location_lat, fields.location_lng = _gps(gps)
    orientation = _number(ifd0.get(tag.Orientation))
    if orientation is not None and orientation in range(1, 9):
        fields.orientation = int(orientation)
    return fields


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    cleaned = value.replace("\x00", "").strip()
    return cleaned[:MAX_EXIF_TEXT] or None


def _number(value: Any) -> float | None:
    if isinstance(value, tuple | list):
        value = value[0] if value else None
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) else None


def _positive(value: Any, digits: int) -> float | None:
    number = _number(value)
    # No lens reaches f/100000 or 100 m: such a value is corrupt (and 1e300, possible
    # as a DOUBLE tag, would not even fit the column).
    if number is None or not 0 < number < 100_000:
        return None
    return round(number, digits)


def _iso(value: Any) -> int | None:
    number = _number(value)
    if number is None or not 0 < number < 10_000_000:
        return None
    return int(number)


def _shutter(value: Any) -> str | None:
    seconds = _number(value)
    if seconds is None or seconds <= 0 or seconds > 100_000:
        return None
    if seconds < 1:
        return f"1/{round(1 / seconds)}"
    return f"{Fraction(seconds).limit_denominator(10).__float__():g}"


def _date(value: Any) -> datetime | None:
    text = _text(value)
    match = _DATE.match(text) if text else None
    if match is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        return datetime(year, month, day, hour, minute, second)  # camera wall time, no zone
    except ValueError:
        return None  # "0000:00:00 00:00:00" and other impossible dates


def _offset(value: Any) -> timedelta | None:
    text = _text(value)
    match = _OFFSET.match(text) if text else None
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):
        return None
    return -delta if sign == "-" else delta


def _gps(gps: dict[int, Any]) -> tuple[float | None, float | None]:
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
    lng = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W")
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None, None
    if lat == 0 and lng == 0:
        return None, None  # cameras without a fix write zeros
    return round(lat, 7), round(lng, 7)


def _degrees(value: Any, ref: Any, negative: str) -> float | None:
    if not isinstance(value, tuple | list) or not value:
        return None
    parts = [_number(part) for part in value[:3]]
    if any(part is None for part in parts):
        return None
    total = 0.0
    for part, scale in zip(parts, (1, 60, 3600), strict=False):
        assert part is not None
        total += part / scale
    if (_text(ref) or "").upper().startswith(negative):
        total = -total
    return total


def json_safe_exif(
    ifd0: dict[int, Any], sub: dict[int, Any], gps: dict[int, Any]
) -> dict[str, Any]:
    """Tag names to JSON values (no bytes, no rationals), bounded in size."""
    result: dict[str, Any] = {}
    for section, tags, names in (
        ("image", ifd0, ExifTags.TAGS),
        ("exif", sub, ExifTags.TAGS),
        ("gps", gps, ExifTags.GPSTAGS),
    ):
        values = {}
        for key, raw in tags.items():
            if key in _SKIPPED_TAGS or key in (ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo):
                continue
            value = _json_value(raw)
            if value is not None:
                values[names.get(key, f"0x{key:04x}")] = value
        if values:
            result[section] = values
    return _bounded(result)


def _json_value(value: Any, depth: int = 0) -> Any:
    if depth > 3:
        return None
    if isinstance(value, bool | int):
        return value if -(2**53) < value < 2**53 else str(value)
    if isinstance(value, str):
        return value.replace("\x00", "").strip()[:MAX_TEXT] or None
    if isinstance(value, bytes):
        # Text stored as UNDEFINED bytes (common for UserComment, versions) is kept;
        # binary blobs are not.
        with contextlib.suppress(UnicodeDecodeError):
            text = value.decode("ascii").replace("\x00", "").strip()
            if text and text.isprintable():
                return text[:MAX_TEXT]
        return None
    if isinstance(value, tuple | list):
        items = [_json_value(item, depth + 1) for item in value[:MAX_LIST]]
        items = [item for item in items if item is not None]
        return items or None
    number = _number(value)
    if number is not None:
        return round(number, 6)
    return None


def _bounded(data: dict[str, Any]) -> dict[str, Any]:
    """Drop the largest values until the JSON fits MAX_EXIF_JSON_BYTES."""
    size = len(msgspec.json.encode(data))
    if size <= MAX_EXIF_JSON_BYTES:
        return data
    entries = sorted(
        (
            (len(msgspec.json.encode(value)) + len(key) + 4, section, key)
            for section, values in data.items()
            for key, value in values.items()
        ),
        reverse=True,
    )
    for entry_size, section, key in entries:
        if size <= MAX_EXIF_JSON_BYTES:
            break
        del data[section][key]
        size -= entry_size
    return {section: values for section, values in data.items() if values}


_TAG_IDS = {name: tag for tag, name in ExifTags.TAGS.items()}
_GPS_IDS = {name: tag for tag, name in ExifTags.GPSTAGS.items()}


def fields_from_json(data: dict[str, Any]) -> ExifFields:
    """The catalog fields again from stored exif_data (for 'reset to EXIF')."""

    def ids(section: str, table: dict[str, int]) -> dict[int, Any]:
        values = data.get(section)
        if not isinstance(values, dict):
            return {}
        return {table[name]: value for name, value in values.items() if name in table}

    return extract_fields(ids("image", _TAG_IDS), ids("exif", _TAG_IDS), ids("gps", _GPS_IDS))
