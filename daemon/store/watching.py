"""SQL the watcher needs: its folders and settings, and where each known file is."""

from __future__ import annotations

import uuid

import msgspec

from daemon.store.base import Conn

FOLDERS = "SELECT id, path, recursive, photographer_id, paused FROM watched_folders ORDER BY path"
SETTINGS = """
SELECT watching_enabled, watch_quiet_seconds, watch_rescan_minutes FROM system_settings
"""
SCANNED = "UPDATE watched_folders SET last_scan_at = clock_timestamp() WHERE id = $1"
# Prefixes are compared with the C-collation operators of the text_pattern_ops index:
# `~>=~ $1 AND ~<~ $2` is "starts with $1" for a prefix ending in a separator.
FILES_UNDER = """
SELECT file_path, state FROM image_files WHERE file_path ~>=~ $1 AND file_path ~<~ $2
"""
ANY_UNDER = """
SELECT EXISTS (SELECT 1 FROM image_files WHERE file_path ~>=~ $1 AND file_path ~<~ $2)
"""
# The last failure of each file in this folder's sessions.
FAILED_SINCE = """
SELECT e.file_path, max(e.occurred_at) AS occurred_at
FROM session_errors e JOIN input_sessions s ON s.id = e.session_id
WHERE s.watched_folder_id = $1 AND e.file_path = ANY($2::text[])
GROUP BY e.file_path
"""
SET_STATE = """
UPDATE image_files SET state = $2, state_changed_at = clock_timestamp()
WHERE file_path = ANY($1::text[]) AND state <> $2
"""
SET_STATE_UNDER = """
UPDATE image_files SET state = $3, state_changed_at = clock_timestamp()
WHERE file_path ~>=~ $1 AND file_path ~<~ $2 AND state = ANY($4::text[])
"""
MOVE_FILE = """
UPDATE image_files SET file_path = $2, state = 'online', state_changed_at = clock_timestamp()
WHERE file_path = $1 AND NOT EXISTS (SELECT 1 FROM image_files WHERE file_path = $2)
RETURNING photo_id
"""
MOVE_DUPLICATE = """
UPDATE duplicate_files SET file_path = $2
WHERE file_path = $1 AND NOT EXISTS (SELECT 1 FROM duplicate_files WHERE file_path = $2)
"""
MOVE_FILES_UNDER = """
UPDATE image_files
SET file_path = $3 || substr(file_path, length($1) + 1), state = 'online',
    state_changed_at = clock_timestamp()
WHERE file_path ~>=~ $1 AND file_path ~<~ $2
"""
MOVE_DUPLICATES_UNDER = """
UPDATE duplicate_files SET file_path = $3 || substr(file_path, length($1) + 1)
WHERE file_path ~>=~ $1 AND file_path ~<~ $2
"""


class WatchedFolderRow(msgspec.Struct, frozen=True):
    """A watched folder as the watcher follows it."""

    id: uuid.UUID
    path: str
    recursive: bool
    photographer_id: uuid.UUID | None
    paused: bool


class WatchSettings(msgspec.Struct, frozen=True):
    """The installation's watch settings."""

    watching_enabled: bool
    watch_quiet_seconds: float
    watch_rescan_minutes: int


def prefix_bounds(prefix: str) -> tuple[str, str]:
    """The range of paths that start with `prefix` (which ends with a path separator)."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


async def folders(conn: Conn) -> list[WatchedFolderRow]:
    """Every watched folder."""
    return [WatchedFolderRow(**dict(row)) for row in await conn.fetch(FOLDERS)]


async def settings(conn: Conn) -> WatchSettings:
    """Whether and how folders are watched."""
    row = await conn.fetchrow(SETTINGS)
    assert row is not None  # the settings row is made at first start
    return WatchSettings(**dict(row))


async def scanned(conn: Conn, folder_id: uuid.UUID) -> None:
    """A complete scan of the folder has ended."""
    await conn.execute(SCANNED, folder_id)


async def files_under(conn: Conn, prefix: str) -> dict[str, str]:
    """Every known file under the folder `prefix`, with its state."""
    rows = await conn.fetch(FILES_UNDER, *prefix_bounds(prefix))
    return {row["file_path"]: row["state"] for row in rows}


async def any_under(conn: Conn, prefix: str) -> bool:
    """Whether the catalog has any file under the folder `prefix`."""
    return bool(await conn.fetchval(ANY_UNDER, *prefix_bounds(prefix)))


async def failed_since(conn: Conn, folder_id: uuid.UUID, paths: list[str]) -> dict[str, float]:
    """Of these paths, those a session of the folder could not register, with the Unix
    time of the last failure."""
    if not paths:
        return {}
    rows = await conn.fetch(FAILED_SINCE, folder_id, paths)
    return {row["file_path"]: row["occurred_at"].timestamp() for row in rows}


async def set_state(conn: Conn, paths: list[str], state: str) -> int:
    """Give these files a state; how many changed."""
    if not paths:
        return 0
    result = await conn.execute(SET_STATE, paths, state)
    return int(result.split()[-1])


async def set_state_under(conn: Conn, prefix: str, state: str, from_states: list[str]) -> int:
    """Give every file under `prefix` now in one of `from_states` the state `state`."""
    result = await conn.execute(SET_STATE_UNDER, *prefix_bounds(prefix), state, from_states)
    return int(result.split()[-1])


async def move_file(conn: Conn, source: str, destination: str) -> bool:
    """A known file was renamed or moved; False when the source is unknown or the
    destination is already another file of the catalog."""
    moved = await conn.fetchval(MOVE_FILE, source, destination)
    await conn.execute(MOVE_DUPLICATE, source, destination)
    return moved is not None


async def move_folder(conn: Conn, source: str, destination: str) -> None:
    """A folder was renamed or moved: every known path under it follows (prefixes end
    with a separator)."""
    low, high = prefix_bounds(source)
    await conn.execute(MOVE_FILES_UNDER, low, high, destination)
    await conn.execute(MOVE_DUPLICATES_UNDER, low, high, destination)
