"""Facts about the running catalog."""

from __future__ import annotations

import asyncio

import asyncpg

from daemon.database import UNAVAILABLE
from daemon.store import system as store

HEALTH_TIMEOUT = 2.0
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
