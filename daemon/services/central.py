"""Central's side of sync: a machine's batches go into the mirror, its coldpreviews beside."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

from daemon.errors import DomainError, Forbidden, Invalid, NotFound
from daemon.imaging import coldpreviews
from daemon.paths import MAX_PATH_BYTES, path_bytes, too_long
from daemon.store import central as store
from daemon.store.base import Conn
from daemon.store.synced_tables import TABLES
from protocol.sync import (
    MAX_BATCH_ROWS,
    MAX_COLDPREVIEW_PX,
    POINTERS,
    SYNC_PROTOCOL_VERSION,
    ColdpreviewReceipt,
    RefusedPhoto,
    SyncBatch,
    SyncDeletion,
    SyncPhoto,
    SyncReceipt,
)

TAMPERED = "hotpreview does not match its hothash"
NOT_ON_CENTRAL = "central does not have this photo (refused earlier?)"
# Tables whose rows other rows refer to with ON DELETE RESTRICT: a batch may move those
# rows away and delete their target, so these deletions come after the batch's rows.
_DELETED_LAST = ("events", "photographers")
# The tables a batch carries rows of, and what one of their rows is called.
_ROW_NAMES = {
    "photographers": "photographer",
    "categories": "category",
    "events": "event",
    "input_sessions": "input session",
    "collections": "collection",
    "text_items": "text card",
}
# How far past central's clock a machine's edit time may lie when it arrives: clocks a
# little apart keep their order, and a clock far ahead wins over later edits by this much
# at most.
CLOCK_SKEW = timedelta(minutes=1)


async def receive(pool: asyncpg.Pool, origin: uuid.UUID, batch: SyncBatch) -> SyncReceipt:
    """Apply one batch of a machine's push in one transaction: all of it or nothing,
    except photos central does not take (listed as refused) and the rows naming them."""
    if batch.after > batch.upto:
        raise Invalid(f"after: {batch.after} lies beyond upto ({batch.upto})")
    _check_unique(batch)
    _check_bounds(batch)
    _check_times(batch)
    accepted, refused = _verified(batch.photos)
    async with pool.acquire() as conn:
        try:
            async with conn.transaction():
                await store.defer_constraints(conn)
                # Locks the machine's row: its batches apply one after the other.
                have = await store.synced(conn, origin, batch.machine_name)
                if batch.after > have:
                    # Central lacks changes before the batch (restored from a backup):
                    # the machine sends again from what central has.
                    return SyncReceipt(
                        version=SYNC_PROTOCOL_VERSION,
                        central_id=await store.central_id(conn),
                        acked_seq=have,
                        received=0,
                        skipped_duplicates=0,
                        deleted=0,
                        clock=_clock(),
                    )
                await _check_origins(conn, origin, batch)
                receipt = await _apply(conn, origin, batch, accepted, refused)
                # Even below what central had: the machine went back (its own restore).
                await store.acked(conn, origin, batch.upto)
        except DomainError as exc:
            if isinstance(exc.__cause__, asyncpg.ForeignKeyViolationError):
                # Checked at commit: some row names one central never got.
                raise Invalid(
                    f"the batch is refused as a whole, it refers to a row central does "
                    f"not have (or deletes one still referred to): {exc.detail}"
                ) from exc
            raise
        except asyncpg.DataError as exc:
            # A value the protocol's bounds let through that its column cannot hold.
            raise Invalid(f"the batch has a value central cannot store: {exc}") from None
    return receipt


async def _apply(
    conn: Conn,
    origin: uuid.UUID,
    batch: SyncBatch,
    photos: list[SyncPhoto],
    refused: list[RefusedPhoto],
) -> SyncReceipt:
    deleted = await _delete(conn, origin, _deletions(batch, last=False))
    latest = _clock()
    received = 0
    for table in ("photographers", "categories", "input_sessions"):
        received += await store.upsert(conn, table, origin, getattr(batch, table))
    new, known = await store.upsert_photos(conn, origin, photos, latest)
    received += new
    await store.hold(conn, origin, photos)
    # Rows naming a photo central lacks (refused now or before) are left out, and the
    # photo listed as refused; a cover that shows it is left without one.
    named = _named_photos(batch)
    gone = named - await store.existing(conn, sorted(named))
    listed = {photo.hothash for photo in refused}
    refused = refused + [
        RefusedPhoto(hothash=hothash, reason=NOT_ON_CENTRAL) for hothash in sorted(gone - listed)
    ]
    events = [
        msgspec.structs.replace(e, cover_hothash=None) if e.cover_hothash in gone else e
        for e in batch.events
    ]
    collections = [
        msgspec.structs.replace(c, cover_hothash=None) if c.cover_hothash in gone else c
        for c in batch.collections
    ]
    for table, rows in (
        ("events", events),
        ("image_files", [f for f in batch.image_files if f.hothash not in gone]),
        ("collections", collections),
        ("text_items", batch.text_items),
        ("collection_items", [i for i in batch.collection_items if i.hothash not in gone]),
    ):
        received += await store.upsert(conn, table, origin, rows)
    received += await store.upsert_corrections(
        conn, origin, [c for c in batch.photo_corrections if c.hothash not in gone], latest
    )
    deleted += await _delete(conn, origin, _deletions(batch, last=True))
    wanted = [photo.hothash for photo in photos if photo.has_coldpreview]
    return SyncReceipt(
        version=SYNC_PROTOCOL_VERSION,
        central_id=await store.central_id(conn),
        acked_seq=batch.upto,
        received=received,
        skipped_duplicates=known,
        deleted=deleted,
        refused=refused,
        coldpreviews_wanted=await store.held_without_coldpreview(conn, origin, wanted),
        clock=latest,
    )


def _check_unique(batch: SyncBatch) -> None:
    """A row twice in one batch is a client's bug (one statement cannot write it twice)."""
    for table in TABLES:
        keys = [_key(table, row) for row in getattr(batch, table)]
        twice = [key for key, n in Counter(keys).items() if n > 1]
        if twice:
            raise Invalid(f"{table}: {twice[0]} appears twice in the batch")


def _check_bounds(batch: SyncBatch) -> None:
    """The bounds every pusher keeps that the batch's types cannot say: how many changes
    it carries, and how long each file path is in bytes."""
    changes = _changes(batch)
    if changes > MAX_BATCH_ROWS:
        raise Invalid(
            f"the batch carries {changes:,} changes (deletions, and rows no other row of it "
            f"points at), more than the {MAX_BATCH_ROWS:,} a batch may carry"
        )
    for index, file in enumerate(batch.image_files):
        if too_long(file.file_path):
            raise Invalid(
                f"image_files[{index}] ({file.id}): file_path is {path_bytes(file.file_path):,} "
                f"bytes long, more than the {MAX_PATH_BYTES:,} a path may have"
            )


def _changes(batch: SyncBatch) -> int:
    """The batch's changes: its deletions, and the rows no other row of it points at (a
    change takes along the rows it points at that central may lack, however many)."""
    pointed = {
        (target, str(value))
        for table, _, row, _, target, value in _pointers(batch)
        if (target, str(value)) != (table, _key(table, row))
    }
    rows = sum(
        (table, _key(table, row)) not in pointed
        for table in TABLES
        for row in getattr(batch, table)
    )
    return rows + len(batch.deletions)


def _pointers(batch: SyncBatch) -> Iterator[tuple[str, int, Any, str, str, Any]]:
    """Every pointer of the batch's rows that names a row: (table, index, row, field,
    table pointed at, value)."""
    for table, pointers in POINTERS.items():
        for index, row in enumerate(getattr(batch, table)):
            for field, target in pointers:
                value = getattr(row, field)
                if value is not None:
                    yield table, index, row, field, target, value


def _key(table: str, row: Any) -> str:
    """How rows of a batch name a row of this table (its id; a photo its hothash)."""
    return str(getattr(row, TABLES[table].key))


async def _check_origins(conn: Conn, origin: uuid.UUID, batch: SyncBatch) -> None:
    """Refuse a batch whose rows point at a row central holds for another machine: one
    machine's rows must never hold on to another's, whose deletion they would block."""
    named: dict[str, dict[uuid.UUID, str]] = {}
    for table, index, row, field, target, value in _pointers(batch):
        if target in _ROW_NAMES:
            where = f"{table}[{index}] ({_key(table, row)}): {field}"
            named.setdefault(target, {}).setdefault(value, where)
    for target, places in named.items():
        foreign = await store.others(conn, target, origin, list(places))
        for value, where in places.items():
            if value in foreign:
                raise Invalid(
                    f"{where} names {_ROW_NAMES[target]} {value}, which central holds for "
                    "another machine; a machine's rows may point only at its own rows "
                    "(and at any photo)"
                )


def _check_times(batch: SyncBatch) -> None:
    """Every time with an offset must lie in the years 1 to 9999 in UTC, as the catalog's
    times do (PostgreSQL would store it, and no reader could read it back). An edit time
    past central's clock is taken, and bounded where it is stored (store.central)."""
    for table in batch.__struct_fields__:
        rows = getattr(batch, table)
        if not isinstance(rows, list):
            continue
        for index, row in enumerate(rows):
            for field in row.__struct_fields__:
                value = getattr(row, field)
                if field == "edited_at":
                    for group, time in value.items():
                        _check_time(f"{table}[{index}].edited_at.{group}", time)
                elif isinstance(value, datetime):
                    _check_time(f"{table}[{index}].{field}", value)


def _clock() -> datetime:
    """Central's clock plus the skew it allows: no edit time central holds is later."""
    return datetime.now(UTC) + CLOCK_SKEW


def _check_time(where: str, value: datetime) -> None:
    if value.tzinfo is None:
        return
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise Invalid(
            f"{where}: {value.isoformat()} lies outside the years 1 to 9999 in UTC"
        ) from None


def _verified(photos: list[SyncPhoto]) -> tuple[list[SyncPhoto], list[RefusedPhoto]]:
    """The photos whose hotpreview is the JPEG their hothash names, and the others."""
    accepted, refused = [], []
    for photo in photos:
        try:
            jpeg = base64.b64decode(photo.hotpreview_b64, validate=True)
        except (binascii.Error, ValueError):
            jpeg = None
        if jpeg is not None and hashlib.sha256(jpeg).hexdigest() == photo.hothash:
            accepted.append(photo)
        else:
            refused.append(RefusedPhoto(hothash=photo.hothash, reason=TAMPERED))
    return accepted, refused


def _named_photos(batch: SyncBatch) -> set[str]:
    """Every hothash the batch's other rows refer to."""
    named = {f.hothash for f in batch.image_files}
    named |= {c.hothash for c in batch.photo_corrections}
    named |= {i.hothash for i in batch.collection_items if i.hothash is not None}
    named |= {e.cover_hothash for e in batch.events if e.cover_hothash is not None}
    named |= {c.cover_hothash for c in batch.collections if c.cover_hothash is not None}
    return named


def _deletions(batch: SyncBatch, *, last: bool) -> list[SyncDeletion]:
    """The batch's deletions that go first, or those that go last; a deletion that goes
    last of a row the batch carries too is dropped (the row was created again)."""
    if not last:
        return [d for d in batch.deletions if d.entity not in _DELETED_LAST]
    carried = {(table, str(row.id)) for table in _DELETED_LAST for row in getattr(batch, table)}
    return [
        d
        for d in batch.deletions
        if d.entity in _DELETED_LAST and (d.entity, str(_uuid(d.key))) not in carried
    ]


def _uuid(key: str) -> uuid.UUID:
    try:
        return uuid.UUID(key)
    except ValueError:
        raise Invalid(f"deletions: {key!r} is not the id of a row") from None


async def _delete(conn: Conn, origin: uuid.UUID, deletions: list[SyncDeletion]) -> int:
    """Delete what the machine deleted, of its own rows only; returns rows deleted."""
    keys: dict[str, list[str]] = {}
    for deletion in deletions:
        keys.setdefault(deletion.entity, []).append(deletion.key)
    deleted = 0
    for entity, entity_keys in keys.items():
        if entity == "photos":
            deleted += await store.release_photos(conn, origin, entity_keys)
        elif entity == "photo_corrections":
            deleted += await store.delete_corrections(conn, origin, entity_keys)
        else:
            ids = [_uuid(key) for key in entity_keys]
            if entity == "photographers":
                await store.unlink_photographers(conn, origin, ids)
            elif entity == "events":
                await store.detach_events(conn, origin, ids)
            deleted += await store.delete(conn, entity, origin, ids)
    return deleted


class Central:
    """Central's rules that touch coldpreview files: built once at start-up with the
    folder they live in."""

    def __init__(self, pool: asyncpg.Pool, coldpreview_dir: Path) -> None:
        self._pool = pool
        self._coldpreview_dir = coldpreview_dir

    async def store_coldpreview(
        self, origin: uuid.UUID, hothash: str, data: bytes, sha256_hex: str
    ) -> ColdpreviewReceipt:
        """Keep a photo's coldpreview, uploaded by a machine that holds the photo."""
        if hashlib.sha256(data).hexdigest() != sha256_hex.lower():
            raise Invalid("coldpreview bytes do not match X-Content-SHA256")
        async with self._pool.acquire() as conn:
            path = await _held(conn, hothash, origin)
        if path is not None and (self._coldpreview_dir / path).is_file():
            return ColdpreviewReceipt(hothash=hothash, stored=False)
        await asyncio.to_thread(coldpreviews.check_upload, data, max_px=MAX_COLDPREVIEW_PX)
        # Two machines uploading one photo's coldpreview at once each write it whole and
        # rename it into place: the file is one of theirs, never a mix.
        relative = await asyncio.to_thread(coldpreviews.write, self._coldpreview_dir, hothash, data)
        async with self._pool.acquire() as conn:
            await store.set_coldpreview(conn, hothash, relative)
        return ColdpreviewReceipt(hothash=hothash, stored=True)


async def _held(conn: Conn, hothash: str, origin: uuid.UUID) -> str | None:
    """The photo's coldpreview path, if the machine holds the photo (else 404 or 403)."""
    try:
        path, held = await store.coldpreview_of(conn, hothash, origin)
    except LookupError:
        raise NotFound(f"photo {hothash} not found: push it before its coldpreview") from None
    if not held:
        raise Forbidden("only a machine that holds the photo may upload its coldpreview")
    return path
