"""SQL for photographers."""

from __future__ import annotations

import uuid
from typing import Any

from daemon.store.base import Conn, to_struct, to_structs, update_statement
from protocol.photographers import Photographer, PhotographerCreate

ENSURE_SPECIAL = """
INSERT INTO photographers (name, is_default, is_unknown)
SELECT $1, $2, $3
WHERE NOT EXISTS (
    SELECT 1 FROM photographers
    WHERE origin IS NULL AND ((is_default AND $2) OR (is_unknown AND $3))
)
"""
LIST = (
    "SELECT * FROM photographers ORDER BY is_default DESC, is_unknown DESC, lower(name), created_at"
)
GET = "SELECT * FROM photographers WHERE id = $1"
GET_DEFAULT = "SELECT * FROM photographers WHERE is_default AND origin IS NULL"
INSERT = """
INSERT INTO photographers (name, website, bio, notes) VALUES ($1, $2, $3, $4) RETURNING *
"""
DELETE = "DELETE FROM photographers WHERE id = $1"
PHOTO_COUNT = "SELECT count(*) FROM photos WHERE photographer_id = $1"
# Both rows of a merge, locked in one order (two opposite merges wait, never deadlock):
# rows that would name the one going (a photo, a session) wait for the merge's end.
LOCK = "SELECT * FROM photographers WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE"
# Registrations that hold the photographer in memory for the photos they will write.
REGISTERING = """
SELECT count(*) FROM input_sessions
WHERE default_photographer_id = $1 AND status IN ('pending', 'running')
"""
# Every row that names a photographer. The synced tables' triggers mark what changes
# for the next push (change_seq; a photo's edited_at.photographer too).
REASSIGN = (
    "UPDATE photos SET photographer_id = $2 WHERE photographer_id = $1",
    "UPDATE input_sessions SET default_photographer_id = $2 WHERE default_photographer_id = $1",
    "UPDATE watched_folders SET photographer_id = $2 WHERE photographer_id = $1",
)


async def ensure_special(conn: Conn) -> None:
    """Create the default and unknown photographers if they are missing."""
    await conn.execute(ENSURE_SPECIAL, "Default photographer", True, False)
    await conn.execute(ENSURE_SPECIAL, "Unknown photographer", False, True)


async def list_all(conn: Conn) -> list[Photographer]:
    """Every photographer, the special rows first."""
    return to_structs(await conn.fetch(LIST), Photographer)


async def get(conn: Conn, photographer_id: uuid.UUID) -> Photographer | None:
    """One photographer, or None."""
    row = await conn.fetchrow(GET, photographer_id)
    return to_struct(row, Photographer) if row else None


async def get_default(conn: Conn) -> Photographer:
    """The owner's photographer row."""
    return to_struct(await conn.fetchrow(GET_DEFAULT), Photographer)


async def insert(conn: Conn, data: PhotographerCreate) -> Photographer:
    """Add a photographer."""
    row = await conn.fetchrow(INSERT, data.name, data.website, data.bio, data.notes)
    return to_struct(row, Photographer)


async def update(
    conn: Conn, photographer_id: uuid.UUID, values: dict[str, Any]
) -> Photographer | None:
    """Change the given columns; None when the row does not exist."""
    sql, args = update_statement("photographers", values, returning="*")
    row = await conn.fetchrow(sql, photographer_id, *args)
    return to_struct(row, Photographer) if row else None


async def delete(conn: Conn, photographer_id: uuid.UUID) -> None:
    """Remove a photographer (the service has checked it may go)."""
    await conn.execute(DELETE, photographer_id)


async def lock(conn: Conn, ids: list[uuid.UUID]) -> dict[uuid.UUID, Photographer]:
    """Lock these photographers' rows until the transaction ends; those that exist, by id."""
    return {p.id: p for p in to_structs(await conn.fetch(LOCK, ids), Photographer)}


async def registering(conn: Conn, photographer_id: uuid.UUID) -> int:
    """How many registrations not finished yet give their photos this photographer."""
    count: int = await conn.fetchval(REGISTERING, photographer_id)
    return count


async def reassign(conn: Conn, source: uuid.UUID, target: uuid.UUID) -> None:
    """Make every row naming photographer `source` name `target`."""
    for statement in REASSIGN:
        await conn.execute(statement, source, target)


async def photo_count(conn: Conn, photographer_id: uuid.UUID) -> int:
    """How many photos name this photographer."""
    count: int = await conn.fetchval(PHOTO_COUNT, photographer_id)
    return count
