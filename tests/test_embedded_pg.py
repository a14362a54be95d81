"""The embedded PostgreSQL wrapper on its own: starts, stops, waits as long as recovery takes."""

from __future__ import annotations

import asyncio
import logging
import os
import pwd
import signal
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import psutil
import pytest

from daemon.database import CATALOG_DATABASE, with_database
from daemon.embedded_pg import (
    POSTGRES_BIN_PATH,
    EmbeddedPostgres,
    EmbeddedPostgresError,
    PostmasterPid,
)
from daemon.embedded_pg.processes import serves_pgdata
from tests import old_catalog
from tests.support.daemon_process import DaemonProcess

pytestmark = pytest.mark.process


def test_start_stop_leaves_no_process_behind(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pgdata")
    server.start()
    pid = server.pid
    assert pid is not None
    assert psutil.pid_exists(pid)
    assert server.dsn.startswith("postgresql://postgres@/postgres?host=")
    server.stop()
    assert server.processes() == []
    assert not server.is_running()
    with pytest.raises(EmbeddedPostgresError, match="not running"):
        _ = server.dsn


def test_a_start_slower_than_ten_seconds_is_waited_for(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """pgserver gives up after 10 s; a long crash recovery must not make us give up."""
    pgdata = tmp_path / "pgdata"
    server = EmbeddedPostgres(pgdata)
    server.start()
    server.stop()
    # Archive recovery whose restore_command takes 6 s a call: a real, slow recovery.
    with (pgdata / "postgresql.auto.conf").open("a") as conf:
        conf.write("restore_command = 'sleep 6; exit 1'\n")
    (pgdata / "recovery.signal").touch()
    caplog.set_level(logging.INFO, logger="daemon.embedded_pg")
    began = time.monotonic()
    server.start()
    took = time.monotonic() - began
    try:
        assert took > 10
        assert server.is_running()
        assert "still starting" in caplog.text
        info = PostmasterPid.read(pgdata)
        assert info is not None
        assert info.status == "ready"
    finally:
        server.stop()


def test_interrupted_initdb_is_redone(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    half_made = tmp_path / "pgdata.initdb"
    half_made.mkdir()
    (half_made / "junk").write_text("left by a crash during initdb")
    server = EmbeddedPostgres(pgdata)
    server.start()
    try:
        assert (pgdata / "PG_VERSION").exists()
        assert not half_made.exists()
    finally:
        server.stop()


def test_foreign_folder_is_not_overwritten(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    pgdata.mkdir()
    (pgdata / "holiday.jpg").write_bytes(b"not a database")
    with pytest.raises(EmbeddedPostgresError, match="not empty"):
        EmbeddedPostgres(pgdata).start()
    assert (pgdata / "holiday.jpg").read_bytes() == b"not a database"


def test_adopts_a_server_left_running(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    first = EmbeddedPostgres(pgdata)
    first.start()
    left_running = first.pid
    # A second wrapper (as after a daemon crash) finds the server and uses it.
    second = EmbeddedPostgres(pgdata)
    try:
        second.start()
        assert second.pid == left_running
    finally:
        second.stop()
    assert first.processes() == []


def test_a_tcp_server_wants_its_password(tmp_path: Path) -> None:
    """As a central's database server: on 127.0.0.1 only, and only with the password."""
    pgdata = tmp_path / "pgdata"
    server = EmbeddedPostgres(pgdata, tcp=True)
    dsn = server.start()
    try:
        url = urlsplit(dsn)
        assert (url.hostname, url.username) == ("127.0.0.1", "postgres")
        assert url.password
        assert not list(pgdata.glob(".s.PGSQL.*")), "a socket would bypass the password"

        async def attempts() -> None:
            conn = await asyncpg.connect(dsn)
            try:
                listening = await conn.fetchval("SELECT current_setting('listen_addresses')")
            finally:
                await conn.close()
            assert listening == "127.0.0.1"
            with pytest.raises(asyncpg.InvalidPasswordError):
                await asyncpg.connect(
                    host="127.0.0.1",
                    port=url.port,
                    user="postgres",
                    password="wrong",
                    database="postgres",
                )

        asyncio.run(attempts())
    finally:
        server.stop()


def test_a_socket_cluster_is_not_served_over_tcp(tmp_path: Path) -> None:
    """A cluster made for the private socket trusts every connection: never on TCP."""
    pgdata = tmp_path / "pgdata"
    made = EmbeddedPostgres(pgdata)
    made.start()
    made.stop()
    with pytest.raises(EmbeddedPostgresError, match="made for a socket"):
        EmbeddedPostgres(pgdata, tcp=True).start()


def _binary_version() -> str:
    said = subprocess.run(
        [str(POSTGRES_BIN_PATH / "postgres"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    return said.stdout.split()[-1]


def test_the_binaries_are_postgresql_16() -> None:
    """Catalogs are PostgreSQL 16: the wheel's other major version must never be picked."""
    assert _binary_version().startswith("16.")


async def _read_catalog(dsn: str) -> tuple[str, list[asyncpg.Record]]:
    conn = await asyncpg.connect(with_database(dsn, CATALOG_DATABASE))
    try:
        version: str = await conn.fetchval("SELECT current_setting('server_version')")
        rows = await conn.fetch(
            """SELECT p.hothash, p.coldpreview_path, f.file_path
               FROM photos p JOIN image_files f ON f.photo_id = p.id AND f.is_master"""
        )
        return version, rows
    finally:
        await conn.close()


def test_a_catalog_made_by_postgresql_16_2_opens_with_these_binaries(tmp_path: Path) -> None:
    data = old_catalog.unpack(tmp_path)
    pgdata = data / "pgdata"
    # The cluster really was made and run by the old server.
    assert "starting PostgreSQL 16.2 " in (pgdata / "postgres.log").read_text()
    server = EmbeddedPostgres(pgdata)
    dsn = server.start()
    try:
        version, rows = asyncio.run(_read_catalog(dsn))
    finally:
        server.stop()
    assert version == _binary_version() != "16.2"
    assert {Path(row["file_path"]).name for row in rows} == old_catalog.PHOTO_NAMES
    for row in rows:
        # Each row and the coldpreview file the old version wrote beside it agree.
        assert (data / "coldpreviews" / row["coldpreview_path"]).stem == row["hothash"]


def test_the_daemon_serves_a_catalog_of_the_old_version(tmp_path: Path) -> None:
    """A real start: migrations newer than the catalog run, and the photos are served."""
    daemon = DaemonProcess(old_catalog.unpack(tmp_path)).start()
    try:
        daemon.wait_healthy()
        status, photos = daemon.request("GET", "/api/photos")
        assert status == 200, photos
        assert len(photos) == len(old_catalog.PHOTO_NAMES)
        for photo in photos:
            status, detail = daemon.request("GET", f"/api/photos/{photo['hothash']}")
            assert status == 200, detail
        assert daemon.signal(signal.SIGTERM) == 0
    finally:
        daemon.kill_all()


def test_a_process_that_exited_since_it_was_listed_serves_nothing(tmp_path: Path) -> None:
    # Backends come and go while the processes are looked at: one gone between the
    # listing and the look is not ours, never an error (a stop or reap would fail).
    child = subprocess.Popen(["sleep", "30"], cwd=tmp_path)
    proc = psutil.Process(child.pid)
    child.kill()
    child.wait()
    server = EmbeddedPostgres(tmp_path)
    assert serves_pgdata(server.pgdata, proc) is False


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs PostgreSQL as a user it makes")
def test_root_makes_the_postgresql_user_without_sbin_on_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A package manager's or a service's root may have PATH=/usr/bin:/bin: useradd is
    # in sbin. A user of the test's own, so the session's server keeps its user.
    name = f"hp-test-{uuid.uuid4().hex[:8]}"
    server = EmbeddedPostgres(tmp_path / "pgdata")
    server._run_as = name
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    try:
        identity = server._identity()
        entry = pwd.getpwnam(name)
        assert identity == {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    finally:
        subprocess.run(["/usr/sbin/userdel", name], check=False, capture_output=True)
