"""The watcher in a real daemon: killed while files arrive, nothing lost or doubled."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.daemon_process import DaemonProcess
from tests.support.watching import photo

pytestmark = pytest.mark.process

FILES = 60


def _catalog(daemon: DaemonProcess) -> dict[str, Any] | None:
    """Photos and sessions; None while the database is away (503)."""
    status, photos = daemon.request("GET", "/api/photos?limit=1000")
    status_sessions, sessions = daemon.request("GET", "/api/input-sessions?limit=1000")
    if 503 in (status, status_sessions):
        return None
    assert status == 200, photos
    assert status_sessions == 200, sessions
    return {"photos": photos, "sessions": sessions}


def _wait_for(daemon: DaemonProcess, done: Any, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        catalog = _catalog(daemon)
        if catalog is not None and done(catalog):
            return catalog
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; last seen {catalog}")
        time.sleep(0.2)


def _watching(daemon: DaemonProcess, folder: Path) -> None:
    """Start the daemon and have it watch `folder` with a short quiet window."""
    folder.mkdir(exist_ok=True)
    daemon.start().wait_healthy()
    status, body = daemon.request("PATCH", "/api/settings", {"watch_quiet_seconds": 0.5})
    assert status == 200, body
    status, body = daemon.request("POST", "/api/watched-folders", {"path": str(folder)})
    assert status == 201, body


def _copying_slowly(folder: Path, seed: int) -> threading.Thread:
    """A camera card's worth of photos arriving one every 0.1 s, on a thread."""

    def copy() -> None:
        for n in range(FILES):
            (folder / f"IMG_{n:04}.jpg").write_bytes(photo(seed + n, size=(640, 480)))
            time.sleep(0.1)

    writer = threading.Thread(target=copy)
    writer.start()
    return writer


def _all_registered(catalog: dict[str, Any]) -> bool:
    return len(catalog["photos"]) == FILES and all(
        s["status"] not in ("pending", "running") for s in catalog["sessions"]
    )


def test_killed_while_files_arrive(tmp_path: Path, daemons: list[DaemonProcess]) -> None:
    data, folder = tmp_path / "data", tmp_path / "inbox"
    first = DaemonProcess(data)
    daemons.append(first)
    _watching(first, folder)
    writer = _copying_slowly(folder, seed=700)
    _wait_for(first, lambda c: len(c["photos"]) >= 10)
    first.kill_daemon()
    writer.join()

    second = DaemonProcess(data)
    daemons.append(second)
    second.start().wait_healthy()
    catalog = _wait_for(second, _all_registered)
    statuses = [s["status"] for s in catalog["sessions"]]
    assert "interrupted" in statuses, statuses
    assert sum(s["photo_count"] for s in catalog["sessions"]) == FILES
    assert sum(s["duplicate_count"] for s in catalog["sessions"]) == 0
    assert sum(s["error_count"] for s in catalog["sessions"]) == 0
    status, duplicates = second.request("GET", "/api/duplicates?limit=1000")
    assert status == 200, duplicates
    assert duplicates == []


def test_postgres_killed_while_files_arrive(tmp_path: Path, daemons: list[DaemonProcess]) -> None:
    folder = tmp_path / "inbox"
    daemon = DaemonProcess(tmp_path / "data")
    daemons.append(daemon)
    _watching(daemon, folder)
    writer = _copying_slowly(folder, seed=900)
    _wait_for(daemon, lambda c: len(c["photos"]) >= 10)
    os.kill(daemon.postmaster_pid(), signal.SIGKILL)
    writer.join()
    catalog = _wait_for(daemon, _all_registered, timeout=180)
    assert sum(s["photo_count"] for s in catalog["sessions"]) == FILES
    assert sum(s["duplicate_count"] for s in catalog["sessions"]) == 0
