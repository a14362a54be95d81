"""Draws the icons; `python -m tray.render_icons` rewrites tray/icons and installers/icons."""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

from tray.icons import ICON_STATES, IconState

SIZE = 64
# Drawn large and scaled down once: Pillow's shapes have no anti-aliasing of their own.
SCALE = 4
ICON_DIR = Path(__file__).with_name("icons")
# The program's icon for launchers and installers, outside the package: only the build
# and the packages use it.
APP_ICON_DIR = Path(__file__).resolve().parents[1] / "installers" / "icons"
APP_SIZE = 256
APP_ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)

Colour = tuple[int, int, int, int]

# A dark outline around light shapes keeps every icon visible on dark and light panels.
DARK = (26, 26, 26, 255)
LIGHT = (236, 236, 236, 255)
WHITE = (255, 255, 255, 255)
HILL = (120, 120, 120, 255)

# Badge colour and glyph colour per state; the glyph is dark where white would fade.
BADGES: dict[IconState, tuple[Colour, Colour]] = {
    "starting": ((128, 128, 128, 255), WHITE),
    "idle": ((34, 150, 52, 255), WHITE),
    "working": ((36, 104, 214, 255), WHITE),
    "attention": ((245, 170, 0, 255), DARK),
    "error": ((214, 40, 40, 255), WHITE),
}

# The badge with its outline ends 2.5 units inside the canvas: at 22 px a unit is a
# third of a pixel, and a badge touching the edge was cut off by the scaling.
BADGE_CENTRE = (40.0, 40.0)
BADGE_RADIUS = 19.0


def render(state: IconState, size: int = SIZE) -> Image.Image:
    """The icon for `state`: a square RGBA image, `size` pixels wide."""
    k = size * SCALE / SIZE
    big = Image.new("RGBA", (size * SCALE, size * SCALE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    _photo(draw, k)
    fill, ink = BADGES[state]
    cx, cy = BADGE_CENTRE
    _circle(draw, k, cx, cy, BADGE_RADIUS + 2.5, DARK)
    _circle(draw, k, cx, cy, BADGE_RADIUS, fill)
    _GLYPHS[state](draw, k, cx, cy, ink)
    return big.resize((size, size), Image.Resampling.LANCZOS)


def render_app() -> Image.Image:
    """The program's own icon (menus, installers, the macOS bundle): "all photos safe"."""
    return render("idle", APP_SIZE)


def main() -> None:
    """Rewrite every committed icon from `render`, and the program's icon in each format."""
    ICON_DIR.mkdir(exist_ok=True)
    for state in ICON_STATES:
        render(state).save(ICON_DIR / f"{state}.png", optimize=True)
    app = render_app()
    APP_ICON_DIR.mkdir(exist_ok=True)
    app.save(APP_ICON_DIR / "hotprevue.png", optimize=True)
    # Windows picks the size it needs from the .ico, macOS from the .icns.
    app.save(APP_ICON_DIR / "hotprevue.ico", sizes=[(s, s) for s in APP_ICO_SIZES])
    app.save(APP_ICON_DIR / "hotprevue.icns")


def _s(k: float, *units: float) -> list[float]:
    return [u * k for u in units]


def _circle(
    draw: ImageDraw.ImageDraw, k: float, cx: float, cy: float, r: float, fill: Colour
) -> None:
    draw.ellipse(_s(k, cx - r, cy - r, cx + r, cy + r), fill=fill)


def _photo(draw: ImageDraw.ImageDraw, k: float) -> None:
    # A landscape print: light card, dark border, a hill and a sun.
    draw.rounded_rectangle(_s(k, 2, 6, 52, 46), radius=round(7 * k), fill=DARK)
    draw.rounded_rectangle(_s(k, 5.5, 9.5, 48.5, 42.5), radius=round(4 * k), fill=LIGHT)
    draw.polygon(_s(k, 8, 40, 20, 22, 30, 34, 8, 40), fill=HILL)
    _circle(draw, k, 16, 17, 4, HILL)


def _check(draw: ImageDraw.ImageDraw, k: float, cx: float, cy: float, ink: Colour) -> None:
    draw.line(
        _s(k, cx - 9, cy + 1, cx - 3, cy + 7, cx + 9, cy - 7),
        fill=ink,
        width=round(6 * k),
        joint="curve",
    )


def _cross(draw: ImageDraw.ImageDraw, k: float, cx: float, cy: float, ink: Colour) -> None:
    d = 7.5
    draw.line(_s(k, cx - d, cy - d, cx + d, cy + d), fill=ink, width=round(6 * k))
    draw.line(_s(k, cx - d, cy + d, cx + d, cy - d), fill=ink, width=round(6 * k))


def _bang(draw: ImageDraw.ImageDraw, k: float, cx: float, cy: float, ink: Colour) -> None:
    draw.rounded_rectangle(
        _s(k, cx - 3.5, cy - 13, cx + 3.5, cy + 3), radius=round(3 * k), fill=ink
    )
    _circle(draw, k, cx, cy + 9, 3.8, ink)


def _arrows(draw: ImageDraw.ImageDraw, k: float, cx: float, cy: float, ink: Colour) -> None:
    # Two arcs chasing each other: the usual "sync in progress" sign.
    r, w = 10.0, 5.0
    for start in (200.0, 20.0):
        draw.arc(
            _s(k, cx - r, cy - r, cx + r, cy + r), start, start + 110, fill=ink, width=round(w * k)
        )
        end = math.radians(start + 110)
        tip_x, tip_y = cx + r * math.cos(end), cy + r * math.sin(end)
        # The arrowhead points along the direction of travel (clockwise on screen).
        along = (-math.sin(end), math.cos(end))
        out = (math.cos(end), math.sin(end))
        head = 6.5
        draw.polygon(
            _s(k,
                tip_x + along[0] * head, tip_y + along[1] * head,
                tip_x + out[0] * head, tip_y + out[1] * head,
                tip_x - out[0] * head, tip_y - out[1] * head,
            ),
            fill=ink,
        )  # fmt: skip


def _hourglass(draw: ImageDraw.ImageDraw, k: float, cx: float, cy: float, ink: Colour) -> None:
    w, h = 8.0, 11.0
    draw.polygon(_s(k, cx - w, cy - h, cx + w, cy - h, cx, cy), fill=ink)
    draw.polygon(_s(k, cx - w, cy + h, cx + w, cy + h, cx, cy), fill=ink)
    draw.line(_s(k, cx - w - 1, cy - h, cx + w + 1, cy - h), fill=ink, width=round(3 * k))
    draw.line(_s(k, cx - w - 1, cy + h, cx + w + 1, cy + h), fill=ink, width=round(3 * k))


_GLYPHS = {
    "starting": _hourglass,
    "idle": _check,
    "working": _arrows,
    "attention": _bang,
    "error": _cross,
}


if __name__ == "__main__":
    main()
