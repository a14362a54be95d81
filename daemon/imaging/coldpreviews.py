"""Coldpreview files on disk: <dir>/<hothash[0:2]>/<hothash[2:4]>/<hothash>.jpg, and the
check of one a machine uploads to central."""

from __future__ import annotations

import io
import math
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, JpegImagePlugin

from daemon.errors import Invalid

MB = 1024 * 1024
# A complete JPEG spends at least one bit on every 8x8 block of its largest component
# (the block's DC coefficient), so it cannot hold more than 64 * 8 pixels a byte. A file
# that claims more is cut short or made to take memory: libjpeg allocates for the size
# the header claims before it reads a scan. Measured: Hotprevue's coldpreviews of a
# flat frame hold 61 pixels a byte (83 in grey), the densest file of tests/corpus 50;
# an optimised grey JPEG of a flat frame, the densest any encoder writes, 245.
MAX_PIXELS_PER_BYTE = 512
# What the checks of uploaded coldpreviews may hold at once, together: a progressive
# 8000 x 5333 px JPEG needs 128 MB of it; a coldpreview Hotprevue makes needs ~1 MB.
CHECK_MEMORY = 256 * MB
# Pillow's and libjpeg's own state and row buffers, whatever the size.
_CHECK_FIXED = 2 * MB
# A progressive JPEG's coefficients (2 bytes each, 64 a block) are all kept until the
# last scan, at full size whatever the scale of the decode: 3 bytes a pixel for 4:2:0,
# 6 for 4:4:4.
_COEFFICIENT_BYTES = 2 * 64


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


class MemoryBudget:
    """Bytes that work running at once in this process may hold together: each piece of
    work waits until its share is free (work runs in threads, on any event loop)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self._free = total
        self._changed = threading.Condition()

    @contextmanager
    def reserve(self, amount: int) -> Iterator[None]:
        """Hold `amount` bytes (at most the total) while the block runs."""
        if amount > self.total:
            raise ValueError(f"{amount} bytes is more than the whole budget ({self.total})")
        with self._changed:
            self._changed.wait_for(lambda: self._free >= amount)
            self._free -= amount
        try:
            yield
        finally:
            with self._changed:
                self._free += amount
                self._changed.notify_all()


# One per process: the uploads of every machine share the memory of central's one process.
UPLOAD_CHECKS = MemoryBudget(CHECK_MEMORY)


def check_upload(data: bytes, *, max_px: int) -> None:
    """Raise Invalid unless the bytes are a JPEG central would serve as a coldpreview.

    The header alone decides whether the file may be decoded: its size (8000 x 8000 px
    stays under Pillow's decompression-bomb limit), its pixels per byte and the memory
    the decode takes. Then a decode at 1/8 scale reads every coded block, so that damaged
    data fails, at a fraction of a full decode's time and memory; the decodes running at
    once stay within CHECK_MEMORY."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "JPEG" or not isinstance(image, JpegImagePlugin.JpegImageFile):
                raise Invalid(f"a coldpreview is a JPEG, not {image.format or 'unknown'}")
            width, height = image.size
            if max(width, height) > max_px:
                raise Invalid(
                    f"a coldpreview is at most {max_px} px on its long side, "
                    f"not {max(width, height)}"
                )
            if width * height > MAX_PIXELS_PER_BYTE * len(data):
                raise Invalid(
                    f"a JPEG of {len(data):,} bytes cannot hold the {width} x {height} px "
                    f"its header claims (at most {MAX_PIXELS_PER_BYTE} px a byte): the "
                    "coldpreview is cut short or made to exhaust central's memory"
                )
            image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
            cost = check_cost(image, width, height)
            if cost > CHECK_MEMORY:
                raise Invalid(
                    f"checking this {width} x {height} px progressive JPEG would take "
                    f"{math.ceil(cost / MB)} MB, more than central gives the check of a "
                    f"coldpreview ({CHECK_MEMORY // MB} MB): send it as a baseline JPEG"
                )
            with UPLOAD_CHECKS.reserve(cost):
                image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise Invalid(f"coldpreview is not a readable JPEG: {exc}") from None


def check_cost(image: JpegImagePlugin.JpegImageFile, width: int, height: int) -> int:
    """Bytes decoding a drafted JPEG of `width` x `height` px (its full size) takes at its
    peak: the drafted image, and a progressive JPEG's coefficients."""
    drafted_w, drafted_h = image.size
    total = _CHECK_FIXED + drafted_w * drafted_h * len(image.getbands())
    if image.info.get("progressive") or image.info.get("progression"):
        total += coefficient_bytes(image, width, height)
    return total


def coefficient_bytes(image: JpegImagePlugin.JpegImageFile, width: int, height: int) -> int:
    """The coefficient buffer libjpeg holds for a progressive JPEG of `width` x `height`
    px: every 8x8 block of every component, padded to whole MCUs as libjpeg pads them."""
    sampling = [(h, v) for _, h, v, _ in image.layer] or [(1, 1)] * len(image.getbands())
    h_max = max(h for h, _ in sampling) or 1
    v_max = max(v for _, v in sampling) or 1
    mcus = math.ceil(width / (8 * h_max)) * math.ceil(height / (8 * v_max))
    return mcus * sum(h * v for h, v in sampling) * _COEFFICIENT_BYTES
