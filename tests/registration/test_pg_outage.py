"""PostgreSQL killed under a running session: health says 503 (never 500) while it is
down, the watcher brings it back, the session ends on its own, the catalog stays whole."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from protocol.input_sessions import FINISHED
from tests.support.daemon_process import DaemonProcess, clean_env
from tests.support.images import write_jpeg

pytestmark = pytest.mark.process

FILES = 96
OUTAGE_TIMEOUT = 120.0  # seconds for the watcher to notice and restart PostgreSQL
END_TIMEOUT = 60.0  # seconds for the session to end once the database is back


def test_postgres_killed_under_a_running_session(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    folder = tmp_path / "photos"
    for i in range(FILES):
        write_jpeg(folder / f"IMG_{i:04}.jpg", 800, 600, seed=3000 + i)
    # Each batch waits between its coldpreviews and its commit: the kill lands mid-session,
    # with files on disk whose rows never commit.
    daemon = DaemonProcess(tmp_path / "data", env=clean_env(HOTPREVUE_TEST_COMMIT_DELAY="2"))
    daemons.append(daemon)
    daemon.start().wait_healthy()
    status, session = daemon.request(
        "POST", "/api/input-sessions", {"name": "card", "source_path": str(folder)}
    )
    assert status == 201
    sid = session["id"]
    running = daemon.wait_session(sid, lambda s: s["photo_count"] > 0)
    deadline = time.monotonic() + 60
    while len(daemon.coldpreview_files()) <= running["photo_count"]:
        assert time.monotonic() < deadline, "no second batch was written"
        time.sleep(0.02)

    postmaster = daemon.postmaster_pid()
    os.kill(postmaster, signal.SIGKILL)
    health: list[int] = []
    other: list[int] = []
    deadline = time.monotonic() + OUTAGE_TIMEOUT
    while not (503 in health and health[-1] == 200):
        assert time.monotonic() < deadline, f"PostgreSQL never came back: {health[-20:]}"
        health.append(daemon.request("GET", "/health", timeout=15)[0])
        for path in (f"/api/input-sessions/{sid}", "/api/status", "/api/photos"):
            other.append(daemon.request("GET", path, timeout=15)[0])
        time.sleep(0.05)
    assert set(health) <= {200, 503}, health
    assert set(other) <= {200, 503}, other
    assert daemon.postmaster_pid() != postmaster, "PostgreSQL was restarted"

    ended = daemon.wait_session(sid, lambda s: s["status"] in FINISHED, timeout=END_TIMEOUT)
    assert ended["status"] == "interrupted"
    assert "database" in ended["failure"]
    assert 0 < ended["photo_count"] < FILES
    status, refused = daemon.request("POST", f"/api/input-sessions/{sid}/cancel")
    assert status == 409
    assert "not running" in refused["detail"]
    # What the cut-short batch wrote without its rows is swept.
    before = daemon.settled_coldpreviews()
    assert len(before) == ended["photo_count"]

    status, again = daemon.request(
        "POST", "/api/input-sessions", {"name": "again", "source_path": str(folder)}
    )
    assert status == 201
    done = daemon.wait_session(again["id"], lambda s: s["status"] in FINISHED, timeout=300)
    assert done["status"] == "completed"
    assert done["already_registered_count"] == ended["photo_count"]
    assert done["photo_count"] + ended["photo_count"] == FILES
    assert len(daemon.settled_coldpreviews()) == FILES
    assert daemon.request("DELETE", f"/api/input-sessions/{sid}")[0] == 204
    assert daemon.request("GET", f"/api/input-sessions/{sid}")[0] == 404
    assert daemon.signal(signal.SIGTERM) == 0
