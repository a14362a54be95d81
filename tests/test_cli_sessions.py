"""`hotprevue sessions …` and `register --no-wait` against a real daemon process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.daemon_process import DaemonProcess, cli
from tests.support.images import restart_jpeg, with_data_lost, write_jpeg

pytestmark = pytest.mark.process


def test_sessions_commands(tmp_path: Path, daemons: list[DaemonProcess]) -> None:
    data = tmp_path / "data"
    daemon = DaemonProcess(data)
    daemons.append(daemon)
    daemon.start().wait_healthy()

    empty = cli("sessions", "list", "--data-dir", str(data))
    assert (empty.returncode, empty.stdout.strip()) == (
        0,
        "No sessions yet; register a folder with `hotprevue register PATH`",
    )
    photos = tmp_path / "photos"
    write_jpeg(photos / "one.jpg", 320, 240, seed=1)
    write_jpeg(photos / "two.jpg", 320, 240, seed=2)
    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff not a photo")
    (photos / "damaged.jpg").write_bytes(with_data_lost(restart_jpeg()))

    started = cli("register", "--data-dir", str(data), str(photos), "--no-wait", "--name", "Roll")
    assert started.returncode == 0, started.stderr
    session_id = started.stdout.strip()
    assert started.stderr.strip() == (
        f'Follow it with `hotprevue sessions show {session_id} --follow --data-dir "{data}"`'
    )
    followed = cli("sessions", "show", session_id, "--follow", "--data-dir", str(data))
    assert followed.returncode == 0, followed.stderr
    assert f"Session 'Roll' ({session_id}): completed" in followed.stdout
    assert "registered          3" in followed.stdout
    assert "errors              1" in followed.stdout
    assert "damaged             1 (registered and flagged" in followed.stdout
    assert "broken.jpg: The picture in this file cannot be decoded" in followed.stdout

    cli("register", "--data-dir", str(data), str(photos), "--name", "Again")
    listed = cli("sessions", "list", "--data-dir", str(data))
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == [
        "NAME",
        "STARTED",
        "STATUS",
        "REGISTERED",
        "DUPLICATES",
        "ERRORS",
        "ID",
    ]
    assert [row.split()[0] for row in rows] == ["Again", "Roll"], "newest first"
    assert rows[1].split()[3:] == ["completed", "3", "0", "1", session_id]
    limited = cli("sessions", "list", "--limit", "1", "--data-dir", str(data))
    assert len(limited.stdout.splitlines()) == 2

    shown = cli("sessions", "show", session_id, "--data-dir", str(data))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0] == f"Folder   {photos}"
    assert "registered          3" in shown.stdout
    wrong = cli("sessions", "show", "roll", "--data-dir", str(data))
    assert (wrong.returncode, wrong.stderr.strip()) == (
        1,
        "hotprevue sessions show: roll is not a session id (see `hotprevue sessions list`)",
    )
