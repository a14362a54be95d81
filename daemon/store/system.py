"""SQL for what the status command and the tray report."""

from __future__ import annotations

from datetime import datetime

from daemon.store.base import Conn

DATABASE_SIZE = "SELECT pg_database_size(current_database())"
PHOTO_COUNT = "SELECT count(*) FROM photos WHERE deleted_at IS NULL"
FILE_STATES = """
SELECT count(*) FILTER (WHERE state = 'missing') AS missing,
    count(*) FILTER (WHERE state = 'offline') AS offline
FROM image_files WHERE state <> 'online'
"""
PING = "SELECT 1"
SETTLED_CHANGE = "SELECT settled_change()"
SERVER_STARTED = "SELECT pg_postmaster_start_time()"


async def ping(conn: Conn) -> None:
    """Raise unless the database answers a query."""
    await conn.fetchval(PING)


async def server_started(conn: Conn) -> datetime:
    """When the database server last started: a change means it restarted meanwhile."""
    started: datetime = await conn.fetchval(SERVER_STARTED)
    return started


async def database_size(conn: Conn) -> int:
    """Bytes the catalog database takes on disk."""
    size: int = await conn.fetchval(DATABASE_SIZE)
    return size


async def photo_count(conn: Conn) -> int:
    """Photos in the catalog, not counting the trash."""
    count: int = await conn.fetchval(PHOTO_COUNT)
    return count


async def file_states(conn: Conn) -> tuple[int, int]:
    """Known files that are missing, and that are offline (the rest are online)."""
    row = await conn.fetchrow(FILE_STATES)
    assert row is not None  # an aggregate always answers one row
    return row["missing"], row["offline"]


async def settled_change(conn: Conn) -> int | None:
    """The last change number with no writer still holding one, or None while one does."""
    settled: int | None = await conn.fetchval(SETTLED_CHANGE)
    return settled
