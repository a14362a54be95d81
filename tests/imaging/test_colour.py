"""Colour: coldpreviews (and corrected ones) are sRGB; the hotpreview is left as it was."""

from __future__ import annotations

import base64
import io
import logging
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageCms, ImageOps, ImageStat

from daemon.imaging import colour, corrections
from daemon.imaging.hothash import Previews
from daemon.imaging.previews import init_decoders, make_previews
from tests.imaging import icc
from tests.support.app import Client
from tests.support.factories import listing, register
from tests.support.images import CORPUS, photo_like

P3_PHOTOS = ["heic/IMG_5195.HEIC", "heic/mobile/iphone_13_pro_max.HEIC"]
# Compared at 150 px on the long edge, where JPEG noise averages out and a colour
# shift does not. Measured: converted 0.6-1.8 per channel; the P3 values shown as
# sRGB (what coldpreviews were before) 4.1-6.2 on red or blue.
THRESHOLD = 2.5


@pytest.fixture(autouse=True)
def decoders() -> None:
    init_decoders()  # HEIF, for the tests' own reading of the masters


def previews_of(path: Path) -> Previews:
    return make_previews(path, coldpreview_max_px=1200, quality=85)


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def differences(a: Image.Image, b: Image.Image) -> list[float]:
    """Mean absolute difference per channel, both reduced to 150 px on the long edge."""
    scale = 150 / max(a.size)
    size = (round(a.width * scale), round(a.height * scale))
    small_a, small_b = (i.convert("RGB").resize(size, Image.Resampling.BOX) for i in (a, b))
    return list(ImageStat.Stat(ImageChops.difference(small_a, small_b)).mean)


def rendered(path: Path) -> tuple[Image.Image, Image.Image]:
    """The master rendered to sRGB by LittleCMS, and its raw values read as sRGB; upright."""
    with Image.open(path) as opened:
        upright = ImageOps.exif_transpose(opened)
        return icc.srgb_reference(upright, opened.info["icc_profile"]), upright.convert("RGB")


def p3_profile() -> bytes:
    init_decoders()
    with Image.open(CORPUS / P3_PHOTOS[0]) as opened:
        profile: bytes = opened.info["icc_profile"]
    return profile


@pytest.mark.parametrize("name", P3_PHOTOS)
def test_p3_photos_get_an_srgb_coldpreview(name: str) -> None:
    path = CORPUS / name
    with Image.open(path) as opened:
        to_srgb = colour.to_srgb(opened.info["icc_profile"])
    assert to_srgb is not None
    assert to_srgb.name == "Display P3"
    reference, raw = rendered(path)
    cold = decoded(previews_of(path).coldpreview)
    assert "icc_profile" not in cold.info  # untagged: sRGB for every viewer
    assert max(differences(cold, reference)) < THRESHOLD
    # The old coldpreview (P3 values shown as if sRGB) fails the same comparison.
    assert max(differences(raw, reference)) > THRESHOLD


def saturated(mode: str) -> Image.Image:
    """Strong colours side by side over a photo-like background."""
    image = photo_like(480, 320, seed=7)
    colours = [(220, 30, 30), (30, 200, 40), (40, 60, 220), (240, 200, 20), (200, 40, 200)]
    for index, rgb in enumerate(colours):
        image.paste(rgb, (index * 96, 0, index * 96 + 96, 160))
    if mode == "CMYK":
        # With black ink in the shadows (Pillow's RGB→CMYK uses none, unlike a press).
        black = image.convert("L").point([max(0, 96 - v) * 2 for v in range(256)])
        return Image.merge("CMYK", (*ImageOps.invert(image).split(), black))
    if mode == "I;16":
        return image.convert("L").convert("I").point(lambda v: v * 257).convert("I;16")
    return image.convert(mode)


def as_stored(image: Image.Image) -> Image.Image:
    """The values a viewer applies the profile to: alpha (opaque here) dropped, 16 bits
    reduced to 8."""
    if image.mode == "I;16":
        return image.convert("I").point(lambda v: v / 257).convert("L")
    return image.convert({"RGBA": "RGB", "LA": "L"}.get(image.mode, image.mode))


PROFILES = {
    "display-p3-jpeg": ("RGB", "JPEG", p3_profile),
    "adobe-rgb-jpeg": ("RGB", "JPEG", icc.rgb_profile),
    "adobe-rgb-png": ("RGB", "PNG", icc.rgb_profile),
    "adobe-rgb-tiff": ("RGB", "TIFF", icc.rgb_profile),
    "adobe-rgb-alpha-png": ("RGBA", "PNG", icc.rgb_profile),
    "grey-jpeg": ("L", "JPEG", icc.grey_profile),
    "grey-alpha-png": ("LA", "PNG", icc.grey_profile),
    "grey-16-bit-png": ("I;16", "PNG", icc.grey_profile),
    "grey-16-bit-tiff": ("I;16", "TIFF", icc.grey_profile),
    "cmyk-jpeg": ("CMYK", "JPEG", icc.cmyk_profile),
}


@pytest.mark.parametrize("case", sorted(PROFILES))
def test_files_with_another_profile_get_an_srgb_coldpreview(tmp_path: Path, case: str) -> None:
    mode, file_format, make_profile = PROFILES[case]
    profile = make_profile()
    path = tmp_path / f"image.{file_format.lower()}"
    saturated(mode).save(path, file_format, icc_profile=profile)
    with Image.open(path) as opened:
        assert opened.info["icc_profile"] == profile
        opened.load()
        stored = as_stored(opened)
    reference = icc.srgb_reference(stored, profile)
    result = previews_of(path)
    assert max(differences(decoded(result.coldpreview), reference)) < THRESHOLD
    assert max(differences(stored.convert("RGB"), reference)) > THRESHOLD


def test_the_hotpreview_ignores_the_profile(tmp_path: Path) -> None:
    """Tagged or not, the same pixels give the same hotpreview, so the same hothash."""
    image = saturated("RGB")
    plain, tagged = tmp_path / "plain.jpg", tmp_path / "tagged.jpg"
    image.save(plain, quality=90)
    image.save(tagged, quality=90, icc_profile=p3_profile())
    untagged_result, tagged_result = previews_of(plain), previews_of(tagged)
    assert tagged_result.hotpreview_b64 == untagged_result.hotpreview_b64
    assert tagged_result.hothash == untagged_result.hothash
    assert "icc_profile" not in decoded(base64.b64decode(tagged_result.hotpreview_b64)).info
    # ...while the coldpreviews differ: only they are converted.
    assert (
        max(differences(decoded(tagged_result.coldpreview), decoded(untagged_result.coldpreview)))
        > 1
    )


def test_the_corrected_coldpreview_is_srgb_too(tmp_path: Path) -> None:
    path = CORPUS / P3_PHOTOS[0]
    reference, raw = rendered(path)
    source = tmp_path / "cold.jpg"
    source.write_bytes(previews_of(path).coldpreview)
    result = decoded(
        corrections.corrected(
            source,
            rotation=90,
            horizon_angle=0,
            crop=(0.1, 0.2, 0.9, 0.8),
            exposure_ev=0,
            quality=85,
        )
    )

    def corrected_like(image: Image.Image) -> Image.Image:
        turned = image.transpose(Image.Transpose.ROTATE_270)
        width, height = turned.size
        return turned.crop(
            (round(0.1 * width), round(0.2 * height), round(0.9 * width), round(0.8 * height))
        )

    assert max(differences(result, corrected_like(reference))) < THRESHOLD
    assert max(differences(corrected_like(raw), corrected_like(reference))) > THRESHOLD


async def test_a_corrected_p3_photo_through_the_api(client: Client, tmp_path: Path) -> None:
    folder = tmp_path / "p3"
    folder.mkdir()
    saturated("RGB").save(folder / "tagged.jpg", quality=95, icc_profile=p3_profile())
    session = await register(client, folder)
    assert (session["photo_count"], session["error_count"]) == (1, 0)
    (photo,) = await listing(client)
    response = await client.put(f"/api/photos/{photo}/correction", json={"rotation": 180})
    assert response.status_code == 200, response.text
    shown = decoded((await client.get(f"/api/photos/{photo}/coldpreview")).content)
    with Image.open(folder / "tagged.jpg") as opened:
        opened.load()
        upside_down = opened.transpose(Image.Transpose.ROTATE_180)
    reference = icc.srgb_reference(upside_down, p3_profile())
    assert max(differences(shown, reference)) < THRESHOLD
    assert max(differences(upside_down.convert("RGB"), reference)) > THRESHOLD


_GOOD = icc.rgb_profile()
BROKEN_PROFILES = {
    "garbage": b"this is not a colour profile" * 20,
    "cut in half": _GOOD[: len(_GOOD) // 2],
    "tags past the end": _GOOD[:132] + bytes(200),
    "for CMYK pixels": icc.cmyk_profile(),
}


@pytest.mark.parametrize("kind", sorted(BROKEN_PROFILES))
def test_a_broken_profile_still_registers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    image = saturated("RGB")
    plain, tagged = tmp_path / "plain.jpg", tmp_path / "tagged.jpg"
    image.save(plain, quality=90)
    image.save(tagged, quality=90, icc_profile=BROKEN_PROFILES[kind])
    with caplog.at_level(logging.WARNING, logger="daemon.imaging.previews"):
        result = previews_of(tagged)
    # No conversion: the coldpreview is the one the same pixels give untagged, and the log says why.
    assert result.coldpreview == previews_of(plain).coldpreview
    assert result.hothash == previews_of(plain).hothash
    assert "tagged.jpg" in caplog.text
    assert "not colour-converted" in caplog.text


async def test_a_broken_profile_registers_through_the_api(client: Client, tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    saturated("RGB").save(folder / "a.jpg", icc_profile=b"garbage" * 50)
    saturated("CMYK").save(folder / "b.jpg", icc_profile=icc.rgb_profile())
    session = await register(client, folder)
    assert (session["photo_count"], session["error_count"]) == (2, 0)


@pytest.mark.parametrize("source", ["Canon_40D.jpg", "built"])
def test_an_srgb_profile_is_left_alone(tmp_path: Path, source: str) -> None:
    """Many cameras embed sRGB itself: converting would change nothing, so it costs nothing."""
    if source == "built":
        profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    else:
        with Image.open(CORPUS / "jpg" / source) as opened:
            profile = opened.info["icc_profile"]
    assert colour.to_srgb(profile) is None
    image = saturated("RGB")
    plain, tagged = tmp_path / "plain.jpg", tmp_path / "tagged.jpg"
    image.save(plain, quality=90)
    image.save(tagged, quality=90, icc_profile=profile)
    assert previews_of(tagged).coldpreview == previews_of(plain).coldpreview


def test_transforms_are_built_once_per_profile() -> None:
    colour.to_srgb.cache_clear()
    profile = icc.rgb_profile()
    first = colour.to_srgb(profile)
    assert colour.to_srgb(bytes(profile)) is first  # equal bytes, another object: same transform
    assert colour.to_srgb(icc.rgb_profile(gamma=1.8)) is not first
    assert colour.to_srgb.cache_info().misses == 2
