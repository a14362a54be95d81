"""Hand a collection on: a ZIP of its photos, `collection.json` and an offline `index.html`.

The ZIP is made as it is sent, a photo at a time: memory holds a few coldpreviews
whatever the collection's size, and a download that is abandoned stops the reading."""

from __future__ import annotations

import asyncio
import html
import io
import logging
import unicodedata
import uuid
import zipfile
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import asyncpg
import msgspec

from daemon.errors import found
from daemon.imaging import corrections
from daemon.store import collection_export as store
from daemon.store import collections as collections_store
from daemon.store import settings as settings_store

log = logging.getLogger(__name__)

PHOTO_FOLDER = "photos"
MISSING_TEXT = "This photo's preview is missing"
# Long enough for any sensible name; file systems allow 255 bytes, and this leaves room
# for the suffix a browser adds to a second download of the same name.
STEM_MAX_CHARS = 100
# Photos read (or corrected) ahead of the one being sent: reading overlaps sending, and
# corrections use more than one core. Memory holds this many coldpreviews more.
READ_AHEAD = 4
# A ZIP entry's time: year, month, day, hour, minute, second.
Stamp = tuple[int, int, int, int, int, int]


class ExportedItem(msgspec.Struct, kw_only=True):
    """One item of `collection.json`, in collection order (position counts from 1)."""

    position: int
    kind: Literal["photo", "text"]
    hothash: str | None
    file: str | None
    missing: bool
    caption: str
    title: str | None
    body: str | None
    taken_at: datetime | None
    photographer: str | None


class ExportedCollection(msgspec.Struct, kw_only=True):
    """`collection.json`: the collection as the ZIP holds it."""

    name: str
    description: str
    exported_at: datetime
    items: list[ExportedItem]


@dataclass(frozen=True, slots=True)
class Export:
    """A collection's ZIP: the file name to save it under (no suffix) and its bytes."""

    stem: str
    chunks: AsyncIterator[bytes]


class CollectionExport:
    """Collections as ZIPs: built once at start-up with the folder of the coldpreviews."""

    def __init__(self, pool: asyncpg.Pool, coldpreview_dir: Path) -> None:
        self._pool = pool
        self._coldpreview_dir = coldpreview_dir

    async def export(self, collection_id: uuid.UUID) -> Export:
        """The collection's ZIP, ready to stream; NotFound before any byte is made."""
        async with (
            self._pool.acquire() as conn,
            # One snapshot: the name, the items and their photos agree with each other.
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            collection = found(
                await collections_store.get(conn, collection_id), f"collection {collection_id}"
            )
            rows = await store.items(conn, collection_id)
            quality = (await settings_store.get(conn)).coldpreview_quality
        chunks = _archive(
            collection.name, collection.description, rows, self._coldpreview_dir, quality
        )
        return Export(stem=file_stem(collection.name), chunks=chunks)


def file_stem(name: str) -> str:
    """A collection's name as a file name: no path separators, no control characters."""
    kept = "".join(
        "-" if char in "/\\" else " " if unicodedata.category(char).startswith("C") else char
        for char in name
    )
    # Windows drops trailing dots and spaces; a name of dots alone would be no name.
    stem = " ".join(kept.split())[:STEM_MAX_CHARS].strip(" .")
    return stem or "collection"


async def _archive(
    name: str,
    description: str,
    rows: list[store.ExportRow],
    coldpreview_dir: Path,
    quality: int,
) -> AsyncIterator[bytes]:
    """The ZIP's bytes, a photo at a time, then collection.json, index.html and the directory.

    No `with` around the archive: a client that goes away leaves this generator at a
    `yield`, and closing it there must not write (or raise) anything."""
    exported_at = datetime.now(UTC)
    local = exported_at.astimezone()  # ZIP times are local wall time
    stamp = (local.year, local.month, local.day, local.hour, local.minute, local.second)
    window = _Window()
    archive = zipfile.ZipFile(window, "w")
    photos = [row for row in rows if row.hothash is not None]
    width = max(4, len(str(len(photos))))
    upcoming = iter(photos)
    reads: deque[asyncio.Task[bytes | None]] = deque()
    items: list[ExportedItem] = []
    number = 0
    try:
        for position, row in enumerate(rows, start=1):
            file = None
            if row.hothash is not None:
                while len(reads) < READ_AHEAD and (ahead := next(upcoming, None)) is not None:
                    reads.append(
                        asyncio.create_task(
                            asyncio.to_thread(_photo_bytes, ahead, coldpreview_dir, quality)
                        )
                    )
                data = await reads.popleft()
                number += 1
                if data is not None:
                    file = f"{PHOTO_FOLDER}/{number:0{width}d}-{row.hothash}.jpg"
                    archive.writestr(_entry(file, stamp, zipfile.ZIP_STORED), data)
                    yield window.take()
            items.append(_item(position, row, file))
    finally:
        # Gone before the end (the client left): what was read ahead is not wanted.
        for task in reads:
            task.cancel()
    document = ExportedCollection(
        name=name, description=description, exported_at=exported_at, items=items
    )
    # Writing and deflating the text of a big collection takes a while: not on the loop.
    await asyncio.to_thread(_add_text_files, archive, document, stamp)
    archive.close()
    yield window.take()


def _add_text_files(archive: zipfile.ZipFile, document: ExportedCollection, stamp: Stamp) -> None:
    """collection.json and index.html, deflated."""
    text_files = (
        ("collection.json", msgspec.json.format(msgspec.json.encode(document), indent=2)),
        ("index.html", _page(document).encode()),
    )
    for file_name, data in text_files:
        archive.writestr(_entry(file_name, stamp, zipfile.ZIP_DEFLATED), data)


class _Window:
    """What the ZIP is written to: the bytes not yet sent, at their offsets in the archive.

    zipfile seeks back only into the entry it is writing (to put its size and CRC into
    its header), and that entry is still here: each is taken whole once written. So
    zipfile sees a seekable file and writes no data descriptors, which macOS's Archive
    Utility fails on for stored entries. A seek further back raises, never corrupts."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self._sent = 0

    def write(self, data: bytes) -> int:
        """Append (or overwrite, after a seek back) bytes of the archive."""
        return self._buffer.write(data)

    def tell(self) -> int:
        """The offset in the whole archive."""
        return self._sent + self._buffer.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move within the bytes not yet taken."""
        if whence != io.SEEK_SET or offset < self._sent:
            raise io.UnsupportedOperation("the ZIP is streamed: only unsent bytes can change")
        self._buffer.seek(offset - self._sent)
        return offset

    def take(self) -> bytes:
        """The bytes written since the last take, which no seek may reach any more."""
        data = self._buffer.getvalue()
        self._sent += len(data)
        self._buffer = io.BytesIO()
        return data

    def flush(self) -> None:
        """Nothing to flush: the bytes leave through `take`."""

    def close(self) -> None:
        """Nothing to close: the bytes leave through `take`."""


def _entry(name: str, stamp: Stamp, compression: int) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=stamp)
    entry.compress_type = compression
    # Readable by everyone who unpacks it (zipfile's default is the owner alone).
    entry.external_attr = 0o644 << 16
    return entry


def _photo_bytes(row: store.ExportRow, coldpreview_dir: Path, quality: int) -> bytes | None:
    """The photo's JPEG to hand on (its correction applied); None when there is none."""
    try:
        return _corrected_or_as_is(row, coldpreview_dir, quality)
    except FileNotFoundError:
        return None
    except OSError as exc:  # unreadable, or not an image (PIL's errors are OSErrors)
        log.warning("export: the coldpreview of photo %s cannot be read: %s", row.hothash, exc)
        return None


def _corrected_or_as_is(row: store.ExportRow, coldpreview_dir: Path, quality: int) -> bytes | None:
    """The coldpreview file as it is, or corrected from it."""
    correction = row.correction
    if correction is not None and not _neutral(correction):
        if correction.corrected_coldpreview_path is not None:
            # The local daemon keeps the corrected file it shows; central has only the row.
            try:
                return (coldpreview_dir / correction.corrected_coldpreview_path).read_bytes()
            except FileNotFoundError:
                pass
        if row.coldpreview_path is None:
            return None
        return corrections.apply(coldpreview_dir / row.coldpreview_path, correction, quality)
    if row.coldpreview_path is None:
        return None
    return (coldpreview_dir / row.coldpreview_path).read_bytes()


def _neutral(correction: store.ExportCorrection) -> bool:
    """Whether the correction changes nothing (then the file goes as it is, not re-encoded)."""
    return (
        correction.rotation == 0
        and correction.horizon_angle == 0
        and correction.exposure_ev == 0
        and (correction.crop_left, correction.crop_top) == (0, 0)
        and (correction.crop_right, correction.crop_bottom) == (1, 1)
    )


def _item(position: int, row: store.ExportRow, file: str | None) -> ExportedItem:
    photo = row.hothash is not None
    return ExportedItem(
        position=position,
        kind="photo" if photo else "text",
        hothash=row.hothash,
        file=file,
        missing=photo and file is None,
        caption=row.caption,
        title=row.title,
        body=row.body,
        taken_at=row.taken_at,
        photographer=row.photographer,
    )


_STYLE = """
:root { color-scheme: dark; }
* { box-sizing: border-box; }
body {
  margin: 0; background: #121212; color: #d8d8d8;
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  overflow-wrap: anywhere;
}
header, main, footer { max-width: 76rem; margin: 0 auto; padding: 2.5rem 1.25rem 0; }
h1 { margin: 0; color: #fff; font-weight: 600; font-size: clamp(1.6rem, 4vw, 2.4rem); }
.description { margin: .75rem 0 0; max-width: 46rem; color: #aaa; white-space: pre-line; }
figure { margin: 0 0 3.5rem; }
figure img, .missing {
  display: block; margin: 0 auto; max-width: 100%; max-height: 88vh; height: auto;
}
.missing {
  display: flex; align-items: center; justify-content: center; width: min(100%, 36rem);
  aspect-ratio: 3 / 2; border: 1px dashed #555; color: #888; text-align: center;
}
figcaption {
  margin: .8rem auto 0; max-width: 46rem; color: #c4c4c4; text-align: center;
  white-space: pre-line;
}
.card {
  margin: 0 auto 3.5rem; padding: 2rem 2.25rem; max-width: 46rem;
  background: #1c1c1c; border-left: 3px solid #6a6a6a;
}
.card h2 { margin: 0 0 .5rem; color: #fff; font-weight: 600; font-size: 1.4rem; }
.card p { margin: 0; white-space: pre-line; }
footer { padding-bottom: 2.5rem; color: #6f6f6f; font-size: .8rem; text-align: center; }
@media (max-width: 40rem) {
  header, main, footer { padding-left: .5rem; padding-right: .5rem; }
  .card { padding: 1.25rem; }
}
"""


def _page(document: ExportedCollection) -> str:
    """index.html: every item in order, readable offline; all catalog text escaped."""
    name = html.escape(document.name)
    parts = [
        '<!doctype html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{name}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<header>\n<h1>{name}</h1>\n"
    ]
    if document.description:
        parts.append(f'<p class="description">{html.escape(document.description)}</p>\n')
    parts.append("</header>\n<main>\n")
    number = 0
    for item in document.items:
        if item.kind == "text":
            parts.append(_card(item))
        else:
            number += 1
            parts.append(_figure(item, number))
    parts.append(
        f"</main>\n<footer>Exported from Hotprevue on "
        f"{document.exported_at:%Y-%m-%d %H:%M} UTC</footer>\n</body>\n</html>\n"
    )
    return "".join(parts)


def _figure(item: ExportedItem, number: int) -> str:
    caption = html.escape(item.caption)
    if item.file is None:
        shown = f'<div class="missing">{html.escape(MISSING_TEXT)}</div>'
    else:
        alt = caption or f"Photo {number}"
        shown = f'<img src="{html.escape(item.file)}" alt="{alt}" loading="lazy">'
    below = f"\n<figcaption>{caption}</figcaption>" if caption else ""
    return f"<figure>\n{shown}{below}\n</figure>\n"


def _card(item: ExportedItem) -> str:
    title = f"<h2>{html.escape(item.title)}</h2>\n" if item.title else ""
    body = f"<p>{html.escape(item.body)}</p>\n" if item.body else ""
    caption = f"<p>{html.escape(item.caption)}</p>\n" if item.caption else ""
    return f'<section class="card">\n{title}{body}{caption}</section>\n'
