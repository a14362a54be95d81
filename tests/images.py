"""Test images: the shared camera corpus, and generated files for what it lacks."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "exif-samples"


def photo_like(width: int, height: int, seed: int) -> Image.Image:
    """An image with smooth gradients and noise, like a photo (compresses like one)."""
    rng = random.Random(seed)
    small = Image.new("RGB", (16, 12))
    small.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(16 * 12)])
    image = small.resize((width, height), Image.Resampling.BICUBIC)
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    return Image.blend(image, noise, 0.15)


def exif_bytes(orientation: int = 1, when: str = "2024:06:01 12:00:00") -> bytes:
    """A small EXIF block with orientation, camera and time."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Testmaker"
    exif[0x0110] = "Model 1"
    exif.get_ifd(0x8769)[0x9003] = when
    return exif.tobytes()


def write_jpeg(
    path: Path, width: int, height: int, *, seed: int, orientation: int = 1, quality: int = 90
) -> Path:
    """Write a photo-like JPEG with EXIF."""
    path.parent.mkdir(parents=True, exist_ok=True)
    photo_like(width, height, seed).save(
        path, "JPEG", quality=quality, exif=exif_bytes(orientation)
    )
    return path


def jpeg_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()
