"""Two daemons for sync tests: a central on a PostgreSQL reached by TCP with a password
(as in production), and local daemons on their own embedded PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from daemon.database import ensure_database, run_migrations
from daemon.embedded_pg import EmbeddedPostgres
from tests.support.app import scratch_database
from tests.support.daemon_process import DaemonProcess, clean_env, free_port
from tests.support.sync import CENTRAL_TEMPLATE, LinkedLocal, MachineToken, MakeLocal
from tests.sync.flows import add_target, register


@pytest.fixture(scope="session")
def central_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    """The central's database server: TCP on 127.0.0.1, password required."""
    server = EmbeddedPostgres(tmp_path_factory.mktemp("central-pg") / "pgdata", tcp=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def central_template(central_pg: EmbeddedPostgres) -> str:
    """A migrated database on the central's server that each test's copy comes from."""

    async def build() -> str:
        dsn = await ensure_database(central_pg.dsn, CENTRAL_TEMPLATE)
        await run_migrations(dsn)
        return dsn

    asyncio.run(build())
    return CENTRAL_TEMPLATE


@pytest.fixture
async def central_database_url(
    central_pg: EmbeddedPostgres, central_template: str
) -> AsyncIterator[str]:
    """A fresh migrated database for one test's central, by TCP with the password."""
    async with scratch_database(central_pg.dsn, "central", central_template) as url:
        yield url


@pytest.fixture
def central(
    tmp_path: Path, central_database_url: str, daemons: list[DaemonProcess]
) -> DaemonProcess:
    """`hotprevue run --central` on the test's central database, started and healthy."""
    # Loopback, not central's default of every interface: the test machine stays closed.
    # A fixed port: a central restarted by a test is found at the URL targets know.
    daemon = DaemonProcess(
        tmp_path / "central",
        "--central",
        "--host",
        "127.0.0.1",
        "--port",
        str(free_port()),
        env=clean_env(DATABASE_URL=central_database_url),
    )
    daemons.append(daemon)
    daemon.start().wait_healthy()
    return daemon


@pytest.fixture
def make_local(tmp_path: Path, daemons: list[DaemonProcess]) -> MakeLocal:
    """Start local daemons, each on its own data dir and embedded PostgreSQL."""

    def make(name: str, **env: str) -> DaemonProcess:
        daemon = DaemonProcess(tmp_path / name, env=clean_env(**env))
        daemons.append(daemon)
        daemon.start().wait_healthy()
        return daemon

    return make


@pytest.fixture
def machine_token() -> MachineToken:
    """`machine_token(central, name)`: a new machine token made with central's API key."""

    def make(central: DaemonProcess, name: str) -> str:
        status, body = central.request("POST", "/api/machines", {"name": name})
        assert status == 201, body
        assert body["name"] == name
        token: str = body["token"]
        return token

    return make


@pytest.fixture
def linked_local(
    central: DaemonProcess, make_local: MakeLocal, machine_token: MachineToken
) -> LinkedLocal:
    """Local daemons with photos, each pointed at the test's central."""

    def make(photos: Path, name: str = "laptop", **env: str) -> DaemonProcess:
        local = make_local(name, **env)
        register(local, photos)
        add_target(local, central, machine_token(central, name), machine_name=name)
        return local

    return make
