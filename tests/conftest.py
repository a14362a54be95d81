"""Shared fixtures: one real PostgreSQL per test session, a fresh database per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from daemon.config import Settings, load_settings
from daemon.database import create_pool, ensure_database, run_migrations
from daemon.embedded_pg import EmbeddedPostgres
from daemon.security import API_KEY_HEADER
from tests.support import pg, tiers
from tests.support.app import LOCAL_BASE_URL, TEMPLATE, Client, app_client, scratch_database
from tests.support.daemon_process import DaemonProcess


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that starts programs goes to one worker, one after the other, so their
    timings meet the load they were written for; the others spread over the rest."""
    for item in items:
        if tiers.starts_programs(item):
            item.add_marker(pytest.mark.xdist_group("programs"))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Let the helpers that need a tier see which test uses them (module fixtures too)."""
    tiers.running(item)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    """The session's PostgreSQL, started the way the daemon starts it, its files in
    memory where the machine has room."""
    with pg.in_memory(tmp_path_factory.mktemp("pg")) as folder:
        server = EmbeddedPostgres(folder / "pgdata")
        server.start()
        try:
            asyncio.run(pg.cap_wal(server.dsn))
            yield server
        finally:
            # Before its folder goes: a server left running there would lose its files.
            server.stop()


@pytest.fixture(scope="session")
def template_dsn(pg_server: EmbeddedPostgres) -> str:
    """A migrated database each test database is copied from (fast, and never touched)."""

    async def build() -> str:
        dsn = await ensure_database(pg_server.dsn, TEMPLATE)
        await run_migrations(dsn)
        return dsn

    return asyncio.run(build())


@pytest.fixture
async def database_url(pg_server: EmbeddedPostgres, template_dsn: str) -> AsyncIterator[str]:
    """A fresh, migrated database for one test."""
    async with scratch_database(pg_server.dsn, "test", TEMPLATE) as url:
        yield url


@pytest.fixture
async def empty_database_url(pg_server: EmbeddedPostgres) -> AsyncIterator[str]:
    """A database with no schema at all, for migration tests."""
    async with scratch_database(pg_server.dsn, "empty", None) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Local-mode settings on a temporary data dir and the test's database."""
    return load_settings(data_dir=tmp_path / "data", env={"DATABASE_URL": database_url})


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the test's database, with the daemon's codecs."""
    db = await create_pool(database_url, max_size=4)
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
async def anon_client(settings: Settings) -> AsyncIterator[Client]:
    """The real app over its ASGI interface, as a local client without the API key."""
    async with app_client(settings, LOCAL_BASE_URL) as client:
        yield client


@pytest.fixture
async def client(
    anon_client: Client,
    settings: Settings,
) -> Client:
    """The same, with the installation's API key."""
    key = settings.paths.api_key.read_text(encoding="utf-8").strip()
    anon_client.headers[API_KEY_HEADER] = key
    return anon_client


@pytest.fixture
def daemons() -> Iterator[list[DaemonProcess]]:
    """Every real daemon a test starts is killed with its PostgreSQL afterwards."""
    started: list[DaemonProcess] = []
    yield started
    for daemon in started:
        daemon.kill_all()
