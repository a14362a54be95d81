"""`hotprevue watch …` against a real daemon process, as a user types it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.daemon_process import DaemonProcess, clean_env, cli
from tests.support.images import write_jpeg

pytestmark = pytest.mark.process

EXIT_NOT_RUNNING = 3
WAIT = 90.0


def watch(data: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """One `hotprevue watch` command on this data dir."""
    command = [sys.executable, "-m", "daemon.cli", "watch", args[0], "--data-dir", str(data)]
    return subprocess.run(
        [*command, *args[1:]],
        capture_output=True,
        text=True,
        timeout=90,
        env=clean_env(),
        cwd=cwd,
        check=False,
    )


def rows(data: Path) -> dict[str, list[str]]:
    """`watch list` as path → the rest of its row."""
    listed = watch(data, "list")
    assert listed.returncode == 0, listed.stderr
    header, *lines = listed.stdout.splitlines()
    assert header.split() == ["PATH", "STATE", "PENDING", "LAST", "SCAN", "ID"]
    return {line.split()[0]: line.split()[1:] for line in lines}


def settled(daemon: DaemonProcess, row: list[str]) -> bool:
    """Scanned, nothing pending, and the one photo registered."""
    pending, last_scan = row[1], row[2]
    status, photos = daemon.request("GET", "/api/photos")
    return (pending, status, len(photos)) == ("0", 200, 1) and last_scan != "never"


def test_watch_commands_end_to_end(tmp_path: Path, daemons: list[DaemonProcess]) -> None:
    data = tmp_path / "data"
    daemon = DaemonProcess(data)
    daemons.append(daemon)
    daemon.start().wait_healthy()
    photos = tmp_path / "photos"
    write_jpeg(photos / "first.jpg", 320, 240, seed=1)
    (tmp_path / "other").mkdir()
    status, kari = daemon.request("POST", "/api/photographers", {"name": "Kari"})
    assert status == 201

    empty = watch(data, "list")
    assert (empty.returncode, empty.stdout.startswith("No watched folders")) == (0, True)

    # A relative path is sent as an absolute one.
    added = watch(data, "add", "photos", "--photographer", "kari", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert f"Watching {photos}" in added.stdout
    status, folders = daemon.request("GET", "/api/watched-folders")
    assert [(f["path"], f["photographer_id"], f["recursive"]) for f in folders] == [
        (str(photos), kari["id"], True)
    ]
    other = watch(data, "add", str(tmp_path / "other"), "--no-recursive", "--paused")
    assert other.returncode == 0, other.stderr
    assert rows(data)[str(tmp_path / "other")][0] == "paused"

    # The folder's photo is registered by the watcher, and the list shows its scan.
    deadline = time.monotonic() + WAIT
    while not settled(daemon, rows(data)[str(photos)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    row = rows(data)[str(photos)]
    assert row[0] in {"watching", "polling"}, row
    assert settled(daemon, row), row

    rescanned = watch(data, "rescan", str(photos))
    assert (rescanned.returncode, rescanned.stdout.strip()) == (0, f"Rescanning {photos}")
    paused = watch(data, "pause", str(photos) + "/")
    assert (paused.returncode, paused.stdout.strip()) == (0, f"Paused {photos}")
    refused = watch(data, "rescan", folders[0]["id"])
    assert refused.returncode == 1
    assert refused.stderr.strip() == f"hotprevue watch rescan: {photos} is paused; resume it first"
    resumed = watch(data, "resume", folders[0]["id"])
    assert resumed.returncode == 0, resumed.stderr
    assert rows(data)[str(photos)][0] != "paused"

    # Errors are the daemon's own words, and a non-zero exit.
    nested = watch(data, "add", str(photos / "inner"))
    assert nested.returncode == 1
    assert "folder not found" in nested.stderr
    (photos / "inner").mkdir()
    nested = watch(data, "add", str(photos / "inner"))
    assert (nested.returncode, nested.stderr.strip()) == (
        1,
        f"hotprevue watch add: {photos / 'inner'} is inside the watched folder {photos}",
    )
    for action in ("remove", "pause", "resume", "rescan"):
        unknown = watch(data, action, str(tmp_path / "nowhere"))
        assert unknown.returncode == 1
        assert "not a watched folder" in unknown.stderr
    nobody = watch(data, "add", str(tmp_path / "other"), "--photographer", "Nobody")
    assert nobody.returncode == 1
    assert "there is no photographer named Nobody: add --create-photographer" in nobody.stderr
    undecodable = tmp_path / os.fsdecode(b"roll\xff")
    undecodable.mkdir()
    odd = watch(data, "add", str(undecodable))
    assert odd.returncode == 1
    assert "roll\\xff" in odd.stderr
    assert "not valid Unicode" in odd.stderr

    removed = watch(data, "remove", str(photos))
    assert removed.returncode == 0, removed.stderr
    assert list(rows(data)) == [str(tmp_path / "other")]
    status, listed = daemon.request("GET", "/api/photos")
    assert (status, len(listed)) == (200, 1), "removing a watch keeps its photos"

    stopped = cli("stop", "--data-dir", str(data))
    assert stopped.returncode == 0, stopped.stderr
    down = watch(data, "list")
    registering = cli("register", "--data-dir", str(data), str(photos))
    assert (down.returncode, down.stderr) == (registering.returncode, registering.stderr)
    assert down.returncode == EXIT_NOT_RUNNING
    assert "not running" in down.stderr
