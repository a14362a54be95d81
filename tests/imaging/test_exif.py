"""EXIF fields from real camera files; broken EXIF never fails a photo."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from PIL import ExifTags, Image, TiffImagePlugin

from daemon.imaging import exif
from daemon.imaging.previews import init_decoders
from tests.support.images import CORPUS, corpus_images

ALL_FILES = corpus_images()


def read(path: Path) -> tuple[exif.ExifFields, dict[str, object]]:
    init_decoders()
    with Image.open(path) as image:
        return exif.read(image)


def test_camera_fields_of_a_canon() -> None:
    fields, data = read(CORPUS / "jpg/Canon_40D.jpg")
    assert fields.taken_at == datetime(2008, 5, 30, 15, 56, 1)
    assert (fields.camera_make, fields.camera_model) == ("Canon", "Canon EOS 40D")
    assert fields.shutter_speed == "1/160"
    assert fields.aperture == 7.1
    assert fields.iso == 100
    assert fields.focal_length == 135.0
    assert data["image"]["Make"] == "Canon"  # type: ignore[index]


def test_gps_becomes_decimal_degrees() -> None:
    fields, _ = read(CORPUS / "jpg/gps/DSCN0010.jpg")
    assert fields.location_lat == pytest.approx(43.4674483)
    assert fields.location_lng == pytest.approx(11.8851267)


def test_southern_and_western_hemispheres_are_negative() -> None:
    fields, _ = read(CORPUS / "heic/IMG_5195.HEIC")
    assert fields.location_lat == pytest.approx(39.0513444)
    assert fields.location_lng == pytest.approx(-94.2887722)
    kodak, _ = read(CORPUS / "jpg/Kodak_CX7530.jpg")
    assert kodak.location_lat is not None
    assert kodak.location_lat < 0


def test_offset_time_is_kept() -> None:
    fields, _ = read(CORPUS / "heic/mobile/iphone_13_pro_max.HEIC")
    assert fields.taken_at == datetime(2022, 2, 16, 12, 55, 41)
    assert fields.taken_at_offset == timedelta(hours=1)
    assert fields.lens_model is not None


@pytest.mark.corpus
@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_corpus_file_gives_json_safe_bounded_exif(path: Path) -> None:
    _, data = read(path)
    encoded = msgspec.json.encode(data)
    assert len(encoded) <= exif.MAX_EXIF_JSON_BYTES
    assert b"\\u0000" not in encoded
    assert msgspec.json.decode(encoded) == data


def test_fallback_to_digitized_then_plain_datetime() -> None:
    tag = ExifTags.Base
    digitized = exif.extract_fields({}, {tag.DateTimeDigitized: "2020:01:02 03:04:05"}, {})
    assert digitized.taken_at == datetime(2020, 1, 2, 3, 4, 5)
    plain = exif.extract_fields({tag.DateTime: "2019:12:31 23:59:59"}, {}, {})
    assert plain.taken_at == datetime(2019, 12, 31, 23, 59, 59)
    original_wins = exif.extract_fields(
        {tag.DateTime: "2019:12:31 23:59:59"}, {tag.DateTimeOriginal: "2018:01:01 00:00:00"}, {}
    )
    assert original_wins.taken_at == datetime(2018, 1, 1)


@pytest.mark.parametrize(
    "garbage",
    ["0000:00:00 00:00:00", "    :  :     :  :  ", "2019:13:45 99:00:00", b"\x00\xff", 12, None],
)
def test_impossible_dates_are_dropped(garbage: object) -> None:
    fields = exif.extract_fields({}, {ExifTags.Base.DateTimeOriginal: garbage}, {})
    assert fields.taken_at is None


def test_garbage_values_never_raise() -> None:
    tag = ExifTags.Base
    fields = exif.extract_fields(
        {tag.Make: b"\xff\xfe", tag.Model: 42, tag.Orientation: 99},
        {
            tag.ExposureTime: TiffImagePlugin.IFDRational(0, 0),
            tag.FNumber: "wide",
            tag.ISOSpeedRatings: (0,),
            tag.FocalLength: -5,
        },
        {ExifTags.GPS.GPSLatitude: (1, 2), ExifTags.GPS.GPSLongitude: "east"},
    )
    assert fields.orientation == 1
    assert fields.shutter_speed is None
    assert fields.aperture is None
    assert fields.iso is None
    assert fields.focal_length is None
    assert fields.location_lat is None


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(1 / 250, "1/250"), (0.5, "1/2"), (2, "2"), (2.5, "2.5"), (1 / 3.2, "1/3")],
)
def test_shutter_speed_text(seconds: float, shown: str) -> None:
    fields = exif.extract_fields({}, {ExifTags.Base.ExposureTime: seconds}, {})
    assert fields.shutter_speed == shown


def test_zero_gps_means_no_fix() -> None:
    gps: dict[int, object] = {
        ExifTags.GPS.GPSLatitude: (0, 0, 0),
        ExifTags.GPS.GPSLongitude: (0, 0, 0),
    }
    assert exif.extract_fields({}, {}, gps).location_lat is None


def test_oversized_exif_is_trimmed() -> None:
    huge: dict[int, object] = {ExifTags.Base.ImageDescription: "x" * 1900}
    many: dict[int, object] = {0x9000 + i: "y" * 1900 for i in range(100)}
    data = exif.json_safe_exif(huge, many, {})
    assert len(msgspec.json.encode(data)) <= exif.MAX_EXIF_JSON_BYTES
    kept = sum(len(values) for values in data.values())
    assert 25 <= kept < 101
