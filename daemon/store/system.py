"""SQL for what the status command reports."""

from __future__ import annotations

from datetime import datetime

from daemon.store.base import Conn

DATABASE_SIZE = "SELECT pg_database_size(current_database())"
PHOTO_COUNT = "SELECT count(*) FROM photos WHERE deleted_at IS NULL"
PING = "SELECT 1"
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
