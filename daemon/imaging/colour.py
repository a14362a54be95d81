"""Embedded colour profiles → sRGB, through LittleCMS (Pillow's ImageCms).

Coldpreviews are written as untagged JPEGs in sRGB, which every consumer (browsers,
the tray, other tools) shows as intended without colour management of its own.
The pixels of a photo tagged with another profile (Display P3 from iPhones, Adobe
RGB, a CMYK press profile, a grey profile) are converted here.

Rendering intent: relative colorimetric with black-point compensation. For the
matrix/TRC profiles every camera and phone writes, LittleCMS has no other intent
to offer (perceptual gives the same pixels), and colorimetric is what a colour-
managed browser shows: colours inside sRGB stay exact, the few outside are
clipped. For LUT profiles (CMYK presses) it is the usual default of photo
software, and black-point compensation keeps a press black black instead of a
dark grey.
"""

from __future__ import annotations

import functools
import io
import itertools
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageCms

INTENT = ImageCms.Intent.RELATIVE_COLORIMETRIC
FLAGS = ImageCms.Flags.BLACKPOINTCOMPENSATION
# The modes a profile's colour space takes its pixels in.
_INPUT_MODES = {"RGB": "RGB", "GRAY": "L", "CMYK": "CMYK"}


class ProfileError(Exception):
    """The embedded profile cannot be used; the message says why."""


@dataclass(frozen=True)
class ToSrgb:
    """A built transform from one embedded profile to sRGB."""

    name: str
    input_mode: str
    transform: ImageCms.ImageCmsTransform

    def apply(self, image: Image.Image) -> Image.Image:
        """The image (in input_mode) converted to 8-bit sRGB."""
        return self.transform.apply(image)


@functools.cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@functools.cache
def _probes() -> dict[str, Image.Image]:
    """Sample pixels of each input mode: a 17-step RGB cube, a full grey ramp."""
    steps = [round(i * 255 / 16) for i in range(17)]
    cube = Image.new("RGB", (len(steps) ** 3, 1))
    cube.putdata(list(itertools.product(steps, repeat=3)))
    ramp = Image.new("L", (256, 1))
    ramp.putdata(range(256))
    return {"RGB": cube, "L": ramp}


def _changes_nothing(transform: ImageCms.ImageCmsTransform, mode: str) -> bool:
    """Whether the transform moves no value by more than 1 (an sRGB profile, in effect)."""
    probe = _probes().get(mode)
    if probe is None:
        return False
    difference = ImageChops.difference(transform.apply(probe), probe.convert("RGB"))
    # Differences of 0 and 1 become black, larger ones white: no box means none.
    return difference.point([0, 0, *[255] * 254] * 3).getbbox() is None


# Building a transform costs milliseconds (more for big CMYK profiles), applying it
# to a preview tens of them: a worker builds each distinct profile once, and skips
# the ones that change nothing (sRGB, which many cameras embed). Photos of one
# camera or phone share one profile, so a handful of entries covers a session.
@functools.lru_cache(maxsize=16)
def to_srgb(profile: bytes) -> ToSrgb | None:
    """The transform from an embedded ICC profile (its bytes) to sRGB; None when
    the profile is sRGB in effect, so there is nothing to convert."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        space = source.profile.xcolor_space.strip()
        mode = _INPUT_MODES.get(space)
        if mode is None:
            raise ProfileError(f"colour space {space!r} is not RGB, grey or CMYK")
        transform = ImageCms.buildTransform(
            source, _srgb(), mode, "RGB", renderingIntent=INTENT, flags=FLAGS
        )
        name = ImageCms.getProfileDescription(source).strip()
    except (OSError, ImageCms.PyCMSError, ValueError, TypeError) as exc:
        raise ProfileError(f"unreadable colour profile: {exc}") from None
    if _changes_nothing(transform, mode):
        return None
    return ToSrgb(name=name or "unnamed profile", input_mode=mode, transform=transform)
