"""A real watcher on a real folder, in the test's own event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from daemon.config import Settings
from daemon.registration.manager import Registrations
from daemon.services import settings as settings_service
from daemon.watching.manager import Watcher
from tests.support.watching import QUIET, Watching


@pytest.fixture
async def watching(pool: asyncpg.Pool, settings: Settings) -> AsyncIterator[Watching]:
    """A running watcher with a short quiet window and two decoding workers."""
    await settings_service.bootstrap(pool)  # as the daemon's start does
    async with pool.acquire() as conn:
        await conn.execute("UPDATE system_settings SET watch_quiet_seconds = $1", QUIET)
    registrations = Registrations(pool, workers=2)
    watching = Watching(pool, Watcher(pool, registrations, settings), registrations)
    watching.start()
    try:
        yield watching
    finally:
        await watching.stop()
        await registrations.stop()
