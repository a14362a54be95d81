"""Small ICC v2 profiles written from their definition, for images in other colour spaces.

Pillow can only create sRGB, Lab and XYZ profiles; tests need Adobe RGB, grey and
CMYK ones too, and the bytes of a profile to break.
"""

from __future__ import annotations

import io
import itertools
import struct

from PIL import Image, ImageCms

D50 = (0.9642, 1.0, 0.8249)
# The colorants of Adobe RGB (1998), adapted to D50 as its own profile states them.
ADOBE_RGB = ((0.6097, 0.3111, 0.0195), (0.2053, 0.6257, 0.0609), (0.1492, 0.0632, 0.7446))


def _fixed(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(values: tuple[float, float, float]) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_fixed(v) for v in values)


def _gamma(value: float) -> bytes:
    return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(value * 256))


def _desc(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    return (
        b"desc\0\0\0\0"
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        + struct.pack(">II", 0, 0)
        + struct.pack(">HB", 0, 0)
        + bytes(67)
    )


def _profile(device_class: bytes, space: bytes, pcs: bytes, tags: dict[bytes, bytes]) -> bytes:
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    table, data = [struct.pack(">I", len(tags))], []
    for signature, body in tags.items():
        padded = body + bytes(-len(body) % 4)
        table.append(signature + struct.pack(">II", offset, len(body)))
        data.append(padded)
        offset += len(padded)
    header = (
        struct.pack(">I", offset)
        + b"lcms"
        + struct.pack(">I", 0x02100000)
        + device_class
        + space
        + pcs
        + bytes(12)
        + b"acsp"
        + bytes(24)
        + struct.pack(">I", 0)
        + b"".join(_fixed(v) for v in D50)
        + bytes(48)
    )
    assert len(header) == 128
    return header + b"".join(table) + b"".join(data)


def rgb_profile(
    name: str = "Adobe RGB (1998) like",
    colorants: tuple[tuple[float, float, float], ...] = ADOBE_RGB,
    gamma: float = 563 / 256,
) -> bytes:
    """A matrix/TRC RGB display profile (Adobe RGB by default)."""
    red, green, blue = colorants
    return _profile(
        b"mntr",
        b"RGB ",
        b"XYZ ",
        {
            b"desc": _desc(name),
            b"wtpt": _xyz(D50),
            b"rXYZ": _xyz(red),
            b"gXYZ": _xyz(green),
            b"bXYZ": _xyz(blue),
            b"rTRC": _gamma(gamma),
            b"gTRC": _gamma(gamma),
            b"bTRC": _gamma(gamma),
        },
    )


def grey_profile(gamma: float = 1.0) -> bytes:
    """A grey profile with a pure power curve (linear by default, so far from sRGB)."""
    return _profile(
        b"mntr",
        b"GRAY",
        b"XYZ ",
        {b"desc": _desc(f"Grey gamma {gamma}"), b"wtpt": _xyz(D50), b"kTRC": _gamma(gamma)},
    )


def cmyk_profile() -> bytes:
    """A press-like CMYK profile: a 2-point lut8 CMYK → Lab with inks a little dull
    and a black that is dark grey (L* 20), so that black-point compensation shows."""
    corners = list(itertools.product((0, 1), repeat=4))  # the first channel varies slowest
    rgb = Image.new("RGB", (len(corners), 1))
    for index, (c, m, y, k) in enumerate(corners):
        ink = 1 - 0.8 * k
        rgb.putpixel(
            (index, 0),
            tuple(round(255 * (1 - 0.85 * v) * ink) for v in (c, m, y)),
        )
    lab = ImageCms.applyTransform(
        rgb,
        ImageCms.buildTransform(
            ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"
        ),
    )
    assert lab is not None
    # Pillow holds a* and b* offset by 128 inside (its LAB bytes are signed): the
    # lut8 encoding of Lab.
    clut = Image.merge("RGB", lab.split()).tobytes()
    ramp = bytes(range(256))
    lut = (
        b"mft1\0\0\0\0"
        + struct.pack(">BBBB", 4, 3, 2, 0)
        + b"".join(_fixed(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
        + ramp * 4
        + clut
        + ramp * 3
    )
    return _profile(
        b"prtr",
        b"CMYK",
        b"Lab ",
        {b"desc": _desc("Test press CMYK"), b"wtpt": _xyz(D50), b"A2B0": lut},
    )


def srgb_reference(image: Image.Image, profile: bytes) -> Image.Image:
    """The image rendered to sRGB by LittleCMS, as a colour-managed viewer shows it."""
    converted = ImageCms.profileToProfile(
        image,
        ImageCms.ImageCmsProfile(io.BytesIO(profile)),
        ImageCms.createProfile("sRGB"),
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        outputMode="RGB",
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )
    assert converted is not None
    return converted
