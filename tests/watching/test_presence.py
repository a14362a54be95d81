"""A folder that goes away is offline, not emptied; when it is back it is caught up."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.watching import Watching, write_photo

pytestmark = pytest.mark.slow


async def test_a_folder_renamed_away_and_back(watching: Watching, tmp_path: Path) -> None:
    folder = tmp_path / "card"
    for n in range(3):
        write_photo(folder / f"{n}.jpg", seed=100 + n)
    folder_id = await watching.add(folder)
    await watching.settled(3)

    away = tmp_path / "elsewhere"
    folder.rename(away)

    async def offline() -> bool:
        states = {state for _, state, _ in (await watching.files()).values()}
        return watching.state(folder_id) == "offline" and states == {"offline"}

    await watching.until(offline, what="the folder and its files to be offline")
    assert watching.watcher.status(folder_id).detail
    assert await watching.photos() == 3

    write_photo(away / "new while away.jpg", seed=200)
    (away / "0.jpg").unlink()
    away.rename(folder)

    async def caught_up() -> bool:
        states = sorted(
            (Path(path).name, state) for path, (_, state, _) in (await watching.files()).items()
        )
        return states == [
            ("0.jpg", "missing"),
            ("1.jpg", "online"),
            ("2.jpg", "online"),
            ("new while away.jpg", "online"),
        ]

    await watching.until(caught_up, what="the catch-up scan")
    await watching.settled(4)
    assert watching.state(folder_id) == "watching"


async def test_files_present_before_watching_are_registered(
    watching: Watching, tmp_path: Path
) -> None:
    folder = tmp_path / "existing"
    for n in range(5):
        write_photo(folder / "deep" / f"{n}.jpg", seed=300 + n)
    write_photo(folder / "top.jpg", seed=310)
    await watching.add(folder)
    await watching.settled(6)
    async with watching.pool.acquire() as conn:
        last_scan = await conn.fetchval("SELECT last_scan_at FROM watched_folders")
    assert last_scan is not None


async def test_not_recursive_leaves_subfolders_alone(watching: Watching, tmp_path: Path) -> None:
    folder = tmp_path / "flat"
    write_photo(folder / "top.jpg", seed=400)
    write_photo(folder / "sub" / "below.jpg", seed=401)
    folder_id = await watching.add(folder, recursive=False)
    await watching.settled(1)
    write_photo(folder / "sub" / "later.jpg", seed=402)
    write_photo(folder / "later top.jpg", seed=403)
    await watching.settled(2)
    await asyncio.sleep(2)  # four quiet windows: time enough for the one below too
    assert sorted(Path(p).name for p in await watching.files()) == ["later top.jpg", "top.jpg"]
    assert watching.state(folder_id) == "watching"


async def test_paused_and_switched_off_register_nothing_until_back(
    watching: Watching, tmp_path: Path
) -> None:
    folder = tmp_path / "inbox"
    folder_id = await watching.add(folder)
    await watching.reaches(folder_id, "watching")
    for step, sql in enumerate(
        (
            "UPDATE watched_folders SET paused = true",
            "UPDATE system_settings SET watching_enabled = false",
        )
    ):
        async with watching.pool.acquire() as conn:
            await conn.execute(sql)
        watching.watcher.reload()
        await watching.reaches(folder_id, "starting")  # the watcher let it go
        write_photo(folder / f"while off {step}.jpg", seed=450 + step)
        await asyncio.sleep(2)  # four quiet windows: a watched folder would have it by now
        assert await watching.photos() == step
        async with watching.pool.acquire() as conn:
            await conn.execute("UPDATE watched_folders SET paused = false")
            await conn.execute("UPDATE system_settings SET watching_enabled = true")
        watching.watcher.reload()
        await watching.settled(step + 1)


async def test_an_emptied_mount_point_is_offline_not_missing(
    watching: Watching, tmp_path: Path
) -> None:
    folder = tmp_path / "disk"
    for n in range(2):
        write_photo(folder / f"{n}.jpg", seed=460 + n)
    folder_id = await watching.add(folder)
    await watching.settled(2)
    await watching.stop()
    for path in list(folder.iterdir()):  # the disk is unmounted: its mount point stays
        path.unlink()
    watching.start()

    async def offline() -> bool:
        states = {state for _, state, _ in (await watching.files()).values()}
        return watching.state(folder_id) == "offline" and states == {"offline"}

    await watching.until(offline, what="the files to be offline, not missing")
    assert "unmounted" in watching.watcher.status(folder_id).detail
    write_photo(folder / "0.jpg", seed=460)  # the disk is back (here: one file of it)

    async def back() -> bool:
        states = sorted(state for _, state, _ in (await watching.files()).values())
        return watching.state(folder_id) == "watching" and states == [
            "missing",
            "online",
        ]

    await watching.until(back, what="the folder to be caught up")
