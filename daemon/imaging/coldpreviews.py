"""Coldpreview files on disk: <dir>/<hothash[0:2]>/<hothash[2:4]>/<hothash>.jpg."""

from __future__ import annotations

import os
from pathlib import Path


def relative_path(hothash: str) -> str:
    """The file's path under the coldpreview directory (stored in photos.coldpreview_path)."""
    return f"{hothash[0:2]}/{hothash[2:4]}/{hothash}.jpg"


def write(root: Path, hothash: str, data: bytes) -> str:
    """Write atomically (temp + fsync + rename): a crash never leaves half a file."""
    relative = relative_path(hothash)
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with temp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temp.replace(target)
    return relative
