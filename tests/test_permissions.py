"""Everything Hotprevue writes is private to the user it runs as, root included."""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path

import httpx
import pytest

from daemon.embedded_pg import ROOT_RUN_AS
from protocol.input_sessions import FINISHED
from tests import old_catalog
from tests.support.daemon_process import DaemonProcess
from tests.support.images import write_jpeg

pytestmark = pytest.mark.process

AS_ROOT = os.geteuid() == 0


def shared_entries(data_dir: Path) -> list[str]:
    """Every file and folder under data_dir (itself included) that grants group or
    others any permission, but for the one documented exception."""
    found = []
    for path in [data_dir, *data_dir.rglob("*")]:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode) or not info.st_mode & 0o077:
            continue
        if path == data_dir and is_postgres_passage(info):
            continue
        found.append(f"{stat.filemode(info.st_mode)} {path.relative_to(data_dir.parent)}")
    return found


def is_postgres_passage(info: os.stat_result) -> bool:
    """As root, the data dir lets the PostgreSQL user's group pass (search bit only)."""
    if not AS_ROOT:
        return False
    import grp

    return info.st_mode & 0o077 == stat.S_IXGRP and grp.getgrgid(info.st_gid).gr_name == ROOT_RUN_AS


def foreign_owners(data_dir: Path) -> list[str]:
    """Entries outside pgdata that the daemon's user does not own."""
    pgdata = data_dir / "pgdata"
    return [
        str(path)
        for path in data_dir.rglob("*")
        if path != pgdata and pgdata not in path.parents and path.lstat().st_uid != os.geteuid()
    ]


def use_every_writer(daemon: DaemonProcess, photos: Path) -> None:
    """Register a folder, correct a photo and upload one: every kind of file is written."""
    write_jpeg(photos / "a.jpg", 800, 600, seed=71)
    write_jpeg(photos / "deeper" / "b.jpg", 600, 800, seed=72, orientation=6)
    status, started = daemon.request(
        "POST", "/api/input-sessions", {"name": "perm", "source_path": str(photos)}
    )
    assert status == 201, started
    done = daemon.wait_session(started["id"], lambda s: s["status"] in FINISHED)
    assert done["status"] == "completed"
    _, listed = daemon.request("GET", "/api/photos")
    status, corrected = daemon.request(
        "PUT", f"/api/photos/{listed[0]['hothash']}/correction", {"rotation": 90}
    )
    assert status == 200, corrected

    status, upload = daemon.request(
        "POST",
        "/api/input-sessions",
        {"name": "laptop", "source_path": "C:\\Pictures", "upload": True},
    )
    assert status == 201, upload
    sent = write_jpeg(photos.parent / "sent.jpg", 640, 480, seed=73)
    reply = httpx.post(
        f"{daemon.url}/api/input-sessions/{upload['id']}/groups",
        headers={"X-API-Key": daemon.api_key},
        files={"file": (sent.name, sent.read_bytes(), "application/octet-stream")},
        data={"metadata": '{"path": "C:\\\\Pictures\\\\sent.jpg", "type": "JPEG"}'},
        timeout=60,
    )
    assert reply.status_code == 201, reply.text


def test_a_running_daemon_keeps_every_file_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    daemon = DaemonProcess(data).start()
    try:
        daemon.wait_healthy()
        use_every_writer(daemon, tmp_path / "photos")
        # While it runs: daemon.json, the lock, the logs and PostgreSQL's socket exist.
        for written in ("daemon.json", "daemon.lock", "api_key", "logs/hotprevue.log"):
            assert (data / written).exists(), written
        coldpreviews = list((data / "coldpreviews").rglob("*.jpg"))
        assert len(coldpreviews) >= 4  # three photos and one corrected coldpreview
        assert shared_entries(data) == []
        assert foreign_owners(data) == []
    finally:
        daemon.kill_all()


def test_a_catalog_an_older_version_left_readable_is_made_private(tmp_path: Path) -> None:
    data = old_catalog.unpack(tmp_path)
    left_open = shared_entries(data)
    # The old version's modes, as it left them: the test starts from a readable catalog.
    for loose in ("hotprevue", "hotprevue/coldpreviews", "hotprevue/logs/hotprevue.log"):
        assert any(entry.endswith(f" {loose}") for entry in left_open), loose
    daemon = DaemonProcess(data).start()
    try:
        daemon.wait_healthy()
        _, photos = daemon.request("GET", "/api/photos")
        assert len(photos) == len(old_catalog.PHOTO_NAMES)
        assert shared_entries(data) == []
    finally:
        daemon.kill_all()


def test_a_later_start_tightens_what_another_umask_left(tmp_path: Path) -> None:
    """A file written into a private tree by some other program is found too."""
    data = tmp_path / "data"
    daemon = DaemonProcess(data).start()
    try:
        daemon.wait_healthy()
        assert daemon.signal(signal.SIGTERM) == 0
    finally:
        daemon.kill_all()
    for path, mode in [
        (data, 0o755),
        (data / "api_key", 0o644),
        (data / "logs", 0o777),
        (data / "logs" / "hotprevue.log", 0o666),
        (data / "pgdata" / "hotprevue.conf", 0o644),
    ]:
        path.chmod(mode)
    assert len(shared_entries(data)) == 5
    again = DaemonProcess(data).start()
    try:
        again.wait_healthy()
        assert shared_entries(data) == []
    finally:
        again.kill_all()
