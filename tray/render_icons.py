"""Draws the tray icons; `python -m tray.render_icons` rewrites the PNGs in tray/icons."""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

from tray.icons import ICON_STATES, IconState

SIZE = 64
# Drawn large and scaled down once: Pillow's shapes have no anti-aliasing of their own.
SCALE = 4
ICON_DIR = Path(__file__).with_name("icons")

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

BADGE_CENTRE = (44.0, 44.0)
BADGE_RADIUS = 19.0


def render(state: IconState) -> Image.Image:
    """The icon for `state`: a square RGBA image, SIZE pixels wide."""
    big = Image.new("RGBA", (SIZE * SCALE, SIZE * SCALE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    _photo(draw)
    fill, ink = BADGES[state]
    cx, cy = BADGE_CENTRE
    _circle(draw, cx, cy, BADGE_RADIUS + 2.5, DARK)
    _circle(draw, cx, cy, BADGE_RADIUS, fill)
    _GLYPHS[state](draw, cx, cy, ink)
    return big.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def main() -> None:
    """Rewrite every committed icon from `render`."""
    ICON_DIR.mkdir(exist_ok=True)
    for state in ICON_STATES:
        render(state).save(ICON_DIR / f"{state}.png", optimize=True)


def _s(*units: float) -> list[float]:
    return [u * SCALE for u in units]


def _circle(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill: Colour) -> None:
    draw.ellipse(_s(cx - r, cy - r, cx + r, cy + r), fill=fill)


def _photo(draw: ImageDraw.ImageDraw) -> None:
    # A landscape print: light card, dark border, a hill and a sun.
    draw.rounded_rectangle(_s(2, 6, 52, 46), radius=7 * SCALE, fill=DARK)
    draw.rounded_rectangle(_s(5.5, 9.5, 48.5, 42.5), radius=4 * SCALE, fill=LIGHT)
    draw.polygon(_s(8, 40, 20, 22, 30, 34, 8, 40), fill=HILL)
    _circle(draw, 16, 17, 4, HILL)


def _check(draw: ImageDraw.ImageDraw, cx: float, cy: float, ink: Colour) -> None:
    draw.line(
        _s(cx - 9, cy + 1, cx - 3, cy + 7, cx + 9, cy - 7), fill=ink, width=6 * SCALE, joint="curve"
    )


def _cross(draw: ImageDraw.ImageDraw, cx: float, cy: float, ink: Colour) -> None:
    d = 7.5
    draw.line(_s(cx - d, cy - d, cx + d, cy + d), fill=ink, width=6 * SCALE)
    draw.line(_s(cx - d, cy + d, cx + d, cy - d), fill=ink, width=6 * SCALE)


def _bang(draw: ImageDraw.ImageDraw, cx: float, cy: float, ink: Colour) -> None:
    draw.rounded_rectangle(_s(cx - 3.5, cy - 13, cx + 3.5, cy + 3), radius=3 * SCALE, fill=ink)
    _circle(draw, cx, cy + 9, 3.8, ink)


def _arrows(draw: ImageDraw.ImageDraw, cx: float, cy: float, ink: Colour) -> None:
    # Two arcs chasing each other: the usual "sync in progress" sign.
    r, w = 10.0, 5.0
    for start in (200.0, 20.0):
        draw.arc(
            _s(cx - r, cy - r, cx + r, cy + r), start, start + 110, fill=ink, width=int(w * SCALE)
        )
        end = math.radians(start + 110)
        tip_x, tip_y = cx + r * math.cos(end), cy + r * math.sin(end)
        # The arrowhead points along the direction of travel (clockwise on screen).
        along = (-math.sin(end), math.cos(end))
        out = (math.cos(end), math.sin(end))
        head = 6.5
        draw.polygon(
            _s(
                tip_x + along[0] * head, tip_y + along[1] * head,
                tip_x + out[0] * head, tip_y + out[1] * head,
                tip_x - out[0] * head, tip_y - out[1] * head,
            ),
            fill=ink,
        )  # fmt: skip


def _hourglass(draw: ImageDraw.ImageDraw, cx: float, cy: float, ink: Colour) -> None:
    w, h = 8.0, 11.0
    draw.polygon(_s(cx - w, cy - h, cx + w, cy - h, cx, cy), fill=ink)
    draw.polygon(_s(cx - w, cy + h, cx + w, cy + h, cx, cy), fill=ink)
    draw.line(_s(cx - w - 1, cy - h, cx + w + 1, cy - h), fill=ink, width=3 * SCALE)
    draw.line(_s(cx - w - 1, cy + h, cx + w + 1, cy + h), fill=ink, width=3 * SCALE)


_GLYPHS = {
    "starting": _hourglass,
    "idle": _check,
    "working": _arrows,
    "attention": _bang,
    "error": _cross,
}


if __name__ == "__main__":
    main()
