"""Corrected coldpreviews: rotation → horizon → crop → exposure, from the original one."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Protocol

from PIL import Image

_ROTATE = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


class Values(Protocol):
    """What a correction says, whichever row or message carries it."""

    @property
    def rotation(self) -> int: ...
    @property
    def horizon_angle(self) -> float: ...
    @property
    def exposure_ev(self) -> float: ...
    @property
    def crop_left(self) -> float: ...
    @property
    def crop_top(self) -> float: ...
    @property
    def crop_right(self) -> float: ...
    @property
    def crop_bottom(self) -> float: ...


def apply(source: Path, values: Values, quality: int) -> bytes:
    """The corrected JPEG of a correction's values (see `corrected`)."""
    return corrected(
        source,
        rotation=values.rotation,
        horizon_angle=values.horizon_angle,
        crop=(values.crop_left, values.crop_top, values.crop_right, values.crop_bottom),
        exposure_ev=values.exposure_ev,
        quality=quality,
    )


def corrected(
    source: Path,
    *,
    rotation: int,
    horizon_angle: float,
    crop: tuple[float, float, float, float],
    exposure_ev: float,
    quality: int,
) -> bytes:
    """The corrected JPEG; the source coldpreview is only read."""
    with Image.open(source) as opened:
        image = opened.convert("RGB")
    if rotation in _ROTATE:  # clockwise, as a user turns a photo
        image = image.transpose(_ROTATE[rotation])
    if horizon_angle:
        image = _level(image, horizon_angle)
    left, top, right, bottom = crop
    width, height = image.size
    # A crop thinner than a pixel keeps one (a sliver, never an empty picture), inside it.
    x0 = min(round(left * width), width - 1)
    y0 = min(round(top * height), height - 1)
    box = (x0, y0, max(round(right * width), x0 + 1), max(round(bottom * height), y0 + 1))
    if box != (0, 0, width, height):
        image = image.crop(box)
    if exposure_ev:
        factor = 2.0**exposure_ev
        image = image.point([min(255, round(v * factor)) for v in range(256)] * 3)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _level(image: Image.Image, angle: float) -> Image.Image:
    """Rotate by a small angle (positive: counter-clockwise) and cut away the empty corners."""
    width, height = image.size
    rotated = image.rotate(angle, Image.Resampling.BICUBIC, expand=False)
    # The largest axis-aligned rectangle of the same aspect inside the rotated frame.
    theta = math.radians(abs(angle))
    scale = 1 / (math.cos(theta) + math.sin(theta) * max(width / height, height / width))
    inner_w, inner_h = width * scale, height * scale
    left, top = (width - inner_w) / 2, (height - inner_h) / 2
    return rotated.crop((round(left), round(top), round(left + inner_w), round(top + inner_h)))
