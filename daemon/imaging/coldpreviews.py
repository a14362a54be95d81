"""Coldpreview files on disk: <dir>/<hothash[0:2]>/<hothash[2:4]>/<hothash>.jpg."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def relative_path(hothash: str) -> str:
    """The file's path under the coldpreview directory (stored in photos.coldpreview_path)."""
    return f"{hothash[0:2]}/{hothash[2:4]}/{hothash}.jpg"


INCOMING = ".incoming"


def write(root: Path, hothash: str, data: bytes) -> str:
    """Write a photo's coldpreview; returns its relative path."""
    relative = relative_path(hothash)
    write_at(root, relative, data)
    return relative


def write_at(root: Path, relative: str, data: bytes) -> None:
    """Write atomically (temp + fsync + rename): a crash never leaves half a file.

    Temp files live in one folder, so that clearing what a crash left behind
    never means walking the whole coldpreview tree."""
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming = root / INCOMING
    incoming.mkdir(exist_ok=True)
    # Unique per write: two writes of one photo's file at once never share a temp file.
    temp = incoming / f"{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    with temp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temp.replace(target)


def clear_incoming(root: Path) -> int:
    """Remove half-written files a crash left; return how many there were."""
    incoming = root / INCOMING
    if not incoming.is_dir():
        return 0
    removed = 0
    for leftover in incoming.iterdir():
        leftover.unlink(missing_ok=True)
        removed += 1
    return removed


def corrected_relative_path(hothash: str) -> str:
    """Where a photo's corrected coldpreview lives (the original one is never replaced)."""
    return f"corrected/{hothash[0:2]}/{hothash}.jpg"
