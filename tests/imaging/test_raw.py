"""RAW files through LibRaw: the embedded preview or a half-size demosaic, upright, with EXIF."""

from __future__ import annotations

import base64
import hashlib
import io
import random
import shutil
from pathlib import Path

import asyncpg
import msgspec
import numpy as np
import pytest
import rawpy
from PIL import Image

from daemon.imaging import raw
from daemon.imaging.hothash import PreviewError, Previews
from daemon.imaging.previews import make_previews
from tests.support.app import Client
from tests.support.factories import register
from tests.support.images import CORPUS, write_jpeg
from tests.support.raw_files import LENS, MAKE, MODEL, PreviewPlace, write_dng

# The hothash is a RAW-only photo's id on every machine: these must never change.
# "preview": a DNG's embedded JPEG through the JPEG pipeline (pins Pillow, libjpeg-turbo
# and the recipe, as the JPEG goldens do, and that a big enough preview is used).
# "demosaic": a DNG without a preview, orientation 6 (pins LibRaw, raw.demosaic_params
# and the rotation). The files are generated from exact arithmetic (tests/support/raw_files.py):
# the same pictures on every machine, so a failure here means the decoding changed.
GOLDEN = {
    "preview": "4b8a0eda6f1e62350225b8b5ddfb6cd104d8acbb015df0bacdad0708ad1440b0",
    "demosaic": "8a1fde07f8c4f78edfc1c2f3a3464cd099818d90498ec6aa4ebe093d22db6c1a",
}


def previews_of(path: Path, max_px: int = 1200, quality: int = 85) -> Previews:
    return make_previews(path, coldpreview_max_px=max_px, quality=quality)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def source_of(result: Previews) -> str:
    """Which picture the coldpreview shows: the scene is red-dominated, and its
    embedded preview has red and blue swapped."""
    red, _, blue = np.asarray(decode(result.coldpreview), dtype=np.float64).mean(axis=(0, 1))
    assert abs(red - blue) > 60, (red, blue)  # one or the other, clearly
    return "demosaic" if red > blue else "preview"


def bright_corner(result: Previews) -> str:
    """The corner the bright square (stored top-left) ends up in, upright."""
    pixels = np.asarray(decode(result.coldpreview).convert("L"), dtype=np.float64)
    height, width = pixels.shape
    side = min(width, height) // 10
    corners = {
        "top-left": pixels[:side, :side],
        "top-right": pixels[:side, -side:],
        "bottom-left": pixels[-side:, :side],
        "bottom-right": pixels[-side:, -side:],
    }
    return max(corners, key=lambda name: float(corners[name].mean()))


def test_golden_hothashes(tmp_path: Path) -> None:
    preview = previews_of(write_dng(tmp_path / "preview.dng", preview="ifd0"))
    demosaic = previews_of(write_dng(tmp_path / "demosaic.dng", orientation=6))
    assert source_of(preview) == "preview"
    assert source_of(demosaic) == "demosaic"
    assert {"preview": preview.hothash, "demosaic": demosaic.hothash} == GOLDEN


def test_the_hotpreview_is_a_150_square_jpeg_and_the_hothash_its_sha256(tmp_path: Path) -> None:
    result = previews_of(write_dng(tmp_path / "photo.dng", preview="subifd"))
    hot = base64.b64decode(result.hotpreview_b64)
    assert hashlib.sha256(hot).hexdigest() == result.hothash
    image = decode(hot)
    assert (image.format, image.size, image.mode) == ("JPEG", (150, 150), "RGB")


@pytest.mark.parametrize("place", ["ifd0", "subifd"])
def test_a_big_enough_embedded_preview_is_used(tmp_path: Path, place: PreviewPlace) -> None:
    path = write_dng(tmp_path / "photo.dng", preview=place, preview_px=1500)
    result = previews_of(path)
    assert source_of(result) == "preview"
    # Decoded as the JPEG file it is: the same hothash as that JPEG on its own.
    with rawpy.imread(str(path)) as opened:
        thumb = opened.extract_thumb()
    assert isinstance(thumb.data, bytes)
    jpeg = tmp_path / "preview.jpg"
    jpeg.write_bytes(thumb.data)
    assert make_previews(jpeg, coldpreview_max_px=1200, quality=85).hothash == result.hothash
    assert decode(result.coldpreview).size == (1200, 800)


@pytest.mark.parametrize(("place", "preview_px"), [("none", 1500), ("ifd0", 320), ("subifd", 1100)])
def test_without_a_big_enough_preview_the_raw_data_is_demosaiced(
    tmp_path: Path, place: PreviewPlace, preview_px: int
) -> None:
    result = previews_of(write_dng(tmp_path / "photo.dng", preview=place, preview_px=preview_px))
    assert source_of(result) == "demosaic"
    # Half size: 2400x1600 becomes 1200x800.
    assert (result.width, result.height) == (1200, 800)


def test_a_preview_that_covers_all_the_demosaic_would_give_is_used(tmp_path: Path) -> None:
    """A small RAW: its half-size demosaic (500x400) has no more to show than its preview."""
    path = write_dng(tmp_path / "small.dng", 1000, 800, preview="ifd0", preview_px=500)
    assert source_of(previews_of(path)) == "preview"


def test_the_coldpreview_setting_never_changes_the_hothash(tmp_path: Path) -> None:
    """A 1500 px preview covers the hotpreview's base but not a 1800 px coldpreview:
    the coldpreview then comes from the demosaic (2000x1333 at half size), the
    hotpreview still from the preview."""
    path = write_dng(tmp_path / "photo.dng", 4000, 2666, preview="ifd0", preview_px=1500)
    small = previews_of(path, max_px=1200)
    large = previews_of(path, max_px=1800)
    assert large.hothash == small.hothash
    assert source_of(small) == "preview"
    assert source_of(large) == "demosaic"
    assert decode(large.coldpreview).size == (1800, 1200)
    plan = raw.plan(path, coldpreview_max_px=1800)
    assert plan is not None
    assert (plan.hot_from_preview, plan.cold_from_preview) == (True, False)


@pytest.mark.parametrize("place", ["none", "ifd0"])
@pytest.mark.parametrize(
    ("orientation", "size", "corner"),
    [
        (1, (1200, 800), "top-left"),
        (3, (1200, 800), "bottom-right"),
        (6, (800, 1200), "top-right"),
        (8, (800, 1200), "bottom-left"),
    ],
)
def test_the_raw_orientation_is_applied_once(
    tmp_path: Path, place: PreviewPlace, orientation: int, size: tuple[int, int], corner: str
) -> None:
    """Stored landscape with a bright square top-left; the preview's own EXIF says the
    same orientation, which must not turn it a second time."""
    path = write_dng(tmp_path / "photo.dng", orientation=orientation, preview=place)
    result = previews_of(path)
    assert source_of(result) == ("demosaic" if place == "none" else "preview")
    assert decode(result.coldpreview).size == size
    assert bright_corner(result) == corner
    assert result.fields.orientation == orientation


@pytest.mark.parametrize("place", ["none", "ifd0"])
def test_exif_fields_are_read(tmp_path: Path, place: PreviewPlace) -> None:
    result = previews_of(write_dng(tmp_path / "photo.dng", preview=place))
    fields = result.fields
    assert str(fields.taken_at) == "2024-06-01 12:00:00"
    assert (fields.camera_make, fields.camera_model, fields.lens_model) == (MAKE, MODEL, LENS)
    assert (fields.iso, fields.shutter_speed, fields.aperture) == (400, "1/250", 2.8)
    assert fields.focal_length == 50.0
    assert result.exif_data["exif"]["LensModel"] == LENS
    assert result.exif_data["image"]["Model"] == MODEL
    msgspec.json.encode(result.exif_data)


def test_what_pillow_cannot_read_comes_from_the_preview_and_libraw(tmp_path: Path) -> None:
    """A .raf (Fujifilm's format is no TIFF; LibRaw reads the file by its content): the
    embedded preview's EXIF gives camera and date, LibRaw the exposure and lens."""
    dng = write_dng(tmp_path / "photo.dng", preview="ifd0")
    fields = previews_of(Path(shutil.copy(dng, tmp_path / "photo.raf"))).fields
    assert (fields.camera_make, fields.camera_model) == (MAKE, "Model 1")
    assert str(fields.taken_at) == "2024-06-01 12:00:00"
    assert (fields.shutter_speed, fields.aperture, fields.focal_length) == ("1/250", 2.8, 50.0)
    assert fields.lens_model == LENS


def test_libraw_alone_gives_the_exposure(tmp_path: Path) -> None:
    """A .cr3 without a preview: only LibRaw reads it. It has no date for this file;
    the date its own EXIF header would say (1970) is not taken."""
    dng = write_dng(tmp_path / "photo.dng")
    result = previews_of(Path(shutil.copy(dng, tmp_path / "photo.cr3")))
    fields = result.fields
    assert (fields.shutter_speed, fields.aperture, fields.focal_length) == ("1/250", 2.8, 50.0)
    assert fields.lens_model == LENS
    assert fields.taken_at is None
    assert result.exif_data["exif"]["ExposureTime"] == 0.004


@pytest.mark.parametrize(("suffix", "magic"), [(".orf", b"RO"), (".orf", b"RS"), (".rw2", b"U\0")])
def test_olympus_and_panasonic_headers_are_read_as_tiff(
    tmp_path: Path, suffix: str, magic: bytes
) -> None:
    """ORF and RW2 are TIFF files with another magic number in the header."""
    data = bytearray(write_dng(tmp_path / "photo.dng").read_bytes())
    data[2:4] = magic
    ifd0, _, _ = raw._tiff_tags(_write(tmp_path / f"photo{suffix}", bytes(data)))
    assert (ifd0[271], ifd0[272], ifd0[33434]) == (MAKE, MODEL, 0.004)


def test_bad_exif_never_fails_the_photo(tmp_path: Path) -> None:
    path = write_dng(tmp_path / "photo.dng", taken="0000:00:00 00:00:00")
    data = bytearray(path.read_bytes())
    # IFD0's Make points past the end of the file: Pillow gives up on the tags from there.
    entry = _ifd0_entry(bytes(data), 271)
    data[entry + 8 : entry + 12] = (len(data) + 10_000).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    result = previews_of(path)
    assert source_of(result) == "demosaic"
    assert result.fields.taken_at is None
    assert result.fields.camera_make is None
    # What LibRaw read of the same tags fills in.
    assert (result.fields.shutter_speed, result.fields.aperture) == ("1/250", 2.8)


def _ifd0_entry(data: bytes, tag: int) -> int:
    """The byte offset of a tag's entry in a little-endian TIFF's IFD0."""
    ifd = int.from_bytes(data[4:8], "little")
    count = int.from_bytes(data[ifd : ifd + 2], "little")
    for index in range(count):
        entry = ifd + 2 + 12 * index
        if int.from_bytes(data[entry : entry + 2], "little") == tag:
            return entry
    raise AssertionError(f"no tag {tag} in IFD0")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.dng", b"", "empty file"),
        ("random.cr2", random.Random(7).randbytes(200_000), "not a RAW file"),
        ("text.nef", b"this is not a photo\n", "not a RAW file"),
        ("photo.cr3", (CORPUS / "jpg/Canon_40D.jpg").read_bytes(), "not a RAW file"),
    ],
)
def test_unreadable_raw_files_are_explained(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    with pytest.raises(PreviewError, match=message):
        previews_of(_write(tmp_path / name, content))


@pytest.mark.parametrize("place", ["none", "ifd0", "subifd"])
@pytest.mark.parametrize("kept", [0.001, 0.02, 0.5, 0.99])
def test_truncated_raw_files_are_errors(tmp_path: Path, place: PreviewPlace, kept: float) -> None:
    data = write_dng(tmp_path / "whole.dng", preview=place).read_bytes()
    cut = _write(tmp_path / "cut.dng", data[: int(len(data) * kept)])
    with pytest.raises(PreviewError, match="truncated"):
        previews_of(cut)


def test_an_embedded_preview_claiming_a_huge_size_is_refused(tmp_path: Path) -> None:
    data = bytearray(write_dng(tmp_path / "photo.dng", preview="ifd0").read_bytes())
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = (60000).to_bytes(2, "big") + (60000).to_bytes(2, "big")
    with pytest.raises(PreviewError, match="too large"):
        previews_of(_write(tmp_path / "bomb.dng", bytes(data)))


def test_a_raw_claiming_an_impossible_size_is_refused(tmp_path: Path) -> None:
    data = bytearray(write_dng(tmp_path / "photo.dng").read_bytes())
    for tag in (256, 257):  # ImageWidth, ImageLength: 60000x60000
        entry = _ifd0_entry(bytes(data), tag)
        data[entry + 8 : entry + 12] = (60000).to_bytes(4, "little")
    with pytest.raises(PreviewError, match="too large"):
        previews_of(_write(tmp_path / "huge.dng", bytes(data)))


async def test_raw_only_photos_register_and_a_jpeg_stays_master(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    folder = tmp_path / "card"
    folder.mkdir()
    with_preview = write_dng(folder / "DSC_0001.dng", preview="subifd", orientation=6)
    demosaiced = write_dng(folder / "DSC_0002.DNG", seed=2)
    write_dng(folder / "DSC_0003.dng", seed=3, preview="ifd0")
    jpeg = write_jpeg(folder / "DSC_0003.jpg", 1200, 800, seed=3)
    session = await register(client, folder)
    assert session["status"] == "completed", session
    assert (session["photo_count"], session["error_count"]) == (3, 0), session
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT p.hothash, p.camera_model, f.file_path, f.file_type, f.is_master "
            "FROM photos p JOIN image_files f ON f.photo_id = p.id"
        )
    files = {Path(row["file_path"]).name: row for row in rows}
    assert sorted(files) == ["DSC_0001.dng", "DSC_0002.DNG", "DSC_0003.dng", "DSC_0003.jpg"]
    masters = {name for name, row in files.items() if row["is_master"]}
    assert masters == {"DSC_0001.dng", "DSC_0002.DNG", "DSC_0003.jpg"}
    assert files["DSC_0003.dng"]["file_type"] == "RAW"
    assert files["DSC_0003.dng"]["hothash"] == files["DSC_0003.jpg"]["hothash"]
    assert files["DSC_0003.jpg"]["hothash"] == previews_of(jpeg).hothash
    for path in (with_preview, demosaiced):
        row = files[path.name]
        assert row["file_type"] == "RAW"
        assert row["hothash"] == previews_of(path).hothash
        assert row["camera_model"] == MODEL
