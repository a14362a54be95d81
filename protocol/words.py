"""Words for counts, shared by every client so each says "1 photo" and "2 photos" alike."""

from __future__ import annotations


def plural(n: int, one: str, many: str | None = None) -> str:
    """`n` with its noun: "1 photo", "2 photos", "1,234 photos" (`many` for irregular plurals)."""
    noun = one if n == 1 else (many if many is not None else f"{one}s")
    return f"{n:,} {noun}"
