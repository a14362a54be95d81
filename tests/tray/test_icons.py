"""The committed tray icons: one per state, in step with their renderer, readable when small."""

from __future__ import annotations

from itertools import combinations

import pytest
from PIL import Image, ImageChops, ImageStat

from tray.icons import ICON_STATES, IconState, icon_image
from tray.render_icons import APP_ICO_SIZES, APP_ICON_DIR, APP_SIZE, render, render_app

PANELS = {"dark": (32, 32, 32), "light": (240, 240, 240)}
SMALL = 16
# WCAG's minimum contrast for graphics; a quarter of the small icon must reach it.
MIN_CONTRAST = 3.0
MIN_SHARE = 0.25


def _luminance(rgb: tuple[int, ...]) -> float:
    def linear(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _on_panel(icon: Image.Image, panel: tuple[int, int, int]) -> Image.Image:
    small = icon.resize((SMALL, SMALL), Image.Resampling.LANCZOS)
    ground = Image.new("RGBA", small.size, (*panel, 255))
    ground.alpha_composite(small)
    return ground.convert("RGB")


def _contrasting_share(icon: Image.Image, panel: tuple[int, int, int]) -> float:
    """Share of the icon's pixels, shown small on `panel`, that stand out from it."""
    back = _luminance(panel)
    raw = _on_panel(icon, panel).tobytes()
    pixels = [tuple(raw[i : i + 3]) for i in range(0, len(raw), 3)]
    strong = 0
    for pixel in pixels:
        lum = _luminance(pixel)
        lighter, darker = max(lum, back), min(lum, back)
        if (lighter + 0.05) / (darker + 0.05) >= MIN_CONTRAST:
            strong += 1
    return strong / len(pixels)


def test_every_state_has_an_icon() -> None:
    assert set(ICON_STATES) == {"starting", "idle", "working", "attention", "error"}
    for state in ICON_STATES:
        image = icon_image(state)
        assert image.mode == "RGBA"
        assert image.size == (64, 64)
        # Not blank: a real share of the square is opaque.
        assert ImageStat.Stat(image.getchannel("A")).mean[0] > 100


@pytest.mark.parametrize("state", ICON_STATES)
def test_committed_icon_matches_renderer(state: IconState) -> None:
    # `python -m tray.render_icons` rewrites them; a drift means someone forgot to.
    committed = icon_image(state)
    assert committed.tobytes() == render(state).tobytes()


def test_states_are_distinct_when_small() -> None:
    small = {s: icon_image(s).resize((SMALL, SMALL), Image.Resampling.LANCZOS) for s in ICON_STATES}
    for a, b in combinations(ICON_STATES, 2):
        diff = ImageStat.Stat(ImageChops.difference(small[a], small[b]).convert("L"))
        assert diff.mean[0] > 8, f"{a} and {b} look alike at {SMALL} px"


@pytest.mark.parametrize("panel", PANELS)
@pytest.mark.parametrize("state", ICON_STATES)
def test_readable_on_dark_and_light_panels(state: IconState, panel: str) -> None:
    share = _contrasting_share(icon_image(state), PANELS[panel])
    assert share >= MIN_SHARE, f"{state} on the {panel} panel: {share:.0%} of pixels stand out"


def test_contrast_check_rejects_a_dull_icon() -> None:
    # The check above must be able to fail: a plain dark-grey square vanishes on a dark panel.
    dull = Image.new("RGBA", (64, 64), (48, 48, 48, 255))
    assert _contrasting_share(dull, PANELS["dark"]) < MIN_SHARE
    # And a light one on a light panel.
    pale = Image.new("RGBA", (64, 64), (215, 215, 215, 255))
    assert _contrasting_share(pale, PANELS["light"]) < MIN_SHARE


def test_the_program_icon_in_each_format_matches_the_renderer() -> None:
    # Launchers, the installers and the macOS bundle show it; rewritten with the rest.
    expected = render_app()
    with Image.open(APP_ICON_DIR / "hotprevue.png") as png:
        assert png.size == (APP_SIZE, APP_SIZE)
        assert png.convert("RGBA").tobytes() == expected.tobytes()
    with Image.open(APP_ICON_DIR / "hotprevue.ico") as ico:
        assert set(ico.info["sizes"]) == {(s, s) for s in APP_ICO_SIZES}
        assert ico.size == (APP_SIZE, APP_SIZE)
        assert ico.convert("RGBA").tobytes() == expected.tobytes()
    with Image.open(APP_ICON_DIR / "hotprevue.icns") as icns:
        assert (APP_SIZE, APP_SIZE, 1) in icns.info["sizes"]
        assert icns.convert("RGBA").resize(expected.size).getchannel("A").getbbox()
