"""The sessions a watched folder opens: failures, cancels and defaults that went away."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.watching import Watching, write_photo

pytestmark = pytest.mark.slow


async def _sessions(watching: Watching) -> list[dict[str, object]]:
    async with watching.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT id, status, photo_count, error_count, default_photographer_id "
            "FROM input_sessions ORDER BY created_at"
        )
    return [dict(row) for row in rows]


async def test_a_file_that_fails_is_not_failed_again_by_every_rescan(
    watching: Watching, tmp_path: Path
) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    folder_id = await watching.add(folder)
    await watching.until(
        lambda: _all_done(watching, lambda s: len(s) == 1 and s[0]["error_count"] == 1),
        what="the broken file's error",
    )
    for _ in range(2):
        assert watching.watcher.rescan(folder_id)
        await asyncio.sleep(1.5)  # the rescan, then three quiet windows
    assert len(await _sessions(watching)) == 1, "a rescan opened a session for the same file"

    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 changed, still not a JPEG")
    await watching.until(
        lambda: _all_done(watching, lambda s: len(s) == 2), what="a changed file to be tried"
    )


async def test_a_cancelled_burst_does_not_stop_the_folder(
    watching: Watching, tmp_path: Path
) -> None:
    folder = tmp_path / "inbox"
    folder_id = await watching.add(folder)
    await watching.reaches(folder_id, "watching")
    for n in range(30):
        write_photo(folder / f"{n}.jpg", seed=800 + n, size=(1600, 1200))
    await watching.until(lambda: _running(watching), what="the burst's session")
    [session] = await _sessions(watching)
    assert watching.registrations.cancel(session["id"])  # type: ignore[arg-type]
    await watching.until(
        lambda: _all_done(watching, lambda s: s[0]["status"] == "cancelled"), what="cancelled"
    )
    write_photo(folder / "after.jpg", seed=900)
    assert watching.watcher.rescan(folder_id)
    await watching.settled(31, timeout=60)
    assert watching.watcher.status(folder_id).state == "watching"
    assert watching.watcher.status(folder_id).pending_files == 0


async def test_a_deleted_photographer_falls_back_to_the_default(
    watching: Watching, tmp_path: Path
) -> None:
    async with watching.pool.acquire() as conn:
        kari = await conn.fetchval("INSERT INTO photographers (name) VALUES ('Kari') RETURNING id")
    folder = tmp_path / "inbox"
    folder.mkdir()
    async with watching.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO watched_folders (path, photographer_id) VALUES ($1, $2)",
            str(folder.resolve()),
            kari,
        )
    watching.watcher.reload()
    await asyncio.sleep(1)
    async with watching.pool.acquire() as conn:
        await conn.execute("DELETE FROM photographers WHERE id = $1", kari)
    write_photo(folder / "a.jpg", seed=950)
    await watching.settled(1)
    [session] = await _sessions(watching)
    async with watching.pool.acquire() as conn:
        default = await conn.fetchval("SELECT id FROM photographers WHERE is_default")
    assert session["default_photographer_id"] == default != kari


async def _all_done(watching: Watching, check: object) -> bool:
    sessions = await _sessions(watching)
    if any(s["status"] in ("pending", "running") for s in sessions):
        return False
    return bool(check(sessions))  # type: ignore[operator]


async def _running(watching: Watching) -> bool:
    return any(s["status"] == "running" for s in await _sessions(watching))
