"""The embedded PostgreSQL wrapper on its own: starts, stops, waits as long as recovery takes."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import psutil
import pytest

from daemon.embedded_pg import EmbeddedPostgres, EmbeddedPostgresError, PostmasterPid


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
