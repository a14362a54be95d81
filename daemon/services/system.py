"""Facts about the running catalog."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import asyncpg

from daemon.database import UNAVAILABLE
from daemon.services import sync
from daemon.services.input_sessions import InputSessions
from daemon.services.settled import SettledCache
from daemon.services.watched_folders import WatchedFolders
from daemon.store import system as store
from protocol.system import Activity

if TYPE_CHECKING:
    from daemon.sync.runs import SyncRuns

HEALTH_TIMEOUT = 2.0
# The tray lists this many unfinished sessions at most (a watched folder may open many).
ACTIVITY_SESSIONS = 20
# Whatever a down, restarting or vanished server makes asyncpg raise: health is where
# a monitor looks during an outage, so it must say 503, never 500.
_NOT_ANSWERING: tuple[type[Exception], ...] = (
    *UNAVAILABLE,
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)


async def database_answers(pool: asyncpg.Pool) -> bool:
    """True when the database answers a query within a short time."""
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT), pool.acquire() as conn:
            await store.ping(conn)
    except _NOT_ANSWERING:
        return False
    return True


async def catalog_figures(pool: asyncpg.Pool) -> tuple[int, int]:
    """Database size in bytes and the number of photos outside the trash."""
    async with pool.acquire() as conn:
        return await store.database_size(conn), await store.photo_count(conn)


async def activity(
    pool: asyncpg.Pool,
    cache: SettledCache,
    sessions: InputSessions,
    folders: WatchedFolders,
    runs: SyncRuns,
) -> Activity:
    """What the tray shows: counts, unfinished sessions, watched folders, sync targets."""
    async with pool.acquire() as conn:
        photos = await cache.get(conn, "photo_count", store.photo_count)
        missing, offline = await store.file_states(conn)
    return Activity(
        photo_count=photos,
        files_missing=missing,
        files_offline=offline,
        sessions=await sessions.unfinished(ACTIVITY_SESSIONS),
        watched_folders=await folders.list_all(),
        sync=await sync.status(pool, runs, cache),
    )
