"""Damaged files: every supported format cut short is an error; a whole JPEG with data
lost inside its scan is catalogued, flagged damaged."""

from __future__ import annotations

import functools
import io
import math
import re
import shutil
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, TiffImagePlugin

from daemon.imaging import damage
from daemon.imaging.hothash import PreviewError
from daemon.imaging.previews import init_decoders, make_previews
from daemon.registration import messages
from tests.support.app import Client
from tests.support.factories import register
from tests.support.images import CORPUS, photo_like

DAMAGED = re.compile(r"truncated or damaged|image data is damaged")
# Pillow warns as it skips TIFF tags cut off by the end of the file.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning"),
    pytest.mark.filterwarnings("ignore:Truncated File Read:UserWarning"),
]


@pytest.fixture(autouse=True)
def decoders() -> None:
    init_decoders()  # HEIF, for writing the test files


def previews_of(path: Path) -> None:
    make_previews(path, coldpreview_max_px=1200, quality=85)


def encoded(image: Image.Image, file_format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, file_format, **options)
    return out.getvalue()


def jpeg_scan_start(data: bytes) -> int:
    """Where the entropy-coded data of the first scan begins."""
    sos = data.index(b"\xff\xda")
    length: int = struct.unpack(">H", data[sos + 2 : sos + 4])[0]
    return sos + 2 + length


def png_data_start(data: bytes) -> int:
    return data.index(b"IDAT") + 4


def tiff_data_start(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as image:
        assert isinstance(image, TiffImagePlugin.TiffImageFile)
        offsets = image.tag_v2.get(273) or image.tag_v2[324]  # strips, else tiles
    return min(int(offset) for offset in offsets)


def heif_data_start(data: bytes) -> int:
    return data.index(b"mdat") + 4


PHOTO = photo_like(800, 600, seed=11)
# Each supported format, written by a real encoder, and where its image data begins.
FORMATS: dict[str, tuple[Callable[[], bytes], Callable[[bytes], int]]] = {
    "jpeg": (lambda: encoded(PHOTO, "JPEG", quality=90), jpeg_scan_start),
    "jpeg-progressive": (
        lambda: encoded(PHOTO, "JPEG", quality=90, progressive=True),
        jpeg_scan_start,
    ),
    "jpeg-restart-markers": (
        lambda: encoded(PHOTO, "JPEG", quality=90, restart_marker_rows=1),
        jpeg_scan_start,
    ),
    "jpeg-grey": (lambda: encoded(PHOTO.convert("L"), "JPEG"), jpeg_scan_start),
    "mpo": (
        lambda: encoded(PHOTO, "MPO", save_all=True, append_images=[PHOTO.rotate(90)]),
        jpeg_scan_start,
    ),
    "png": (lambda: encoded(PHOTO, "PNG"), png_data_start),
    "png-palette": (lambda: encoded(PHOTO.convert("P"), "PNG"), png_data_start),
    "png-16-bit": (
        lambda: encoded(
            PHOTO.convert("L").convert("I").point(lambda v: v * 257).convert("I;16"), "PNG"
        ),
        png_data_start,
    ),
    "tiff": (lambda: encoded(PHOTO, "TIFF"), tiff_data_start),
    "tiff-lzw": (lambda: encoded(PHOTO, "TIFF", compression="tiff_lzw"), tiff_data_start),
    "tiff-jpeg-tiled": (
        lambda: encoded(PHOTO, "TIFF", compression="jpeg", tile=(256, 256)),
        tiff_data_start,
    ),
    "heif": (lambda: encoded(PHOTO, "HEIF", quality=70), heif_data_start),
    # A grid of tiles, as iPhones write: libheif leaves out tiles whose data is missing.
    "heif-grid": (lambda: encoded(PHOTO, "HEIF", quality=70, tile_size=256), heif_data_start),
}
CUTS: dict[str, Callable[[bytes, int], int]] = {
    "99%": lambda data, start: len(data) * 99 // 100,
    "90%": lambda data, start: len(data) * 9 // 10,
    "50%": lambda data, start: len(data) // 2,
    "just after the header": lambda data, start: start,
    "header and one byte": lambda data, start: start + 1,
}


@functools.cache
def written(kind: str) -> bytes:
    return FORMATS[kind][0]()


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_every_format_whole_registers(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "whole"
    path.write_bytes(written(kind))
    previews_of(path)


@pytest.mark.parametrize("cut", sorted(CUTS))
@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_every_format_cut_short_is_an_error(tmp_path: Path, kind: str, cut: str) -> None:
    data, data_start = written(kind), FORMATS[kind][1]
    path = tmp_path / "cut"
    path.write_bytes(data[: CUTS[cut](data, data_start(data))])
    with pytest.raises(PreviewError, match=DAMAGED):
        previews_of(path)


@pytest.mark.parametrize(
    "name", ["heic/IMG_5195.HEIC", "heic/mobile/iphone_13_pro_max.HEIC", "heic/samplefilehub.heif"]
)
@pytest.mark.parametrize("kept", [0.5, 0.9, 0.999])
def test_a_heic_cut_short_is_an_error(tmp_path: Path, name: str, kept: float) -> None:
    """Cut in half, an iPhone HEIC used to register, with half its tiles a flat block."""
    data = (CORPUS / name).read_bytes()
    path = tmp_path / "cut.heic"
    path.write_bytes(data[: int(len(data) * kept)])
    with pytest.raises(PreviewError, match="truncated or damaged"):
        previews_of(path)


def claiming(size: tuple[int, int], **options: object) -> bytes:
    """A small real JPEG whose frame header is changed to claim another size."""
    data = bytearray(encoded(photo_like(64, 48, seed=2), "JPEG", **options))
    sof = next(m.start() for m in re.finditer(rb"\xff[\xc0\xc1\xc2]", data))
    data[sof + 5 : sof + 9] = struct.pack(">HH", size[1], size[0])
    return bytes(data)


@pytest.mark.parametrize(
    ("size", "options"),
    [
        ((30000, 30000), {}),
        ((20000, 15000), {"progressive": True}),
        ((4000, 3000), {"subsampling": 0}),
        ((3000, 4000), {"optimize": True}),
    ],
)
def test_a_tiny_jpeg_claiming_a_big_picture_is_an_error(
    tmp_path: Path, size: tuple[int, int], options: dict[str, Any]
) -> None:
    """It used to register as a grey picture: libjpeg fills what is missing with grey."""
    path = tmp_path / "liar.jpg"
    path.write_bytes(claiming(size, **options))
    with pytest.raises(PreviewError, match="truncated or damaged"):
        previews_of(path)


@pytest.mark.parametrize(
    ("mode", "size", "options"),
    [
        ("L", (12000, 12000), {"optimize": True}),
        ("RGB", (8000, 8000), {"optimize": True, "subsampling": 0}),
        ("RGB", (8000, 8000), {"optimize": True, "progressive": True}),
    ],
)
def test_flat_big_jpegs_are_not_called_truncated(
    tmp_path: Path, mode: str, size: tuple[int, int], options: dict[str, Any]
) -> None:
    """A flat picture compresses best (2 bits a block): still above the 1-bit floor."""
    path = tmp_path / "flat.jpg"
    Image.new(mode, size, 128 if mode == "L" else (90, 140, 200)).save(path, quality=50, **options)
    previews_of(path)


def restart_markers(data: bytes) -> list[int]:
    """Where each restart marker of the (single) scan is."""
    start = jpeg_scan_start(data)
    end = data.index(b"\xff\xd9", start)
    return [start + m.start() for m in re.finditer(rb"\xff[\xd0-\xd7]", data[start:end])]


def test_lost_or_shuffled_jpeg_data_is_catalogued_as_damaged(tmp_path: Path) -> None:
    """libjpeg skips to the next restart marker past damage and says nothing: the file is
    whole to its end marker, so its photo is made from what decodes, and flagged."""
    data = encoded(PHOTO, "JPEG", quality=90, restart_marker_rows=1)
    markers = restart_markers(data)
    # One after each row of 16-pixel MCUs but the last.
    assert len(markers) == math.ceil(600 / 16) - 1
    lost = data[: markers[10]] + data[markers[12] :]
    swapped = (
        data[: markers[10]]
        + data[markers[11] : markers[12]]
        + data[markers[10] : markers[11]]
        + data[markers[12] :]
    )
    closed_early = data[: markers[len(markers) // 2]] + b"\xff\xd9"
    expected = {
        "lost": "The picture data is damaged (2 blocks missing); the bottom of the photo may "
        "be grey.",
        "swapped": "The picture data is damaged (parts of it are out of place); some of the "
        "photo may be shifted or grey.",
        "closed": f"The picture data is damaged ({len(markers) - len(markers) // 2:,} blocks "
        "missing); the bottom of the photo may be grey.",
    }
    whole = tmp_path / "whole.jpg"
    whole.write_bytes(data)
    assert make_previews(whole, coldpreview_max_px=1200, quality=85).damage is None
    for name, damaged in {"lost": lost, "swapped": swapped, "closed": closed_early}.items():
        path = tmp_path / f"{name}.jpg"
        path.write_bytes(damaged)
        with Image.open(path) as image:
            image.load()  # the decoder itself finds nothing wrong
        previews = make_previews(path, coldpreview_max_px=1200, quality=85)
        assert previews.damage == expected[name]
        assert (previews.width, previews.height) == (800, 600)


def test_damaged_jpeg_previews_are_what_decodes(tmp_path: Path) -> None:
    """The hothash of a damaged file is the one its decoded (partly grey) picture gives,
    the same on every run: a second registration finds the same photo."""
    data = encoded(PHOTO, "JPEG", quality=90, restart_marker_rows=1)
    markers = restart_markers(data)
    path = tmp_path / "lost.jpg"
    path.write_bytes(data[: markers[3]] + data[markers[20] :])
    first = make_previews(path, coldpreview_max_px=1200, quality=85)
    again = make_previews(path, coldpreview_max_px=1200, quality=85)
    assert first.damage is not None
    assert first.hothash == again.hothash
    whole = tmp_path / "whole.jpg"
    whole.write_bytes(data)
    assert make_previews(whole, coldpreview_max_px=1200, quality=85).hothash != first.hothash


def test_closed_again_after_a_cut(tmp_path: Path) -> None:
    """A cut file given its end marker back: header-only JPEGs and cut PNGs are caught."""
    jpeg = encoded(PHOTO, "JPEG", quality=90)
    png = encoded(PHOTO, "PNG")
    cases = {
        "header.jpg": jpeg[: jpeg_scan_start(jpeg)] + b"\xff\xd9",
        "cut.png": png[: len(png) // 2] + png[-12:],  # IEND
        "header.png": png[: png.index(b"IDAT") - 4] + png[-12:],
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(PreviewError, match="truncated or damaged"):
            previews_of(path)


def test_a_tiff_missing_its_last_bytes_is_an_error(tmp_path: Path) -> None:
    """The picture is whole; a tag's value (here XMP, after the directory) is cut."""
    data = (CORPUS / "tiff" / "Arbitro.tiff").read_bytes()
    path = tmp_path / "cut.tiff"
    path.write_bytes(data[:-20])
    with pytest.raises(PreviewError, match="truncated or damaged"):
        previews_of(path)


def test_a_cut_file_is_named_by_its_format(tmp_path: Path) -> None:
    """When no decoder can even open it, the error still says what the file was meant to be."""
    data = encoded(PHOTO, "TIFF", compression="tiff_lzw")  # the directory comes last
    path = tmp_path / "cut.tif"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(PreviewError, match="a TIFF file that cannot be read"):
        previews_of(path)


async def test_damaged_files_are_listed_as_errors(client: Client, tmp_path: Path) -> None:
    folder = tmp_path / "damaged"
    folder.mkdir()
    heic = (CORPUS / "heic" / "IMG_5195.HEIC").read_bytes()
    (folder / "half.heic").write_bytes(heic[: len(heic) // 2])
    (folder / "liar.jpg").write_bytes(claiming((30000, 30000)))
    shutil.copy(CORPUS / "heic" / "IMG_5195.HEIC", folder / "whole.heic")
    session = await register(client, folder)
    assert (session["photo_count"], session["error_count"]) == (1, 2)
    errors = (await client.get(f"/api/input-sessions/{session['id']}/errors")).json()
    assert {Path(e["file_path"]).name for e in errors} == {"half.heic", "liar.jpg"}
    assert all(e["error"].startswith(damage.TRUNCATED) for e in errors)
    # Cut short is what a file still being copied looks like: said so in plain words.
    assert all(e["message"] == messages.STILL_WRITING for e in errors)
    assert all(e["detail"] == e["error"] for e in errors)


@pytest.mark.parametrize("length", [0, 1, 2, 3])
def test_a_jpeg_scan_header_too_short_to_read_is_an_error(tmp_path: Path, length: int) -> None:
    data = encoded(photo_like(64, 48, seed=4), "JPEG")
    sos = data.index(b"\xff\xda")
    path = tmp_path / "short-scan-header.jpg"
    path.write_bytes(data[: sos + 2] + struct.pack(">H", length) + data[sos + 4 :])
    with pytest.raises(PreviewError):
        previews_of(path)
