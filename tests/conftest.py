"""Shared fixtures: one real PostgreSQL per test session, a fresh database per test."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeAlias

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from daemon.app import create_app
from daemon.config import Settings, load_settings
from daemon.database import create_pool, ensure_database, run_migrations, with_database
from daemon.embedded_pg import EmbeddedPostgres
from daemon.security import API_KEY_HEADER
from tests.daemon_process import DaemonProcess
from tests.support import tiers

Client: TypeAlias = AsyncTestClient[Litestar]

TEMPLATE = "hotprevue_template"
LOCAL_BASE_URL = "http://127.0.0.1:8000"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Let the helpers that need a tier see which test uses them (module fixtures too)."""
    tiers.running(item)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    """The session's PostgreSQL, started the way the daemon starts it."""
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg") / "pgdata")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def template_dsn(pg_server: EmbeddedPostgres) -> str:
    """A migrated database each test database is copied from (fast, and never touched)."""

    async def build() -> str:
        dsn = await ensure_database(pg_server.dsn, TEMPLATE)
        await run_migrations(dsn)
        return dsn

    return asyncio.run(build())


@asynccontextmanager
async def scratch_database(admin_dsn: str, prefix: str, template: str | None) -> AsyncIterator[str]:
    """A database that exists for one test, copied from a template or empty."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    # WAL_LOG (the default) copies a small template in half FILE_COPY's time: no
    # checkpoint per database.
    copy = f' TEMPLATE "{template}"' if template else ""
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"{copy}')
        yield with_database(admin_dsn, name)
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


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
    async with AsyncTestClient(app=create_app(settings), base_url=LOCAL_BASE_URL) as client:
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
