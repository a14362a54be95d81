"""SQL for central's mirror: each machine's rows, kept under its installation id (`origin`).

Every entity of a batch goes in one statement: its rows travel as one jsonb array that
`jsonb_to_recordset` turns back into typed columns, as the registry (synced_tables)
describes them. Rows of one machine never touch another machine's rows, except photos,
which machines share by hothash.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from daemon.store.base import Conn
from daemon.store.synced_tables import (
    EDIT_GROUPS,
    PHOTO_CORRECTIONS,
    PHOTOS,
    TABLES,
    Field,
    SyncedTable,
)

# The tables whose rows are one machine's, by id: all but photos (shared by hothash) and
# their corrections (one per photo, whichever machine made it).
MACHINE_TABLES = tuple(name for name, table in TABLES.items() if table.key == "id")


def _record(fields: Iterable[Field]) -> str:
    """The columns of `jsonb_to_recordset(...) AS r(...)`: the sent fields, typed."""
    return ", ".join(f'"{field.name}" {field.sql_type}' for field in fields)


def _stored(table: SyncedTable) -> list[Field]:
    """The fields central stores (each in its column), in the wire's order."""
    return [field for field in table.fields if field.column is not None]


def _columns(table: SyncedTable) -> str:
    """The columns central stores a table's fields in."""
    return ", ".join(f'"{field.column}"' for field in _stored(table))


def _values(table: SyncedTable, rules: dict[str, str]) -> str:
    """What central writes in those columns: the registry's writes, but for the fields
    that central's `rules` (field: SQL) take otherwise."""
    return ", ".join(rules.get(field.name, field.write) for field in _stored(table))


def _source(table: SyncedTable) -> str:
    """A batch's rows of a table (`r`), with the photo (`p`) they name by hothash."""
    source = f"jsonb_to_recordset($1::jsonb) AS r({_record(_stored(table))})"
    if table.by_photo:
        # A hothash central lacks was refused before.
        source += " JOIN photos p ON p.hothash = r.hothash"
    return source


def _upsert(table: SyncedTable) -> str:
    """Insert or update one machine's rows by id; another machine's row of that id stays."""
    assigned = ", ".join(
        f'"{field.column}" = EXCLUDED."{field.column}"'
        for field in _stored(table)
        if field.column != "id"
    )
    return f"""
        INSERT INTO {table.name} ({_columns(table)}, origin)
        SELECT {_values(table, {})}, $2 FROM {_source(table)}
        ORDER BY r.id
        ON CONFLICT (id) DO UPDATE SET {assigned}
        WHERE {table.name}.origin = $2
        RETURNING id
    """  # noqa: S608 - table and column names are the registry's constants


UPSERTS = {name: _upsert(TABLES[name]) for name in MACHINE_TABLES}
DELETES = {
    table: f"DELETE FROM {table} WHERE id = ANY($1::uuid[]) AND origin = $2"  # noqa: S608
    for table in MACHINE_TABLES
}
# Of these ids, those of rows central holds for another machine (or for itself).
OTHERS = {
    table: f"SELECT id FROM {table} WHERE id = ANY($1::uuid[])"  # noqa: S608
    " AND origin IS DISTINCT FROM $2"
    for table in MACHINE_TABLES
}

# An edit is judged once, when it first arrives: of the edit times a machine sends, those
# it sent before are no new edits, and the others are bounded by central's clock ($3).
_FRESH_EDITS = (
    "fresh_edits(r.edited_at, (SELECT h.sent_edits FROM photo_holders h"
    " JOIN photos known ON known.id = h.photo_id"
    " WHERE known.hothash = r.hothash AND h.origin = $2), $3)"
)
# A photo's or a correction's last change, as sent, bounded by central's clock ($3).
_BOUNDED_UPDATE = "least(r.updated_at, $3)"
_PHOTO_VALUES = _values(PHOTOS, {"edited_at": _FRESH_EDITS, "updated_at": _BOUNDED_UPDATE})
_MERGED = ",\n    ".join(
    f"{column} = CASE WHEN edit_is_newer(EXCLUDED.edited_at, p.edited_at, '{group}') "
    f"THEN EXCLUDED.{column} ELSE p.{column} END"
    for group, columns in EDIT_GROUPS.items()
    for column in columns
)
# A new photo is the sending machine's; a known one keeps its immutable fields (the
# hotpreview, EXIF, camera, registration) as first received and merges the rest. In
# hothash order, so that two machines' batches lock shared photos in the same order.
UPSERT_PHOTOS = f"""
INSERT INTO photos AS p ({_columns(PHOTOS)}, origin)
SELECT {_PHOTO_VALUES}, $2 FROM {_source(PHOTOS)}
ORDER BY r.hothash
ON CONFLICT (hothash) DO UPDATE SET
    {_MERGED},
    edited_at = merge_edits(p.edited_at, EXCLUDED.edited_at),
    updated_at = greatest(p.updated_at, EXCLUDED.updated_at)
"""  # noqa: S608 - built from the registry's constants
# A machine lets go of a photo: its holding, its files and its correction go; the photo
# goes when no machine holds it any more. The photos are locked first, in hothash order
# like the upserts, so that two machines' batches lock shared photos in the same order.
LOCK_PHOTOS = """
SELECT id FROM photos WHERE hothash = ANY($1::text[]) ORDER BY hothash FOR UPDATE
"""
RELEASE_HOLDERS = """
DELETE FROM photo_holders h USING photos p
WHERE h.photo_id = p.id AND p.hothash = ANY($1::text[]) AND h.origin = $2
"""
RELEASE_FILES = """
DELETE FROM image_files f USING photos p
WHERE f.photo_id = p.id AND p.hothash = ANY($1::text[]) AND f.origin = $2
"""
DELETE_CORRECTIONS = """
DELETE FROM photo_corrections c USING photos p
WHERE c.photo_id = p.id AND p.hothash = ANY($1::text[]) AND c.origin = $2
"""
DELETE_UNHELD_PHOTOS = """
DELETE FROM photos p
WHERE p.hothash = ANY($1::text[])
    AND NOT EXISTS (SELECT 1 FROM photo_holders h WHERE h.photo_id = p.id)
"""
# Every photo a machine sends, it holds (until it sends the photo's deletion); the edit
# times it sent are kept, so that the same times sent again are no new edits.
ADD_HOLDERS = """
INSERT INTO photo_holders AS h (photo_id, origin, sent_edits)
SELECT p.id, $2, r.edited_at
FROM jsonb_to_recordset($1::jsonb) AS r(hothash text, edited_at jsonb)
JOIN photos p ON p.hothash = r.hothash
ORDER BY p.hothash
ON CONFLICT (photo_id, origin) DO UPDATE SET sent_edits = EXCLUDED.sent_edits
WHERE h.sent_edits IS DISTINCT FROM EXCLUDED.sent_edits
"""
# Before a machine's photographer goes: photos it no longer holds may still show it
# (it sent them first, another machine holds them); they get central's own unknown
# photographer, whom any machine's later edit replaces.
UNLINK_PHOTOGRAPHERS = """
UPDATE photos SET photographer_id = (
        SELECT id FROM photographers WHERE origin IS NULL AND is_unknown),
    edited_at = edited_at - 'photographer'
WHERE id IN (
    SELECT p.id FROM photos p JOIN photographers g ON g.id = p.photographer_id
    WHERE g.id = ANY($1::uuid[]) AND g.origin = $2
    ORDER BY p.hothash FOR UPDATE OF p)
"""
# Central refuses a machine's rows that point at another machine's, yet one may slip in
# beside a row that arrives at the same moment (and a central before this rule took
# them): such a row must not block the deletion of the row it names. So before a
# machine's photographers go, other machines' sessions naming them get central's unknown
# photographer; before its events go, other machines' sub-events of them stand alone.
UNLINK_SESSIONS = """
UPDATE input_sessions SET default_photographer_id = (
        SELECT id FROM photographers WHERE origin IS NULL AND is_unknown)
WHERE origin IS DISTINCT FROM $2 AND default_photographer_id IN (
    SELECT id FROM photographers WHERE id = ANY($1::uuid[]) AND origin = $2)
"""
DETACH_EVENTS = """
UPDATE events SET parent_id = NULL
WHERE origin IS DISTINCT FROM $2 AND parent_id IN (
    SELECT id FROM events WHERE id = ANY($1::uuid[]) AND origin = $2)
"""
# The later correction of a photo wins, whichever machine made it. Judged once, like a
# photo's edits: a correction the machine sent before is no new one, and a new one's time
# is bounded by central's clock ($3).
_CORRECTION_COLUMNS = [f'"{field.column}"' for field in _stored(PHOTO_CORRECTIONS)]
_CORRECTION_TAKEN = ", ".join(
    f"{column} = EXCLUDED.{column}" for column in _CORRECTION_COLUMNS if column != '"photo_id"'
)
UPSERT_CORRECTIONS = f"""
INSERT INTO photo_corrections AS c ({", ".join(_CORRECTION_COLUMNS)}, origin)
SELECT {_values(PHOTO_CORRECTIONS, {"updated_at": _BOUNDED_UPDATE})}, $2
FROM {_source(PHOTO_CORRECTIONS)}
LEFT JOIN photo_holders h ON h.photo_id = p.id AND h.origin = $2
WHERE r.updated_at IS DISTINCT FROM h.sent_correction_at
ORDER BY p.id
ON CONFLICT (photo_id) DO UPDATE SET {_CORRECTION_TAKEN}, origin = EXCLUDED.origin
WHERE EXCLUDED.updated_at > c.updated_at
RETURNING photo_id
"""  # noqa: S608 - built from the registry's constants
SENT_CORRECTIONS = """
UPDATE photo_holders h SET sent_correction_at = r.updated_at
FROM jsonb_to_recordset($1::jsonb) AS r(hothash text, updated_at timestamptz)
JOIN photos p ON p.hothash = r.hothash
WHERE h.photo_id = p.id AND h.origin = $2
"""
FORGET_SENT_CORRECTIONS = """
UPDATE photo_holders h SET sent_correction_at = NULL
FROM photos p
WHERE h.photo_id = p.id AND p.hothash = ANY($1::text[]) AND h.origin = $2
"""
EXISTING = "SELECT hothash FROM photos WHERE hothash = ANY($1::text[])"
HELD_WITHOUT_COLDPREVIEW = """
SELECT p.hothash FROM photos p JOIN photo_holders h ON h.photo_id = p.id AND h.origin = $2
WHERE p.hothash = ANY($1::text[]) AND p.coldpreview_path IS NULL
"""
COLDPREVIEW_OF = """
SELECT p.coldpreview_path,
    EXISTS (SELECT 1 FROM photo_holders h WHERE h.photo_id = p.id AND h.origin = $2) AS held
FROM photos p WHERE p.hothash = $1
"""
SET_COLDPREVIEW = "UPDATE photos SET coldpreview_path = $2 WHERE hothash = $1"
DEFER_CONSTRAINTS = "SET CONSTRAINTS ALL DEFERRED"
# Registers the machine, or notes its name and that it synced now; the row stays locked
# until the batch commits, so one machine's batches apply one after the other.
SYNCED = """
INSERT INTO registered_machines (installation_id, machine_name) VALUES ($1, $2)
ON CONFLICT (installation_id) DO UPDATE SET machine_name = EXCLUDED.machine_name,
    last_sync_at = clock_timestamp()
RETURNING acked_seq
"""
SET_ACKED = "UPDATE registered_machines SET acked_seq = $2 WHERE installation_id = $1"
CENTRAL_ID = "SELECT installation_id FROM system_settings WHERE singleton"


def _count(status: str) -> int:
    return int(status.split()[-1])


async def defer_constraints(conn: Conn) -> None:
    """Check foreign keys at commit: a batch's rows come in any order."""
    await conn.execute(DEFER_CONSTRAINTS)


async def upsert(conn: Conn, table: str, origin: uuid.UUID, rows: Sequence[Any]) -> int:
    """Insert or update one machine's rows of a table (Structs); returns how many."""
    if not rows:
        return 0
    return len(await conn.fetch(UPSERTS[table], rows, origin))


async def delete(conn: Conn, table: str, origin: uuid.UUID, ids: list[uuid.UUID]) -> int:
    """Delete one machine's rows of a table by id; returns how many."""
    if not ids:
        return 0
    return _count(await conn.execute(DELETES[table], ids, origin))


async def upsert_photos(
    conn: Conn, origin: uuid.UUID, photos: Sequence[Any], latest: datetime
) -> tuple[int, int]:
    """Insert new photos as the machine's, merge known ones, their new edits' times bounded
    by `latest`; returns (new, known). Call `hold` for them after."""
    if not photos:
        return 0, 0
    known = len(await existing(conn, [photo.hothash for photo in photos]))
    await conn.execute(UPSERT_PHOTOS, photos, origin, latest)
    return len(photos) - known, known


async def release_photos(conn: Conn, origin: uuid.UUID, hothashes: list[str]) -> int:
    """The machine lets go of these photos; returns how many rows went (files,
    corrections, and the photos no machine holds any more)."""
    if not hothashes:
        return 0
    await conn.execute(LOCK_PHOTOS, hothashes)
    await conn.execute(RELEASE_HOLDERS, hothashes, origin)
    deleted = _count(await conn.execute(RELEASE_FILES, hothashes, origin))
    deleted += _count(await conn.execute(DELETE_CORRECTIONS, hothashes, origin))
    return deleted + _count(await conn.execute(DELETE_UNHELD_PHOTOS, hothashes))


async def hold(conn: Conn, origin: uuid.UUID, photos: Sequence[Any]) -> None:
    """Note that the machine holds these photos (Structs), and the edit times it sent."""
    if photos:
        sent = [{"hothash": photo.hothash, "edited_at": photo.edited_at} for photo in photos]
        await conn.execute(ADD_HOLDERS, sent, origin)


async def unlink_photographers(conn: Conn, origin: uuid.UUID, ids: list[uuid.UUID]) -> None:
    """Move photos, and other machines' sessions, off the machine's photographers that
    are about to go, to central's unknown photographer."""
    if ids:
        await conn.execute(UNLINK_PHOTOGRAPHERS, ids, origin)
        await conn.execute(UNLINK_SESSIONS, ids, origin)


async def detach_events(conn: Conn, origin: uuid.UUID, ids: list[uuid.UUID]) -> None:
    """Make other machines' sub-events of the machine's events about to go top-level."""
    if ids:
        await conn.execute(DETACH_EVENTS, ids, origin)


async def others(conn: Conn, table: str, origin: uuid.UUID, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these ids name rows of the table that are not the machine's on central."""
    if not ids:
        return set()
    return {row["id"] for row in await conn.fetch(OTHERS[table], ids, origin)}


async def delete_corrections(conn: Conn, origin: uuid.UUID, hothashes: list[str]) -> int:
    """Delete the machine's corrections of these photos; returns how many."""
    if not hothashes:
        return 0
    await conn.execute(FORGET_SENT_CORRECTIONS, hothashes, origin)
    return _count(await conn.execute(DELETE_CORRECTIONS, hothashes, origin))


async def upsert_corrections(
    conn: Conn, origin: uuid.UUID, corrections: Sequence[Any], latest: datetime
) -> int:
    """Store the machine's new corrections that are newer than central's, their times
    bounded by `latest`; returns how many."""
    if not corrections:
        return 0
    stored = len(await conn.fetch(UPSERT_CORRECTIONS, corrections, origin, latest))
    await conn.execute(SENT_CORRECTIONS, corrections, origin)
    return stored


async def existing(conn: Conn, hothashes: list[str]) -> set[str]:
    """Which of these hothashes are photos on central."""
    return {row["hothash"] for row in await conn.fetch(EXISTING, hothashes)}


async def held_without_coldpreview(
    conn: Conn, origin: uuid.UUID, hothashes: list[str]
) -> list[str]:
    """Those of these photos the machine holds and central has no coldpreview of."""
    return sorted(
        row["hothash"] for row in await conn.fetch(HELD_WITHOUT_COLDPREVIEW, hothashes, origin)
    )


async def coldpreview_of(conn: Conn, hothash: str, origin: uuid.UUID) -> tuple[str | None, bool]:
    """(coldpreview path, whether the machine holds the photo); LookupError if there
    is no such photo."""
    row = await conn.fetchrow(COLDPREVIEW_OF, hothash, origin)
    if row is None:
        raise LookupError(hothash)
    return row["coldpreview_path"], bool(row["held"])


async def set_coldpreview(conn: Conn, hothash: str, relative_path: str) -> None:
    """Note where a photo's coldpreview is, under central's coldpreview folder."""
    await conn.execute(SET_COLDPREVIEW, hothash, relative_path)


async def synced(conn: Conn, origin: uuid.UUID, machine_name: str) -> int:
    """Register the machine, or note its name and that it synced now; returns up to which
    change number central has its changes. The row stays locked until the transaction ends."""
    acked: int = await conn.fetchval(SYNCED, origin, machine_name)
    return acked


async def acked(conn: Conn, origin: uuid.UUID, seq: int) -> None:
    """Note that central has the machine's changes up to this change number."""
    await conn.execute(SET_ACKED, origin, seq)


async def central_id(conn: Conn) -> uuid.UUID:
    """Central's own installation id."""
    installation: uuid.UUID = await conn.fetchval(CENTRAL_ID)
    return installation
