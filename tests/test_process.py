"""The real daemon process: start, stop, crash, recover, refuse a twin."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.daemon_process import DaemonProcess, clean_env, cli

pytestmark = pytest.mark.process


def start(daemons: list[DaemonProcess], data_dir: Path, *args: str, **kw: object) -> DaemonProcess:
    daemon = DaemonProcess(data_dir, *args, **kw)  # type: ignore[arg-type]
    daemons.append(daemon)
    return daemon.start()


def wait_until(condition: object, timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_first_start_health_status_and_sigterm(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    daemon = start(daemons, tmp_path / "data")
    daemon.wait_healthy()
    status, body = daemon.request("GET", "/health")
    assert status == 200
    assert body["status"] == "ok"
    assert body["mode"] == "local"
    for name in ("pgdata", "coldpreviews", "logs", "api_key", "daemon.json"):
        assert (daemon.data_dir / name).exists(), name
    assert (daemon.data_dir / "logs" / "hotprevue.log").read_text().count("ready in local mode")
    assert daemon.postgres(), "the embedded PostgreSQL runs"

    shown = cli("status", "--data-dir", str(daemon.data_dir))
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert daemon.url in shown.stdout
    assert "photos" in shown.stdout
    assert "database size" in shown.stdout

    assert daemon.signal(signal.SIGTERM) == 0
    assert daemon.postgres() == [], "no postgres process is left"
    assert not daemon.paths.runtime.exists()
    gone = cli("status", "--data-dir", str(daemon.data_dir))
    assert gone.returncode == 3
    assert "not running" in gone.stdout


def test_sigint_stops_cleanly(tmp_path: Path, daemons: list[DaemonProcess]) -> None:
    daemon = start(daemons, tmp_path / "data")
    daemon.wait_healthy()
    assert daemon.signal(signal.SIGINT) == 0
    assert daemon.postgres() == []


def test_stop_command(tmp_path: Path, daemons: list[DaemonProcess]) -> None:
    daemon = start(daemons, tmp_path / "data")
    daemon.wait_healthy()
    stopped = cli("stop", "--data-dir", str(daemon.data_dir))
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped" in stopped.stdout
    assert daemon.wait_exit(5) == 0
    assert daemon.postgres() == []
    again = cli("stop", "--data-dir", str(daemon.data_dir))
    assert again.returncode == 0
    assert "not running" in again.stdout


def test_stop_after_a_sigkill_ends_the_database_left_running(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    daemon = start(daemons, tmp_path / "data")
    daemon.wait_healthy()
    daemon.kill_daemon()
    assert daemon.postgres(), "PostgreSQL outlives a killed daemon"
    stopped = cli("stop", "--data-dir", str(daemon.data_dir))
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped the database it left running" in stopped.stdout
    assert daemon.postgres() == []
    again = cli("stop", "--data-dir", str(daemon.data_dir))
    assert (again.returncode, "not running" in again.stdout) == (0, True)
    assert "stopped the database" not in again.stdout


def test_sigkill_of_the_daemon_then_restart_recovers(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    data = tmp_path / "data"
    first = start(daemons, data)
    first.wait_healthy()
    status, created = first.request("POST", "/api/categories", {"name": "Kept"})
    assert status == 201
    first.kill_daemon()
    assert first.postgres(), "PostgreSQL outlives a killed daemon"

    second = start(daemons, data)
    second.wait_healthy()
    status, categories = second.request("GET", "/api/categories")
    assert [c["id"] for c in categories] == [created["id"]]
    assert second.signal(signal.SIGTERM) == 0
    assert second.postgres() == []


def test_sigkill_of_everything_then_restart_recovers(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    data = tmp_path / "data"
    first = start(daemons, data)
    first.wait_healthy()
    status, _created = first.request("POST", "/api/categories", {"name": "Committed"})
    assert status == 201
    first.kill_daemon()
    for proc in first.postgres():
        proc.kill()
    wait_until(lambda: not first.postgres(), what="postgres to die")
    assert (data / "pgdata" / "postmaster.pid").exists(), "a stale lock file is left"

    second = start(daemons, data)
    second.wait_healthy()
    _, categories = second.request("GET", "/api/categories")
    assert [c["name"] for c in categories] == ["Committed"]


def test_postgres_killed_under_a_running_daemon_comes_back(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    daemon = start(daemons, tmp_path / "data")
    daemon.wait_healthy()
    old = daemon.postmaster_pid()
    os.kill(old, signal.SIGKILL)
    wait_until(
        lambda: daemon.request("GET", "/health")[0] == 200 and daemon.postmaster_pid() != old,
        timeout=60,
        what="PostgreSQL to be restarted",
    )
    status, _ = daemon.request("POST", "/api/categories", {"name": "After"})
    assert status == 201
    assert "stopped unexpectedly" in daemon.output()
    assert daemon.signal(signal.SIGTERM) == 0
    assert daemon.postgres() == []


def test_reused_postmaster_pid_is_never_killed(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    data = tmp_path / "data"
    first = start(daemons, data)
    first.wait_healthy()
    assert first.signal(signal.SIGTERM) == 0

    # An unrelated program now has the pid a crashed postmaster left in its lock file.
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        pidfile = data / "pgdata" / "postmaster.pid"
        pidfile.write_text(
            f"{bystander.pid}\n{data / 'pgdata'}\n1700000000\n5432\n"
            f"{data / 'pgdata'}\n\n  1234  5678\nready\n"
        )
        second = start(daemons, data)
        second.wait_healthy()
        assert bystander.poll() is None, "the unrelated process was left alone"
        assert second.postmaster_pid() != bystander.pid
        assert "another program" in second.output()
    finally:
        bystander.kill()
        bystander.wait()


def test_second_instance_is_refused(tmp_path: Path, daemons: list[DaemonProcess]) -> None:
    data = tmp_path / "data"
    first = start(daemons, data)
    first.wait_healthy()
    assert first.proc is not None
    began = time.monotonic()
    twin = cli("run", "--data-dir", str(data), "--port", "0", timeout=30)
    assert time.monotonic() - began < 15
    assert twin.returncode != 0
    assert "already running" in twin.stderr
    assert str(first.proc.pid) in twin.stderr
    assert first.url in twin.stderr
    assert first.request("GET", "/health")[0] == 200


def test_busy_port_is_reported(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("run", "--data-dir", str(tmp_path / "data"), "--port", str(port))
    assert result.returncode != 0
    assert f"127.0.0.1:{port}" in result.stderr
    assert "--port" in result.stderr
    assert not (tmp_path / "data" / "pgdata").exists(), "nothing started for nothing"


def test_local_mode_will_not_listen_beyond_loopback(tmp_path: Path) -> None:
    result = cli("run", "--data-dir", str(tmp_path / "data"), "--host", "0.0.0.0")
    assert result.returncode == 2
    assert "--central" in result.stderr


def test_central_mode_needs_database_url(tmp_path: Path) -> None:
    result = cli("run", "--central", "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr


def test_central_mode_runs_on_an_external_database(
    tmp_path: Path, daemons: list[DaemonProcess], database_url: str
) -> None:
    data = tmp_path / "central"
    daemon = start(
        daemons, data, "--central", "--host", "127.0.0.1", env=clean_env(DATABASE_URL=database_url)
    )
    daemon.wait_healthy()
    status, body = daemon.request("GET", "/health")
    assert (status, body["mode"]) == (200, "central")
    assert not (data / "pgdata").exists(), "central mode embeds no database"
    assert (data / "coldpreviews").is_dir()
    assert daemon.signal(signal.SIGTERM) == 0
