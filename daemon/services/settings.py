"""Rules for system settings."""

from __future__ import annotations

import asyncpg

from daemon.services.ports import Watcher
from daemon.store import photographers as photographers_store
from daemon.store import settings as store
from daemon.store.base import changes
from protocol.settings import SystemSettings, SystemSettingsPatch

# The settings the watcher reads: a change to any of them makes it read them again.
WATCH_SETTINGS = frozenset({"watching_enabled", "watch_quiet_seconds", "watch_rescan_minutes"})


async def bootstrap(pool: asyncpg.Pool) -> SystemSettings:
    """On every start: make sure the settings row and the special photographers exist."""
    async with pool.acquire() as conn, conn.transaction():
        await store.create_if_missing(conn)
        await photographers_store.ensure_special(conn)
        return await store.get(conn)


async def get(pool: asyncpg.Pool) -> SystemSettings:
    """The installation's settings."""
    async with pool.acquire() as conn:
        return await store.get(conn)


async def update(
    pool: asyncpg.Pool, watcher: Watcher, patch: SystemSettingsPatch
) -> SystemSettings:
    """Change the given settings; the rest stay as they are."""
    values = changes(patch)
    async with pool.acquire() as conn:
        if not values:
            return await store.get(conn)
        updated = await store.update(conn, values)
    if WATCH_SETTINGS.intersection(values):
        watcher.reload()
    return updated
