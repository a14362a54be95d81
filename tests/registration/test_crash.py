"""kill -9 in the middle of a registration: nothing lost, nothing doubled."""

from __future__ import annotations

import signal
from pathlib import Path

import psutil
import pytest

from tests.support.daemon_process import DaemonProcess, cli
from tests.support.images import CORPUS, corpus_images, write_jpeg

pytestmark = pytest.mark.process

FILES = 150


def test_kill_9_mid_session_then_register_again(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    folder = tmp_path / "photos"
    for i in range(FILES):
        write_jpeg(folder / f"{i // 50:02}" / f"IMG_{i:04}.jpg", 1600, 1200, seed=1000 + i)
    data = tmp_path / "data"
    first = DaemonProcess(data)
    daemons.append(first)
    first.start().wait_healthy()
    status, session = first.request(
        "POST", "/api/input-sessions", {"name": "card", "source_path": str(folder)}
    )
    assert status == 201
    first.wait_session(session["id"], lambda s: s["groups_done"] >= 20)
    assert first.proc is not None
    workers = [
        p
        for p in psutil.Process(first.proc.pid).children(recursive=True)
        if "postgres" not in p.name()
    ]
    first.kill_daemon()
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert alive == [], "decoding workers die with the daemon"

    second = DaemonProcess(data)
    daemons.append(second)
    second.start().wait_healthy()
    _, before = second.request("GET", f"/api/input-sessions/{session['id']}")
    assert before["status"] == "interrupted"
    assert 0 < before["groups_done"] < FILES

    status, again = second.request(
        "POST", "/api/input-sessions", {"name": "card again", "source_path": str(folder)}
    )
    assert status == 201
    after = second.wait_session(
        again["id"], lambda s: s["status"] != "running" and s["status"] != "pending"
    )
    assert after["status"] == "completed"
    assert after["error_count"] == 0
    assert after["photo_count"] + after["already_registered_count"] == FILES
    assert before["photo_count"] + after["photo_count"] == FILES

    # Exactly once: one photo and one master file per source file.
    _, listed = second.request("GET", f"/api/input-sessions/{again['id']}/photos?limit=1000")
    _, earlier = second.request("GET", f"/api/input-sessions/{session['id']}/photos?limit=1000")
    hashes = [p["hothash"] for p in listed + earlier]
    assert len(hashes) == len(set(hashes)) == FILES
    masters = {p["master_path"] for p in listed + earlier}
    assert len(masters) == FILES
    # No coldpreview without a row, no row without its coldpreview, no half-written file.
    cold = data / "coldpreviews"
    on_disk = {p.stem for p in cold.rglob("*.jpg") if ".incoming" not in p.parts}
    assert on_disk == set(hashes)
    assert not any((cold / ".incoming").iterdir())
    assert second.signal(signal.SIGTERM) == 0


@pytest.mark.corpus
def test_register_command_end_to_end(tmp_path: Path, daemons: list[DaemonProcess]) -> None:
    data = tmp_path / "data"
    daemon = DaemonProcess(data)
    daemons.append(daemon)
    daemon.start().wait_healthy()
    result = cli("register", "--data-dir", str(data), str(CORPUS), "--name", "Corpus")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Session 'Corpus'" in result.stdout
    assert "completed" in result.stdout
    lines = dict(line.strip().rsplit(maxsplit=1) for line in result.stdout.splitlines()[1:5])
    assert lines == {
        "registered": str(len(corpus_images())),
        "duplicates": "0",
        "already registered": "0",
        "errors": "0",
    }
    again = cli("register", "--data-dir", str(data), str(CORPUS / "jpg" / "gps"))
    assert "already registered  9" in again.stdout

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.jpg").write_text("nope")
    with_errors = cli("register", "--data-dir", str(data), str(bad))
    assert with_errors.returncode == 0
    assert "errors              1" in with_errors.stdout
    assert "broken.jpg" in with_errors.stdout

    missing = cli("register", "--data-dir", str(data), str(tmp_path / "nowhere"))
    assert missing.returncode == 1
    assert "folder not found" in missing.stderr
    unknown = cli("register", "--data-dir", str(data), str(bad), "--photographer", "Nobody")
    assert unknown.returncode == 1
    assert "Nobody" in unknown.stderr
    no_wait = cli("register", "--data-dir", str(data), str(bad), "--no-wait")
    assert no_wait.returncode == 0
    assert len(no_wait.stdout.strip()) == 36


def test_register_without_a_daemon(tmp_path: Path) -> None:
    result = cli("register", "--data-dir", str(tmp_path / "data"), str(CORPUS))
    assert result.returncode == 3
    assert "not running" in result.stderr
