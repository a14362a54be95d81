"""The header TIFF files and TIFF-based RAWs share, read in one place."""

from __future__ import annotations

import struct
from typing import NamedTuple

BIGTIFF = 43
# The magic numbers of TIFF-based RAWs: TIFF's own, ORF's ("RO", "RS") and RW2's ("U").
RAW_MAGIC = frozenset({42, 0x4F52, 0x5352, 0x55})


class Header(NamedTuple):
    """A TIFF header: byte order (for struct), magic number, and the first IFD's offset."""

    order: str
    magic: int
    first_ifd: int

    @property
    def big(self) -> bool:
        """Whether it is a BigTIFF (64-bit offsets)."""
        return self.magic == BIGTIFF


def byte_order(head: bytes) -> str | None:
    """The struct byte order a TIFF header's first two bytes name; None: no TIFF."""
    return {b"II": "<", b"MM": ">"}.get(head[:2])


def magic(head: bytes) -> int | None:
    """The magic number after the byte order; None when there is none to read."""
    order = byte_order(head)
    if order is None or len(head) < 4:
        return None
    value: int = struct.unpack(order + "H", head[2:4])[0]
    return value


def header(head: bytes) -> Header | None:
    """The header in a file's first bytes (16 for a BigTIFF, else 8); None when they
    are too few or name no byte order."""
    order = byte_order(head)
    if order is None or len(head) < 8:
        return None
    (number,) = struct.unpack(order + "H", head[2:4])
    if number == BIGTIFF:
        if len(head) < 16:
            return None
        (first,) = struct.unpack(order + "Q", head[8:16])
    else:
        (first,) = struct.unpack(order + "I", head[4:8])
    return Header(order, number, first)
