"""Paths of an exact length in UTF-8 bytes, for the catalog's bound on stored paths."""

from __future__ import annotations

import random
from pathlib import Path

# Characters of one to four bytes: the bound is in bytes, not characters. Mixed at
# random so that PostgreSQL cannot compress the index entry below its limit.
_CHARACTERS = [*"abcdefghijklmnopqrstuvwxyz0123456789", "é", "ø", "日", "本", "📷", "🌄"]
_NAME_BYTES = 200  # below the 255 bytes most filesystems allow a name


def name_of(size: int, rng: random.Random, suffix: str = "") -> str:
    """A name of exactly `size` UTF-8 bytes ending in suffix, random characters before it."""
    left = size - len(suffix.encode())
    assert left >= 1, f"no room for a name of {size} bytes ending in {suffix!r}"
    chars: list[str] = []
    while left > 0:
        char = rng.choice(_CHARACTERS)
        width = len(char.encode())
        if width > left:
            char, width = rng.choice("abcdefghijklmnopqrstuvwxyz"), 1
        chars.append(char)
        left -= width
    return "".join(chars) + suffix


def path_of(base: Path, size: int, suffix: str = ".jpg", seed: int = 0) -> Path:
    """A path under base of exactly `size` UTF-8 bytes (folders of 200 bytes, then a
    file name ending in suffix); nothing is made on disk."""
    rng = random.Random(seed)
    path = base
    left = size - len(str(base).encode())
    # The last part gets between 50 and 250 bytes, after its "/".
    while left - 1 > 250:
        folder = min(_NAME_BYTES, left - 1 - 50 - 1)
        path /= name_of(folder, rng)
        left -= 1 + folder
    path /= name_of(left - 1, rng, suffix)
    assert len(str(path).encode()) == size
    return path


def first_too_long(path: Path, most: int) -> Path:
    """The first part of the way to path (path itself last) longer than `most` bytes."""
    return next(p for p in (*reversed(path.parents), path) if len(str(p).encode()) > most)
