"""SQL for stacks (photos.stack_id) and duplicate files."""

from __future__ import annotations

import uuid

from daemon.store.base import Conn, to_structs
from daemon.store.photos import ITEM_COLUMNS
from protocol.photos import PhotoItem
from protocol.stacks import DuplicateFile

MEMBERS = f"""
SELECT {ITEM_COLUMNS} FROM photos p WHERE p.stack_id = $1 ORDER BY p.registered_at, p.id
"""  # noqa: S608 - a fixed column list
IN_OTHER_STACKS = """
SELECT hothash FROM photos
WHERE hothash = ANY($1::text[]) AND stack_id IS NOT NULL AND stack_id <> $2
"""
JOIN = "UPDATE photos SET stack_id = $2 WHERE hothash = ANY($1::text[])"
LEAVE = """
UPDATE photos SET stack_id = NULL, is_stack_cover = false WHERE stack_id = $1 AND hothash = $2
RETURNING hothash
"""
DISSOLVE = "UPDATE photos SET stack_id = NULL, is_stack_cover = false WHERE stack_id = $1"
# One statement keeps "exactly one cover" true at every moment (a unique index guards it).
SET_COVER = """
UPDATE photos SET is_stack_cover = (hothash = $2) WHERE stack_id = $1
"""
FIRST = """
SELECT hothash FROM photos WHERE stack_id = $1 ORDER BY registered_at, id LIMIT 1
"""
COVER = "SELECT hothash FROM photos WHERE stack_id = $1 AND is_stack_cover"
STACKS_OF = """
SELECT DISTINCT stack_id FROM photos WHERE hothash = ANY($1::text[]) AND stack_id IS NOT NULL
"""
DUPLICATES = """
SELECT d.id, p.hothash, d.file_path, d.session_id, d.detected_at
FROM duplicate_files d JOIN photos p ON p.id = d.photo_id
WHERE ($1::uuid IS NULL OR d.session_id = $1) AND ($2::text IS NULL OR p.hothash = $2)
ORDER BY d.detected_at, d.file_path LIMIT $3 OFFSET $4
"""
DELETE_DUPLICATE = "DELETE FROM duplicate_files WHERE id = $1 RETURNING id"
DUPLICATES_UNDER = """
SELECT id, file_path FROM duplicate_files WHERE starts_with(file_path, $1)
"""
DELETE_DUPLICATES = "DELETE FROM duplicate_files WHERE id = ANY($1::uuid[])"


async def members(conn: Conn, stack_id: uuid.UUID) -> list[PhotoItem]:
    """A stack's photos in registration order."""
    return to_structs(await conn.fetch(MEMBERS, stack_id), PhotoItem)


async def in_other_stacks(conn: Conn, hothashes: list[str], stack_id: uuid.UUID) -> list[str]:
    """Which of these photos already belong to another stack."""
    return [row["hothash"] for row in await conn.fetch(IN_OTHER_STACKS, hothashes, stack_id)]


async def join(conn: Conn, hothashes: list[str], stack_id: uuid.UUID) -> None:
    """Put photos in a stack."""
    await conn.execute(JOIN, hothashes, stack_id)


async def leave(conn: Conn, stack_id: uuid.UUID, hothash: str) -> bool:
    """Take a photo out of a stack; False when it was not in it."""
    return await conn.fetchval(LEAVE, stack_id, hothash) is not None


async def dissolve(conn: Conn, stack_id: uuid.UUID) -> None:
    """Free every photo of a stack."""
    await conn.execute(DISSOLVE, stack_id)


async def set_cover(conn: Conn, stack_id: uuid.UUID, hothash: str) -> None:
    """Make one photo the stack's only cover."""
    await conn.execute(SET_COVER, stack_id, hothash)


async def first(conn: Conn, stack_id: uuid.UUID) -> str | None:
    """The stack's first photo by registration, None when it is empty."""
    hothash: str | None = await conn.fetchval(FIRST, stack_id)
    return hothash


async def cover(conn: Conn, stack_id: uuid.UUID) -> str | None:
    """The stack's cover."""
    hothash: str | None = await conn.fetchval(COVER, stack_id)
    return hothash


async def stacks_of(conn: Conn, hothashes: list[str]) -> list[uuid.UUID]:
    """The stacks these photos belong to."""
    return [row["stack_id"] for row in await conn.fetch(STACKS_OF, hothashes)]


async def duplicates(
    conn: Conn, session_id: uuid.UUID | None, hothash: str | None, limit: int, offset: int
) -> list[DuplicateFile]:
    """Duplicate files, optionally of one session or one photo."""
    rows = await conn.fetch(DUPLICATES, session_id, hothash, limit, offset)
    return to_structs(rows, DuplicateFile)


async def delete_duplicate(conn: Conn, duplicate_id: uuid.UUID) -> bool:
    """Forget one duplicate row; False when it did not exist."""
    return await conn.fetchval(DELETE_DUPLICATE, duplicate_id) is not None


async def duplicates_under(conn: Conn, folder: str) -> list[tuple[uuid.UUID, str]]:
    """Duplicate rows whose file lies under a folder."""
    return [(row["id"], row["file_path"]) for row in await conn.fetch(DUPLICATES_UNDER, folder)]


async def delete_duplicates(conn: Conn, ids: list[uuid.UUID]) -> None:
    """Forget these duplicate rows."""
    await conn.execute(DELETE_DUPLICATES, ids)
