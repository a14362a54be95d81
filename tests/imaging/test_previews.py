"""Previews and hothash: frozen recipe, upright orientation, every mode to 8-bit RGB."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from daemon.imaging.hothash import PreviewError, Previews
from daemon.imaging.previews import make_previews
from tests.support.images import CORPUS, exif_bytes, jpeg_bytes, photo_like, write_jpeg

# The hothash is every photo's id on every machine: these must never change.
# If this test fails, the preview recipe or the pinned Pillow/pillow-heif changed.
GOLDEN = {
    "jpg/Canon_40D.jpg": "76bd1ab798796bb7bf7e19a9d9c1c01fabb9c48c52926fddc257a1e0eaa5e5bd",
    "jpg/orientation/portrait_6.jpg": "69b2813ec7b6867230e75d51fda1c08098b6412f2ba2dad38258d7547a38c69d",  # noqa: E501
    "jpg/hdr/canon_hdr_NO.jpg": "3b27cbb73a5ab61e7777fc2efe16848c235788102724b6ff012d703ea1c89b69",
    "jpg/gps/DSCN0010.jpg": "29715ed5a2e3156f6253ac36735c584a49c3b1c19845894e39e8ac9e08f9fbac",
    "heic/IMG_5195.HEIC": "a9139070943625c16d7a7671c98a17bcdc8fdfaf0b7625fa0d251a86b0157420",
    "tiff/Arbitro.tiff": "49160154b7031ad842c4dbe5b6053ac0782c5f02b7310e922350f20cefd39f0b",
    # 4032 px wide: the only golden JPEG decoded at 1/2 scale in the DCT domain (draft).
    "jpg/tests/67-0_length_string.jpg": "56d29eebcad860ece88ea2802216d0b556318c260da9c9be510c2e4014bfa487",  # noqa: E501
    "tiff/Tless0.tiff": "88cf2acef9f8555eedd56cb62e338a350139d628c5012a8e7db892c150bdb455",
}


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def previews_of(path: Path, max_px: int = 1200, quality: int = 85) -> Previews:
    return make_previews(path, coldpreview_max_px=max_px, quality=quality)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_hothashes(name: str) -> None:
    result = previews_of(CORPUS / name)
    assert result.hothash == GOLDEN[name]


def test_hotpreview_is_150_square_jpeg_and_hothash_is_its_sha256() -> None:
    import hashlib

    result = previews_of(CORPUS / "jpg/gps/DSCN0010.jpg")
    hot = base64.b64decode(result.hotpreview_b64)
    assert hashlib.sha256(hot).hexdigest() == result.hothash
    image = decode(hot)
    assert (image.format, image.size, image.mode) == ("JPEG", (150, 150), "RGB")


def test_deterministic_and_independent_of_coldpreview_settings() -> None:
    path = CORPUS / "jpg/hdr/canon_hdr_NO.jpg"
    first = previews_of(path)
    assert previews_of(path).hothash == first.hothash
    other = previews_of(path, max_px=2000, quality=60)
    assert other.hothash == first.hothash
    assert max(decode(other.coldpreview).size) == 2000
    assert other.coldpreview != first.coldpreview


def _distance(a: Image.Image, b: Image.Image) -> float:
    return max(ImageStat.Stat(ImageChops.difference(a, b)).mean)


@pytest.mark.parametrize("kind", ["landscape", "portrait"])
def test_every_orientation_comes_out_upright(kind: str) -> None:
    """The 8 samples hold one picture stored 8 ways (each labelled with its number):
    upright and in sRGB they match, and any other transposition of them would not."""
    reference = decode(previews_of(CORPUS / f"jpg/orientation/{kind}_1.jpg").coldpreview)
    if kind == "portrait":
        assert reference.height > reference.width
    else:
        assert reference.width > reference.height
    for orientation in range(2, 9):
        cold = decode(previews_of(CORPUS / f"jpg/orientation/{kind}_{orientation}.jpg").coldpreview)
        assert cold.size == reference.size, orientation
        # 2-8 carry Apple's "Generic RGB Profile", 1 none (sRGB): converted to sRGB they
        # measure 6-7 from it (the printed label differs), unconverted 15-17; a wrong
        # flip gives 43-55.
        assert _distance(cold, reference) < 10, orientation
        for wrong in (
            Image.Transpose.FLIP_LEFT_RIGHT,
            Image.Transpose.FLIP_TOP_BOTTOM,
            Image.Transpose.ROTATE_180,
        ):
            assert _distance(cold.transpose(wrong), reference) > 35, (orientation, wrong)


def test_draft_scale_comes_from_the_stored_size(tmp_path: Path) -> None:
    """A 24 MP orientation-6 JPEG decodes at 1/4 scale (1500x1000), then stands upright."""
    path = write_jpeg(tmp_path / "big.jpg", 6000, 4000, seed=1, orientation=6)
    result = previews_of(path)
    assert (result.width, result.height) == (1000, 1500)
    assert decode(result.coldpreview).size == (800, 1200)


def test_small_images_are_not_enlarged() -> None:
    result = previews_of(CORPUS / "jpg/Canon_40D.jpg")
    assert decode(result.coldpreview).size == (100, 68)


@pytest.mark.parametrize("mode", ["CMYK", "L", "I;16", "RGBA", "LA", "P", "PA", "1"])
def test_every_mode_becomes_8_bit_rgb(tmp_path: Path, mode: str) -> None:
    source = photo_like(300, 200, seed=3)
    if mode == "I;16":
        image = source.convert("L").convert("I").point(lambda v: v * 257).convert("I;16")
    elif mode == "PA":
        image = source.convert("RGBA").convert("PA")
    else:
        image = source.convert(mode)
    suffix = ".jpg" if mode in ("CMYK", "L") else ".tiff" if mode in ("PA",) else ".png"
    path = tmp_path / f"image{suffix}"
    image.save(path)
    result = previews_of(path)
    cold = decode(result.coldpreview)
    assert cold.mode == "RGB"
    assert cold.size == (300, 200)
    if mode == "I;16":
        # 16-bit values are scaled, not clipped: the picture is not blown out to white.
        assert ImageStat.Stat(cold).mean[0] < 200


def test_transparency_is_laid_over_white(tmp_path: Path) -> None:
    image = Image.new("RGBA", (200, 100), (255, 0, 0, 255))
    image.paste((0, 0, 0, 0), (100, 0, 200, 100))
    path = tmp_path / "half.png"
    image.save(path)
    cold = decode(previews_of(path).coldpreview)
    left, right = cold.getpixel((20, 50)), cold.getpixel((180, 50))
    assert isinstance(left, tuple)
    assert isinstance(right, tuple)
    assert left[0] > 200 and left[1] < 60  # noqa: PT018 - one pixel, one colour
    assert min(right) > 240


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"this is not a photo\n", "not an image"),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "not an image"),
    ],
)
def test_unreadable_files_are_explained(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "broken.jpg"
    path.write_bytes(content)
    with pytest.raises(PreviewError, match=message):
        previews_of(path)


def test_truncated_jpeg_is_an_error(tmp_path: Path) -> None:
    data = (CORPUS / "jpg/hdr/canon_hdr_NO.jpg").read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 5])
    with pytest.raises(PreviewError, match="truncated"):
        previews_of(path)


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    Image.new("1", (20000, 20000)).save(path)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(PreviewError, match="too large"):
        previews_of(path)


def test_a_jpeg_header_claiming_a_huge_image_is_refused(tmp_path: Path) -> None:
    data = bytearray(jpeg_bytes(Image.new("RGB", (64, 48))))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = (60000).to_bytes(2, "big") + (60000).to_bytes(2, "big")
    path = tmp_path / "liar.jpg"
    path.write_bytes(bytes(data))
    with pytest.raises(PreviewError, match="too large"):
        previews_of(path)


def test_large_jpegs_pass_through_draft_decoding(tmp_path: Path) -> None:
    """12000x12000 is past the limit for other formats, but a JPEG decodes at 1/8."""
    path = tmp_path / "panorama.jpg"
    Image.new("L", (12000, 12000), 128).save(path, quality=50, exif=exif_bytes())
    result = previews_of(path)
    assert (result.width, result.height) == (1500, 1500)


def test_only_allowed_decoders_are_used(tmp_path: Path) -> None:
    path = tmp_path / "image.jpg"
    Image.new("RGB", (10, 10)).save(path, "GIF")
    with pytest.raises(PreviewError, match="not an image"):
        previews_of(path)
