"""SQL for where each known file is: a photo's files, their state, moves.

Paths under a folder are found by range with the C-collation operators of the
text_pattern_ops index: `~>=~ $1 AND ~<~ $2` is "starts with $1" for a prefix that
ends in a separator (`prefix_bounds`).
"""

from __future__ import annotations

import uuid

import msgspec

from daemon.paths import MAX_PATH_BYTES
from daemon.store.base import Conn

FILES_OF = """
SELECT id, file_path AS path, file_type, is_master, state FROM image_files WHERE photo_id = $1
"""
FORGET_FILES = "DELETE FROM image_files WHERE id = ANY($1::uuid[])"
FILES_UNDER = """
SELECT file_path, state FROM image_files WHERE file_path ~>=~ $1 AND file_path ~<~ $2
"""
ANY_UNDER = """
SELECT EXISTS (SELECT 1 FROM image_files WHERE file_path ~>=~ $1 AND file_path ~<~ $2)
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
# A path the move would make longer than the catalog stores stays where it was: the
# scan of the new place lists that file as too long, and the old path goes missing.
MOVE_FILES_UNDER = """
UPDATE image_files
SET file_path = $3 || substr(file_path, length($1) + 1), state = 'online',
    state_changed_at = clock_timestamp()
WHERE file_path ~>=~ $1 AND file_path ~<~ $2
  AND octet_length($3 || substr(file_path, length($1) + 1)) <= $4
"""
MOVE_DUPLICATES_UNDER = """
UPDATE duplicate_files SET file_path = $3 || substr(file_path, length($1) + 1)
WHERE file_path ~>=~ $1 AND file_path ~<~ $2
  AND octet_length($3 || substr(file_path, length($1) + 1)) <= $4
"""


class StoredFile(msgspec.Struct, frozen=True):
    """One of a photo's files as the catalog has it."""

    id: uuid.UUID
    path: str
    file_type: str
    is_master: bool
    state: str


def prefix_bounds(prefix: str) -> tuple[str, str]:
    """The range of paths that start with `prefix` (which ends with a path separator)."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


async def files_of(conn: Conn, photo_id: uuid.UUID) -> list[StoredFile]:
    """A photo's files."""
    return [StoredFile(**dict(row)) for row in await conn.fetch(FILES_OF, photo_id)]


async def forget_files(conn: Conn, file_ids: list[uuid.UUID]) -> None:
    """Drop file rows (companions that went away when their photo moved)."""
    if file_ids:
        await conn.execute(FORGET_FILES, file_ids)


async def files_under(conn: Conn, prefix: str) -> dict[str, str]:
    """Every known file under the folder `prefix`, with its state."""
    rows = await conn.fetch(FILES_UNDER, *prefix_bounds(prefix))
    return {row["file_path"]: row["state"] for row in rows}


async def any_under(conn: Conn, prefix: str) -> bool:
    """Whether the catalog has any file under the folder `prefix`."""
    return bool(await conn.fetchval(ANY_UNDER, *prefix_bounds(prefix)))


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
    await conn.execute(MOVE_FILES_UNDER, low, high, destination, MAX_PATH_BYTES)
    await conn.execute(MOVE_DUPLICATES_UNDER, low, high, destination, MAX_PATH_BYTES)
