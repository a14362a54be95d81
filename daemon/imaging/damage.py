"""Damage the decoders let through: data that ends early or is missing in between.

Most truncated files already fail to decode. These do not, because the decoder
fills in what is missing instead of saying so:

- JPEG: libjpeg fills the rest of the picture with grey when the data ends at a
  marker, and resynchronises past lost data at the next restart marker; Pillow
  drops libjpeg's warnings. A header claiming more picture than the file could
  hold, and restart markers missing or out of turn, are caught here.
- HEIF: libheif (not strict, and pillow-heif offers no strict switch) leaves out
  the tiles of a grid image whose data lies past the end of the file.
- TIFF: Pillow skips a tag whose value lies past the end of the file.

The checks read the files' structures; for JPEG with restart markers they scan
the image data for them too (a few milliseconds a megabyte), but never decode it.

Where the line runs between a damaged photo and a file's error: a file that ends
before the data it announces (a cut file, or one still being copied or written)
stays an error, because its owner can give a whole file (the next scan tries it
again once it changes). A JPEG that is complete to its end marker but lost or
shuffled data inside its scan is as whole as it will ever be: it is catalogued,
flagged damaged, its previews made from what decodes (grey where data is lost).
"""

from __future__ import annotations

import mmap
import os
import re
import struct
from pathlib import Path
from typing import BinaryIO, NamedTuple

from PIL import Image

from daemon.imaging import tiff

TRUNCATED = "image data ends early: the file is truncated or damaged"
# A header structure bigger than this is not read (nothing real comes close).
MAX_HEADER_BYTES = 16 * 1024 * 1024


# What decoders say when the data stops short or never starts (Pillow for JPEG, PNG
# and TIFF; libheif).
_TRUNCATION_MESSAGES = (
    "image file is truncated",
    "Truncated File Read",
    "cannot load this image",
    "Unexpected end of file",
)


def decode_failure(exc: Exception) -> str:
    """A decoder's exception as a sentence for the file's owner."""
    text = str(exc)
    if any(message in text for message in _TRUNCATION_MESSAGES):
        return TRUNCATED
    return f"cannot decode image: {text}"


class Damaged(Exception):
    """The file is cut short or damaged beyond use; the message says how, for its error."""


_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"II*\0", "TIFF"),
    (b"MM\0*", "TIFF"),
    (b"II+\0", "TIFF"),
    (b"MM\0+", "TIFF"),
)
# Major brands of HEIF still images and sequences (not AVIF, which is not read).
_HEIF_BRANDS = {
    b"heic",
    b"heix",
    b"heim",
    b"heis",
    b"hevc",
    b"hevx",
    b"hevm",
    b"hevs",
    b"mif1",
    b"msf1",
}


def announced_format(path: Path | str) -> str | None:
    """The supported format a file's first bytes announce, if any (for a file no
    decoder could open: one that starts like a JPEG is a damaged JPEG)."""
    try:
        with Path(path).open("rb") as handle:
            head = handle.read(12)
    except OSError:
        return None
    for signature, name in _SIGNATURES:
        if head.startswith(signature):
            return name
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIF"
    return None


def check(image: Image.Image) -> str | None:
    """Raise Damaged when the opened image's file ends before the data it announces;
    return why, in plain words, when it is whole but parts of its picture are lost."""
    if image.format not in ("JPEG", "MPO", "HEIF", "TIFF"):
        return None
    with Path(image.filename).open("rb") as handle:  # type: ignore[attr-defined]
        size = os.fstat(handle.fileno()).st_size
        try:
            if image.format == "HEIF":
                _heif(handle, size)
            elif image.format == "TIFF":
                _tiff(handle, size)
            else:
                return _jpeg(handle, size, _more_pictures(image))
        except (struct.error, ValueError, IndexError):
            # A structure this reader does not follow: the decoder has the last word.
            return None
    return None


def _more_pictures(image: Image.Image) -> list[tuple[int, int]]:
    """(offset, size) of an MPO's pictures after the first, as its MP index lists them."""
    index = getattr(image, "mpinfo", None) or {}
    return [(int(entry["DataOffset"]), int(entry["Size"])) for entry in index.get(0xB002, [])[1:]]


# Huffman-coded frames; the arithmetic-coded ones (SOF9-SOF15) can code a block in
# less than one bit, so no lower bound on their size holds.
_SOF_HUFFMAN = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7}
_SOF_ARITHMETIC = {0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_SOF_SEQUENTIAL = {0xC0, 0xC1}
_RESTART = re.compile(rb"\xff([\xd0-\xd7])")


class _Frame(NamedTuple):
    marker: int
    width: int
    height: int
    sampling: list[tuple[int, int]]


def _jpeg(handle: BinaryIO, size: int, more_pictures: list[tuple[int, int]]) -> str | None:
    """Two things libjpeg papers over with grey or by resynchronising, silently.

    A header that claims more picture than the file could hold: every 8x8 block of
    every component costs at least one bit (its DC code), so a complete picture
    needs blocks/8 bytes after the scan header. And, where the encoder wrote
    restart markers (many cameras and phones do), a missing or shuffled stretch
    of data: the markers must all be there, numbered 0-7 in turn. A file cut
    mid-scan and closed with an end marker, without restart markers, still
    passes: Pillow drops libjpeg's warning. The further pictures of an MPO (a
    second view, a depth or gain map) must end inside the file too.

    The first and the last are a cut (Damaged); lost or shuffled data between
    restart markers of a file that reaches its end marker is returned as damage."""
    handle.seek(2)
    frame, restart_interval, mp_header = None, 0, None
    while True:
        marker = _next_marker(handle)
        if marker is None or marker in _SOF_ARITHMETIC:
            return None
        (length,) = struct.unpack(">H", handle.read(2))
        if length < 2:
            return None
        payload = handle.read(length - 2)
        if marker in _SOF_HUFFMAN:
            frame = _jpeg_frame(marker, payload)
        elif marker == 0xDD:  # DRI
            (restart_interval,) = struct.unpack(">H", payload[:2])
        elif marker == 0xE2 and payload.startswith(b"MPF\0"):
            # MP index offsets count from the byte after "MPF\0".
            mp_header = handle.tell() - len(payload) + 4
        elif marker == 0xDA:  # SOS
            components_in_scan = payload[0]
            break
    if mp_header is not None:
        for offset, length in more_pictures:
            if mp_header + offset + length > size:
                raise Damaged(f"{TRUNCATED} (a further picture in it is cut short)")
    if frame is None:
        return None
    scan_start = handle.tell()
    blocks = sum(
        _ceil(_ceil(frame.width * h, _h_max(frame)), 8)
        * _ceil(_ceil(frame.height * v, _v_max(frame)), 8)
        for h, v in frame.sampling
    )
    if (size - scan_start) * 8 < blocks:
        raise Damaged(
            f"{TRUNCATED} (its header announces {blocks:,} blocks of picture, "
            f"which need more than the {size - scan_start:,} bytes that follow)"
        )
    if (
        restart_interval
        and frame.marker in _SOF_SEQUENTIAL
        and components_in_scan == len(frame.sampling)
    ):
        return _jpeg_restarts(handle, scan_start, frame, restart_interval)
    return None


def _jpeg_frame(marker: int, payload: bytes) -> _Frame | None:
    height, width, count = struct.unpack(">xHHB", payload[:6])
    sampling = [(byte >> 4, byte & 15) for byte in payload[7 : 6 + 3 * count : 3]]
    if not width or not height or len(sampling) != count or not all(h and v for h, v in sampling):
        return None
    return _Frame(marker, width, height, sampling)


def _h_max(frame: _Frame) -> int:
    return max(h for h, _ in frame.sampling)


def _v_max(frame: _Frame) -> int:
    return max(v for _, v in frame.sampling)


def _jpeg_restarts(handle: BinaryIO, scan_start: int, frame: _Frame, interval: int) -> str | None:
    """The restart markers of a single sequential scan: all there, numbered in turn;
    if not, what the photographer sees of it."""
    if len(frame.sampling) == 1:  # one component: each MCU is one block
        mcus = _ceil(frame.width, 8) * _ceil(frame.height, 8)
    else:
        mcus = _ceil(frame.width, 8 * _h_max(frame)) * _ceil(frame.height, 8 * _v_max(frame))
    expected = _ceil(mcus, interval) - 1  # none after the last interval
    with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        end = data.find(b"\xff\xd9", scan_start)
        if end < 0 or data.find(b"\xff\xda", scan_start, end) >= 0:
            return None  # no end (the decoder reports the cut) or more scans than one
        found = b"".join(_RESTART.findall(data, scan_start, end))
    in_turn = bytes(0xD0 + index % 8 for index in range(len(found)))
    # One marker too many after the last interval is harmless; tolerated.
    if found == in_turn and len(found) in (expected, expected + 1):
        return None
    if len(found) < expected:
        # Each missing marker is a stretch of the picture (one restart interval) that
        # libjpeg could not place: what follows it moves up and the bottom stays grey.
        return (
            f"The picture data is damaged ({expected - len(found):,} blocks missing); "
            "the bottom of the photo may be grey."
        )
    return (
        "The picture data is damaged (parts of it are out of place); "
        "some of the photo may be shifted or grey."
    )


def _next_marker(handle: BinaryIO) -> int | None:
    """The next marker code, skipping fill bytes; None at anything unexpected."""
    first = handle.read(1)
    if first != b"\xff":
        return None
    code = handle.read(1)
    while code == b"\xff":
        code = handle.read(1)
    if not code or code[0] in (0x00, 0xD8, 0xD9) or 0xD0 <= code[0] <= 0xD7:
        return None
    return code[0]


def _ceil(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def _heif(handle: BinaryIO, size: int) -> None:
    """Every item stored in the file (tiles, Exif, thumbnails) must end inside it."""
    meta = _top_level_box(handle, size, b"meta")
    if meta is None:
        return
    iloc = _child_box(meta[4:], b"iloc")  # meta is a full box: version and flags first
    if iloc is None:
        return
    for start, length in _iloc_extents(iloc):
        if length and start + length > size:
            raise Damaged(
                f"{TRUNCATED} (its data runs to byte {start + length:,}, the file has {size:,})"
            )


def _top_level_box(handle: BinaryIO, size: int, wanted: bytes) -> bytes | None:
    position = 0
    while position + 8 <= size:
        handle.seek(position)
        box_size, box_type = struct.unpack(">I4s", handle.read(8))
        header = 8
        if box_size == 1:
            (box_size,) = struct.unpack(">Q", handle.read(8))
            header = 16
        elif box_size == 0:
            box_size = size - position
        if box_size < header:
            return None
        if box_type == wanted:
            if box_size > MAX_HEADER_BYTES:
                return None
            return handle.read(box_size - header)
        position += box_size
    return None


def _child_box(data: bytes, wanted: bytes) -> bytes | None:
    position = 0
    while position + 8 <= len(data):
        box_size, box_type = struct.unpack_from(">I4s", data, position)
        header = 8
        if box_size == 1:
            (box_size,) = struct.unpack_from(">Q", data, position + 8)
            header = 16
        elif box_size == 0:
            box_size = len(data) - position
        if box_size < header:
            return None
        if box_type == wanted:
            return data[position + header : position + box_size]
        position += box_size
    return None


def _iloc_extents(iloc: bytes) -> list[tuple[int, int]]:
    """(file offset, length) of every extent stored in the file itself (ISO 14496-12 8.11.3)."""
    version = iloc[0]
    offset_size, length_size = iloc[4] >> 4, iloc[4] & 15
    base_offset_size = iloc[5] >> 4
    index_size = iloc[5] & 15 if version in (1, 2) else 0
    position = 6
    item_count, position = _uint(iloc, position, 4 if version == 2 else 2)
    extents = []
    for _ in range(item_count):
        position += 4 if version == 2 else 2  # item_ID
        method = 0
        if version in (1, 2):
            method, position = _uint(iloc, position, 2)
            method &= 15
        reference, position = _uint(iloc, position, 2)
        base, position = _uint(iloc, position, base_offset_size)
        extent_count, position = _uint(iloc, position, 2)
        for _ in range(extent_count):
            position += index_size
            offset, position = _uint(iloc, position, offset_size)
            length, position = _uint(iloc, position, length_size)
            # Method 0 is "in this file"; 1 and 2 point into other boxes or items.
            if method == 0 and reference == 0:
                extents.append((base + offset, length))
    return extents


def _uint(data: bytes, position: int, width: int) -> tuple[int, int]:
    if width not in (0, 2, 4, 8) or position + width > len(data):
        raise ValueError(f"unexpected field width {width}")
    return int.from_bytes(data[position : position + width], "big"), position + width


_TIFF_TYPE_SIZES = {
    1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8,
    11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8,
}  # fmt: skip


def _tiff(handle: BinaryIO, size: int) -> None:
    """Every value of the first directory (the picture's) must lie inside the file."""
    header = tiff.header(handle.read(16))
    if header is None:
        return
    order, big = header.order, header.big
    if big:
        count_format, entry_format, entry_size, inline = "Q", "HHQ8s", 20, 8
    else:
        count_format, entry_format, entry_size, inline = "H", "HHI4s", 12, 4
    handle.seek(header.first_ifd)
    count_bytes = handle.read(struct.calcsize(count_format))
    if len(count_bytes) < struct.calcsize(count_format):
        raise Damaged(TRUNCATED)
    (count,) = struct.unpack(order + count_format, count_bytes)
    if count * entry_size > MAX_HEADER_BYTES:
        return
    entries = handle.read(count * entry_size)
    if len(entries) < count * entry_size:
        raise Damaged(TRUNCATED)
    for index in range(count):
        _tag, kind, number, value = struct.unpack_from(
            order + entry_format, entries, index * entry_size
        )
        length = number * _TIFF_TYPE_SIZES.get(kind, 0)
        if length > inline:
            (offset,) = struct.unpack(order + ("Q" if big else "I"), value)
            if offset + length > size:
                raise Damaged(TRUNCATED)
