"""SQL for the push: targets, the changes above a target's cursor, and their acknowledgement.

Every synced row carries `change_seq` (migration 0004); a target has everything numbered
up to its `acked_seq`. Central's mirrored rows (origin set) are never sent from here.
What a push reads of each table comes from the registry (synced_tables).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from daemon.errors import Conflict
from daemon.store.base import Conn, to_struct, to_structs
from daemon.store.synced_tables import TABLES, SyncedTable
from protocol.sync import SyncBatch, SyncDeletion


class Target(msgspec.Struct, frozen=True, kw_only=True):
    """A sync target's row, token included (the API shows it without)."""

    id: uuid.UUID
    name: str
    url: str
    token: str
    machine_name: str
    ca_file: str | None
    acked_seq: int
    acked_at: datetime | None
    central_id: uuid.UUID | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    last_error_kind: str | None
    last_error_message: str | None
    created_at: datetime


TARGET_COLUMNS = """
id, name, url, token, machine_name, ca_file, acked_seq, acked_at, central_id,
last_success_at, last_error, last_error_at, last_error_kind, last_error_message, created_at
"""
INSERT_TARGET = f"""
INSERT INTO sync_targets (name, url, token, machine_name, ca_file)
VALUES ($1, $2, $3, $4, $5) RETURNING {TARGET_COLUMNS}
"""  # noqa: S608 - a fixed column list
LIST_TARGETS = f"SELECT {TARGET_COLUMNS} FROM sync_targets ORDER BY name, id"  # noqa: S608
GET_TARGET = f"SELECT {TARGET_COLUMNS} FROM sync_targets WHERE id = $1"  # noqa: S608
# An id first, then a name, then a URL however its end is spelled.
FIND_TARGET = f"""
SELECT {TARGET_COLUMNS} FROM sync_targets
WHERE id::text = lower($1) OR name = $1 OR url = rtrim($1, '/')
ORDER BY id::text = lower($1) DESC, name = $1 DESC
LIMIT 1
"""  # noqa: S608
DELETE_TARGET = "DELETE FROM sync_targets WHERE id = $1 RETURNING id"
RESET_CURSOR = "UPDATE sync_targets SET acked_seq = 0, acked_at = NULL WHERE id = $1"
FORGET_LOG = "DELETE FROM sync_log WHERE target_id = $1"
RECORD_SUCCESS = """
UPDATE sync_targets SET central_id = $2, last_success_at = $3, last_error = NULL,
    last_error_at = NULL, last_error_kind = NULL, last_error_message = NULL
WHERE id = $1
"""
SET_CENTRAL = "UPDATE sync_targets SET central_id = $2 WHERE id = $1"
# This machine's clock is read here, not in Python: edit_time() compares it with the
# database's clock.
NOTE_CENTRAL_CLOCK = """
UPDATE sync_targets SET central_clock = $2, central_clock_at = clock_timestamp() WHERE id = $1
"""
REWIND_CURSOR = "UPDATE sync_targets SET acked_seq = $2 WHERE id = $1 AND acked_seq > $2"
RECORD_FAILURE = """
UPDATE sync_targets SET last_error = $2, last_error_at = $3, last_error_kind = $4,
    last_error_message = $5
WHERE id = $1
"""
MOVE_CURSOR = """
UPDATE sync_targets SET acked_seq = $3, acked_at = $4 WHERE id = $1 AND acked_seq = $2
RETURNING id
"""
# Tombstones every target has, once they are a while old: a central restored from a
# backup asks for the changes since its backup, deletions included. With no target at
# all, none is needed (a target added later starts from 0, and the rows they stand for
# were never there).
PRUNE_TOMBSTONES = """
DELETE FROM sync_tombstones
WHERE change_seq <= coalesce((SELECT min(acked_seq) FROM sync_targets), 9223372036854775807)
    AND (deleted_at < clock_timestamp() - interval '30 days'
        OR NOT EXISTS (SELECT 1 FROM sync_targets))
"""
COLDPREVIEW_PATHS = """
SELECT hothash, coldpreview_path FROM photos
WHERE hothash = ANY($1::text[]) AND coldpreview_path IS NOT NULL AND origin IS NULL
"""
HORIZON_LOCK_TIMEOUT = "SET LOCAL lock_timeout = '30s'"
HORIZON = "SELECT sync_horizon()"

# Each synced table's rows as a push sends them, built from the registry (synced_tables),
# e.g. `SELECT t.id, p.hothash, t.file_path, ... FROM image_files t JOIN photos p ON
# p.id = t.photo_id WHERE ...`: `t` is the row, `p` the photo a file or correction names.


def _source(table: SyncedTable) -> str:
    """The FROM of a table's rows (`t`), with their photo (`p`) where they name it by id."""
    if table.by_photo:
        return f"{table.name} t JOIN photos p ON p.id = t.photo_id"
    return f"{table.name} t"


def _read(table: SyncedTable) -> str:
    """`SELECT <its fields> FROM <table>`: a table's rows as the wire has them."""
    fields = ", ".join(
        field.read if field.read.endswith(f".{field.name}") else f"{field.read} AS {field.name}"
        for field in table.fields
    )
    return f"SELECT {fields} FROM {_source(table)}"  # noqa: S608 - the registry's constants


def _key_of(table: SyncedTable) -> str:
    """The SQL of the field that names a row (`t.id`, or its photo's hothash)."""
    return table.field(table.key).read


IN_RANGE = {
    name: f"{_read(table)} WHERE t.change_seq > $1 AND t.change_seq <= $2 AND t.origin IS NULL"
    " ORDER BY t.change_seq"
    for name, table in TABLES.items()
}
BY_KEY = {
    name: f"{_read(table)} WHERE {_key_of(table)} = ANY($1::{table.field(table.key).sql_type}[])"
    " AND t.change_seq > $2 AND t.origin IS NULL"
    for name, table in TABLES.items()
}
DELETIONS = """
SELECT entity, entity_key AS key FROM sync_tombstones
WHERE change_seq > $1 AND change_seq <= $2 ORDER BY change_seq
"""
# Each table's `limit` first numbers come from its index; the `limit`-th of their union
# is the batch's end. Mirrored rows (central only, which pushes nowhere) are not told
# apart here: that would cost the index-only scan.
_FIRST_NUMBERS = " UNION ALL ".join(
    f"(SELECT change_seq FROM {table} WHERE change_seq > $1 AND change_seq <= $2"  # noqa: S608
    " ORDER BY change_seq LIMIT $3)"
    for table in [*TABLES, "sync_tombstones"]
)
BATCH_END = f"""
SELECT coalesce((SELECT change_seq FROM ({_FIRST_NUMBERS}) AS numbers
                 ORDER BY change_seq LIMIT 1 OFFSET $3 - 1), $2)
"""  # noqa: S608
_LOGGED = " UNION ALL ".join(
    f"SELECT '{name}' AS entity_type, {_key_of(table)}::text AS entity_id,"  # noqa: S608
    f" t.change_seq, false AS deleted FROM {_source(table)}"
    " WHERE t.change_seq > $2 AND t.change_seq <= $3 AND t.origin IS NULL"
    for name, table in TABLES.items()
)
# A row deleted and created again within the range is logged once, as its last change.
LOG_ACKNOWLEDGED = f"""
INSERT INTO sync_log (target_id, entity_type, entity_id, change_seq, deleted, synced_at)
SELECT DISTINCT ON (entity_type, entity_id) $1, entity_type, entity_id, change_seq, deleted, $4
FROM ({_LOGGED}
      UNION ALL
      SELECT entity, entity_key, change_seq, true FROM sync_tombstones
      WHERE change_seq > $2 AND change_seq <= $3) AS acknowledged
ORDER BY entity_type, entity_id, change_seq DESC
ON CONFLICT (target_id, entity_type, entity_id) DO UPDATE
SET change_seq = excluded.change_seq, deleted = excluded.deleted, synced_at = excluded.synced_at
"""  # noqa: S608
# Counting stops here (per table). Up to date, the counts cost well under a millisecond
# (empty ranges of the change_seq indexes); never synced, at 100,000 photos, about 40 ms,
# most of it reading photos for the coldpreview count. The cap keeps larger catalogs there.
PENDING_CAP = 100_000
_PENDING_COUNTS = " + ".join(
    f"(SELECT count(*) FROM (SELECT 1 FROM {table} WHERE change_seq > $1 LIMIT $3) AS c)"  # noqa: S608
    for table in [*TABLES, "sync_tombstones"]
)
PENDING = f"""
SELECT {_PENDING_COUNTS} AS rows,
    (SELECT count(*) FROM (SELECT 1 FROM photos WHERE change_seq > $1 LIMIT $3) AS c) AS photos,
    (SELECT count(*) FROM (
        SELECT 1 FROM photos
        WHERE change_seq > $1 AND coldpreview_path IS NOT NULL AND origin IS NULL
            AND ($2::timestamptz IS NULL OR registered_at > $2)
        LIMIT $3) AS c) AS coldpreviews
"""  # noqa: S608
# The oldest last change among the photos the target lacks: since then photos wait.
UNSYNCED_SINCE = """
SELECT min(updated_at) FROM photos WHERE change_seq > $1 AND origin IS NULL
"""


async def insert_target(
    conn: Conn, *, name: str, url: str, token: str, machine_name: str, ca_file: str | None
) -> Target:
    """Add a target (a name or URL already used is a Conflict)."""
    row = await conn.fetchrow(INSERT_TARGET, name, url, token, machine_name, ca_file)
    return to_struct(row, Target)


async def list_targets(conn: Conn) -> list[Target]:
    """Every target, by name."""
    return to_structs(await conn.fetch(LIST_TARGETS), Target)


async def get_target(conn: Conn, target_id: uuid.UUID) -> Target | None:
    """One target, or None."""
    row = await conn.fetchrow(GET_TARGET, target_id)
    return to_struct(row, Target) if row else None


async def find_target(conn: Conn, ref: str) -> Target | None:
    """The target with this id, name or URL, or None."""
    row = await conn.fetchrow(FIND_TARGET, ref)
    return to_struct(row, Target) if row else None


async def delete_target(conn: Conn, target_id: uuid.UUID) -> bool:
    """Remove a target and its log; False when it did not exist."""
    return await conn.fetchval(DELETE_TARGET, target_id) is not None


async def horizon(pool: asyncpg.Pool) -> int:
    """The number up to which every change is committed (or gone with its transaction).

    Waits for writers that hold numbers; a write longer than the lock timeout is a
    Conflict, not a push that waits for ever."""
    async with pool.acquire() as conn:
        try:
            async with conn.transaction():
                await conn.execute(HORIZON_LOCK_TIMEOUT)
                number: int = await conn.fetchval(HORIZON)
        except asyncpg.LockNotAvailableError:
            raise Conflict("the catalog is busy (a long write holds it); try again") from None
    return number


async def batch_end(conn: Conn, after: int, horizon: int, limit: int) -> int:
    """The number of the `limit`-th change above `after` (at most `horizon`)."""
    end: int = await conn.fetchval(BATCH_END, after, horizon, limit)
    return end


async def read_changes(conn: Conn, *, after: int, upto: int, machine_name: str) -> SyncBatch:
    """The rows changed in (after, upto] at their current state, their deletions, and
    every row they point at that central may not have yet (changed after `after`)."""
    rows: dict[str, dict[str, Any]] = {}
    for table in TABLES:
        found = await conn.fetch(IN_RANGE[table], after, upto)
        rows[table] = {_key(table, row): row for row in found}
    # Looked up already (sent, or on central): the visited set that ends cycles.
    seen = {table: set(keyed) for table, keyed in rows.items()}
    wanted = _pointed_at(rows, seen)
    while wanted:
        added: dict[str, dict[str, Any]] = defaultdict(dict)
        for table, keys in wanted.items():
            seen[table] |= keys
            key_type = uuid.UUID if TABLES[table].key == "id" else str
            found = await conn.fetch(BY_KEY[table], [key_type(key) for key in keys], after)
            for row in found:
                added[table][_key(table, row)] = row
                rows[table][_key(table, row)] = row
        wanted = _pointed_at(added, seen)
    batch = SyncBatch(
        machine_name=machine_name,
        after=after,
        upto=upto,
        deletions=to_structs(await conn.fetch(DELETIONS, after, upto), SyncDeletion),
    )
    for table, keyed in rows.items():
        setattr(batch, table, to_structs(list(keyed.values()), TABLES[table].row_type))
    return batch


def _key(table: str, row: Any) -> str:
    return str(row[TABLES[table].key])


def _pointed_at(new: dict[str, dict[str, Any]], seen: dict[str, set[str]]) -> dict[str, set[str]]:
    """Keys the new rows point at that were never looked up, per table."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for table, keyed in new.items():
        # A row pointed at that central may lack goes with the batch (central checks
        # keys per batch, and counts such rows apart from the changes by the same map).
        for field, pointed in TABLES[table].pointers:
            for row in keyed.values():
                value = row[field]
                if value is not None and str(value) not in seen[pointed]:
                    wanted[pointed].add(str(value))
    return dict(wanted)


async def coldpreview_paths(conn: Conn, hothashes: list[str]) -> dict[str, str]:
    """The coldpreview path (relative to the coldpreview folder) of those photos that have one."""
    rows = await conn.fetch(COLDPREVIEW_PATHS, hothashes)
    return {row["hothash"]: row["coldpreview_path"] for row in rows}


async def acknowledge(
    conn: Conn, target_id: uuid.UUID, *, after: int, upto: int, acked_at: datetime
) -> bool:
    """Move the target's cursor from `after` to `upto` and log what it now has; False
    (nothing written) when the cursor is no longer at `after`. Run it in a transaction."""
    if await conn.fetchval(MOVE_CURSOR, target_id, after, upto, acked_at) is None:
        return False
    await conn.execute(LOG_ACKNOWLEDGED, target_id, after, upto, acked_at)
    return True


async def reset_cursor(conn: Conn, target_id: uuid.UUID) -> None:
    """Send everything to the target again (a full push, or a new central)."""
    await conn.execute(RESET_CURSOR, target_id)
    await conn.execute(FORGET_LOG, target_id)


async def record_success(
    conn: Conn, target_id: uuid.UUID, central_id: uuid.UUID, at: datetime
) -> None:
    """Note a push that finished, and the central it reached."""
    await conn.execute(RECORD_SUCCESS, target_id, central_id, at)


async def set_central(conn: Conn, target_id: uuid.UUID, central_id: uuid.UUID) -> None:
    """Remember which central answered at the target's URL."""
    await conn.execute(SET_CENTRAL, target_id, central_id)


async def note_central_clock(conn: Conn, target_id: uuid.UUID, clock: datetime) -> None:
    """Remember the clock the target's central answered: edits made from now on are
    stamped no earlier than it (moved on by the time gone by), so they win over every
    edit it holds."""
    await conn.execute(NOTE_CENTRAL_CLOCK, target_id, clock)


async def rewind_cursor(conn: Conn, target_id: uuid.UUID, acked_seq: int) -> None:
    """The target has this machine's changes up to `acked_seq` only: send from there."""
    await conn.execute(REWIND_CURSOR, target_id, acked_seq)


async def record_failure(
    conn: Conn,
    target_id: uuid.UUID,
    error: str,
    at: datetime,
    *,
    kind: str | None = None,
    message: str | None = None,
) -> None:
    """Note why the last push failed: the technical text, its kind and its sentence."""
    await conn.execute(RECORD_FAILURE, target_id, error, at, kind, message)


async def prune_tombstones(conn: Conn) -> int:
    """Forget deletions every target has; returns how many."""
    result: str = await conn.execute(PRUNE_TOMBSTONES)
    return int(result.split()[-1])


async def pending(conn: Conn, target: Target) -> tuple[int, int, int]:
    """(rows and deletions, photos among them, new photos' coldpreviews) not yet on the
    target; each count stops at PENDING_CAP per table."""
    row = await conn.fetchrow(PENDING, target.acked_seq, target.acked_at, PENDING_CAP)
    assert row is not None  # an aggregate always answers one row
    return row["rows"], row["photos"], row["coldpreviews"]


async def unsynced_since(conn: Conn, target: Target) -> datetime | None:
    """Since when photos have waited for the target (None when none waits)."""
    since: datetime | None = await conn.fetchval(UNSYNCED_SINCE, target.acked_seq)
    return since
