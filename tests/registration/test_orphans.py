"""No orphan coldpreviews: a kill between writing files and committing rows leaves none,
and the sweep never takes a file that a row or a running writer owns."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import asyncpg
import pytest

from daemon.config import Settings
from daemon.imaging import coldpreviews
from daemon.registration.orphans import PendingFiles, sweep
from tests.support.app import Client
from tests.support.daemon_process import DaemonProcess, clean_env
from tests.support.factories import hothash, listing, register
from tests.support.images import write_jpeg

KEPT, CUT = 6, 40


@pytest.mark.process
def test_kill_9_between_coldpreviews_and_commit(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    kept, cut = tmp_path / "kept", tmp_path / "cut"
    for i in range(KEPT):
        write_jpeg(kept / f"K_{i}.jpg", 800, 600, seed=500 + i)
    for i in range(CUT):
        write_jpeg(cut / f"C_{i:03}.jpg", 800, 600, seed=600 + i)
    data = tmp_path / "data"

    first = DaemonProcess(data)
    daemons.append(first)
    first.start().wait_healthy()
    _, session = first.request(
        "POST", "/api/input-sessions", {"name": "k", "source_path": str(kept)}
    )
    assert first.wait_session(session["id"], lambda s: s["status"] == "completed")
    _, photos = first.request("GET", "/api/photos")
    corrected, trashed = photos[0]["hothash"], photos[1]["hothash"]
    status, _ = first.request("PUT", f"/api/photos/{corrected}/correction", {"rotation": 90})
    assert status == 200
    assert first.request("POST", f"/api/photos/{trashed}/delete")[0] == 200
    before = first.settled_coldpreviews()
    assert len(before) == KEPT + 1
    assert first.signal(signal.SIGTERM) == 0

    # The hook keeps every batch's transaction open after its files are written.
    second = DaemonProcess(data, env=clean_env(HOTPREVUE_TEST_COMMIT_DELAY="300"))
    daemons.append(second)
    second.start().wait_healthy()
    _, session = second.request(
        "POST", "/api/input-sessions", {"name": "c", "source_path": str(cut)}
    )
    deadline = time.monotonic() + 120
    while not second.coldpreview_files() - before:
        assert time.monotonic() < deadline, "no batch was written"
        time.sleep(0.05)
    _, running = second.request("GET", f"/api/input-sessions/{session['id']}")
    assert (running["status"], running["photo_count"]) == ("running", 0)
    second.kill_daemon()
    orphans = second.coldpreview_files() - before
    assert orphans, "the kill happened inside the window: files without rows"

    third = DaemonProcess(data)
    daemons.append(third)
    third.start().wait_healthy()
    assert third.settled_coldpreviews() == before
    _, ended = third.request("GET", f"/api/input-sessions/{session['id']}")
    assert (ended["status"], ended["photo_count"]) == ("interrupted", 0)
    assert "coldpreview file(s) that no photo owns" in third.output()

    _, again = third.request("POST", "/api/input-sessions", {"name": "c2", "source_path": str(cut)})
    done = third.wait_session(again["id"], lambda s: s["status"] == "completed")
    assert done["photo_count"] == CUT
    after = third.settled_coldpreviews()
    assert before < after
    assert len(after) == len(before) + CUT
    assert third.signal(signal.SIGTERM) == 0


async def test_sweep_spares_every_owned_file_and_removes_strays(
    client: Client, settings: Settings, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    folder = tmp_path / "photos"
    for i in range(4):
        write_jpeg(folder / f"P_{i}.jpg", 640, 480, seed=900 + i)
    await register(client, folder)
    corrected, trashed, plain, _ = await listing(client)
    assert (
        await client.put(f"/api/photos/{corrected}/correction", json={"exposure_ev": 1})
    ).is_success
    assert (await client.post(f"/api/photos/{trashed}/delete")).is_success
    root = settings.coldpreview_dir
    owned = {p for p in root.rglob("*.jpg") if ".incoming" not in p.parts}
    assert len(owned) == 5

    def stray(relative: str) -> Path:
        coldpreviews.write_at(root, relative, b"not owned")
        return root / relative

    removed = {
        stray(coldpreviews.relative_path(hothash(1))),
        # A correction file whose photo has no correction, and one whose photo is gone.
        stray(coldpreviews.corrected_relative_path(plain)),
        stray(coldpreviews.corrected_relative_path(hothash(2))),
    }
    held = [
        coldpreviews.relative_path(hothash(4)),
        coldpreviews.corrected_relative_path(hothash(3)),
    ]
    spared = {stray(relative) for relative in held}  # held by writers below
    not_coldpreviews = {root / "notes.txt", root / "zz" / "x.jpg", root / ".incoming" / "x.tmp"}
    not_coldpreviews.add(root / "ab" / "cd" / f"{hothash(5)}.jpg")  # not under its prefix
    not_coldpreviews.add(root / "corrected" / hothash(6)[0] / f"{hothash(6)}.jpg")
    for path in not_coldpreviews:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left alone")

    pending = PendingFiles()
    with pending.hold(held):
        assert await sweep(pool, root, pending) == len(removed)
    on_disk = {p for p in root.rglob("*") if p.is_file()}
    assert owned | spared | not_coldpreviews == on_disk
    # Released, the writers' files have no row: the next sweep takes them.
    assert await sweep(pool, root, pending) == len(held)
    assert not any((root / relative).exists() for relative in held)


async def test_a_file_held_while_the_sweep_runs_is_spared(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """A writer that commits and lets go after the sweep looked at the rows: its file stays,
    though the sweep saw no row for it."""
    root = tmp_path / "cold"
    relative = [coldpreviews.write(root, hothash(n), b"x") for n in range(3)]
    pending = PendingFiles()
    running = asyncio.create_task(sweep(pool, root, pending))
    await asyncio.sleep(0)  # the sweep has started and waits for its first listing
    with pending.hold(relative[:1]):
        pass
    assert pending.spared(relative[0])
    assert await running == 2
    assert [(root / r).exists() for r in relative] == [True, False, False]
    assert not pending.spared(relative[0])


def test_holds_are_counted() -> None:
    pending = PendingFiles()
    path = coldpreviews.relative_path(hothash(7))
    with pending.hold([path]):
        with pending.hold([path]):
            pass
        assert pending.spared(path), "another writer still holds it"
    assert not pending.spared(path)
