"""SQL for watched folders: the configuration the watcher follows."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from daemon.store.base import Conn, to_struct, to_structs, update_statement
from protocol.watched_folders import WatchedFolderCreate


class StoredFolder(msgspec.Struct, frozen=True, kw_only=True):
    """A watched folder's row, with the setting that switches every watch on or off."""

    id: uuid.UUID
    path: str
    recursive: bool
    photographer_id: uuid.UUID | None
    paused: bool
    last_scan_at: datetime | None
    created_at: datetime
    watching_enabled: bool


SELECT = """
SELECT w.id, w.path, w.recursive, w.photographer_id, w.paused, w.last_scan_at, w.created_at,
    s.watching_enabled
FROM watched_folders w CROSS JOIN system_settings s
WHERE s.singleton
"""
LIST = SELECT + " ORDER BY w.path, w.id"
GET = SELECT + " AND w.id = $1"
# Taken in the insert's transaction: two clients adding nested folders at once would
# each see no neighbour; this mode admits one writer at a time and leaves reads alone.
LOCK = "LOCK TABLE watched_folders IN SHARE ROW EXCLUSIVE MODE"
PATHS = "SELECT path FROM watched_folders"
INSERT = """
INSERT INTO watched_folders (path, recursive, photographer_id, paused)
VALUES ($1, $2, $3, $4) RETURNING id
"""
DELETE = "DELETE FROM watched_folders WHERE id = $1 RETURNING id"


async def list_all(conn: Conn) -> list[StoredFolder]:
    """Every watched folder, by path."""
    return to_structs(await conn.fetch(LIST), StoredFolder)


async def get(conn: Conn, folder_id: uuid.UUID) -> StoredFolder | None:
    """One watched folder, or None."""
    row = await conn.fetchrow(GET, folder_id)
    return to_struct(row, StoredFolder) if row else None


async def lock(conn: Conn) -> None:
    """Keep other writers out of the table until this transaction ends."""
    await conn.execute(LOCK)


async def paths(conn: Conn) -> list[str]:
    """The paths of every watched folder."""
    return [row["path"] for row in await conn.fetch(PATHS)]


async def insert(conn: Conn, path: str, data: WatchedFolderCreate) -> uuid.UUID:
    """Add a watched folder at its canonical path."""
    folder_id: uuid.UUID = await conn.fetchval(
        INSERT, path, data.recursive, data.photographer_id, data.paused
    )
    return folder_id


async def update(conn: Conn, folder_id: uuid.UUID, values: dict[str, Any]) -> bool:
    """Change columns of a watched folder; False when it does not exist."""
    sql, args = update_statement("watched_folders", values, returning="id")
    return await conn.fetchval(sql, folder_id, *args) is not None


async def delete(conn: Conn, folder_id: uuid.UUID) -> bool:
    """Remove a watched folder; its photos, files and sessions stay. False when it did
    not exist."""
    return await conn.fetchval(DELETE, folder_id) is not None
