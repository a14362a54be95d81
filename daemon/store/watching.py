"""SQL the watcher needs of its own: its folders, and the files it failed on."""

from __future__ import annotations

import uuid

import msgspec

from daemon.store.base import Conn

FOLDERS = "SELECT id, path, recursive, photographer_id, paused FROM watched_folders ORDER BY path"
SCANNED = "UPDATE watched_folders SET last_scan_at = clock_timestamp() WHERE id = $1"
# The last failure of each file in this folder's sessions.
FAILED_SINCE = """
SELECT e.file_path, max(e.occurred_at) AS occurred_at
FROM session_errors e JOIN input_sessions s ON s.id = e.session_id
WHERE s.watched_folder_id = $1 AND e.file_path = ANY($2::text[])
GROUP BY e.file_path
"""


class WatchedFolderRow(msgspec.Struct, frozen=True):
    """A watched folder as the watcher follows it."""

    id: uuid.UUID
    path: str
    recursive: bool
    photographer_id: uuid.UUID | None
    paused: bool


async def folders(conn: Conn) -> list[WatchedFolderRow]:
    """Every watched folder."""
    return [WatchedFolderRow(**dict(row)) for row in await conn.fetch(FOLDERS)]


async def scanned(conn: Conn, folder_id: uuid.UUID) -> None:
    """A complete scan of the folder has ended."""
    await conn.execute(SCANNED, folder_id)


async def failed_since(conn: Conn, folder_id: uuid.UUID, paths: list[str]) -> dict[str, float]:
    """Of these paths, those a session of the folder could not register, with the Unix
    time of the last failure."""
    if not paths:
        return {}
    rows = await conn.fetch(FAILED_SINCE, folder_id, paths)
    return {row["file_path"]: row["occurred_at"].timestamp() for row in rows}
