"""Test images: the camera corpus, and generated files for what it lacks."""

from __future__ import annotations

import io
import os
import random
import re
from pathlib import Path

from PIL import Image

# Real camera files kept in the repository; ATTRIBUTION.md there names each file's source
# and licence.
BUNDLED_CORPUS = Path(__file__).resolve().parents[1] / "corpus"
# Points the tests at a bigger corpus of the same layout (such as the whole exif-samples
# set); CI runs the tests marked `corpus` once more against it when it is present.
CORPUS_VARIABLE = "HOTPREVUE_TEST_CORPUS"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".heic", ".heif", ".tif", ".tiff"})


def corpus_folder() -> Path:
    """The corpus in use: HOTPREVUE_TEST_CORPUS if set, else the bundled one."""
    configured = os.environ.get(CORPUS_VARIABLE)
    folder = Path(configured).resolve() if configured else BUNDLED_CORPUS
    if not folder.is_dir():
        # Loud, never a silent skip: an empty corpus would make the corpus-wide tests vacuous.
        raise RuntimeError(f"{CORPUS_VARIABLE}={configured}: no such folder")
    return folder


CORPUS = corpus_folder()


def corpus_files(folder: Path = CORPUS) -> list[Path]:
    """Every file under folder (the read-mes and ATTRIBUTION.md too), sorted."""
    return sorted(p for p in folder.rglob("*") if p.is_file())


def corpus_images(folder: Path = CORPUS) -> list[Path]:
    """Every image file under folder, by suffix, sorted; never empty."""
    images = [p for p in corpus_files(folder) if p.suffix.lower() in IMAGE_SUFFIXES]
    if not images:
        raise RuntimeError(f"no image files in {folder}")
    return images


# Files of the full corpus whose image data is damaged (the bundled subset has none):
# each is catalogued and flagged damaged, never refused.
DAMAGED = frozenset({"jpg/corrupted.jpg"})


def corpus_damaged(folder: Path = CORPUS) -> list[Path]:
    """The image files under folder that DAMAGED names."""
    return [p for p in corpus_images(folder) if p.relative_to(folder).as_posix() in DAMAGED]


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


def restart_jpeg() -> bytes:
    """A real encoder's JPEG with restart markers (as many cameras and phones write)."""
    out = io.BytesIO()
    photo_like(800, 600, seed=5).save(out, "JPEG", quality=90, restart_marker_rows=1)
    return out.getvalue()


def with_data_lost(data: bytes) -> bytes:
    """The same file with a stretch of picture data gone, still ending at its end marker:
    it decodes, with part of the picture grey (catalogued, flagged damaged)."""
    markers = [m.start() for m in re.finditer(rb"\xff[\xd0-\xd7]", data)]
    return data[: markers[5]] + data[markers[9] :]
