"""A folder moved out of a watched folder is moved, though its old folder is gone.

A folder that is gone says nothing about its files in general (an unplugged disk);
in a watched folder a watcher follows, it does: the watcher makes the files of a disk
that went away offline, so files gone from a watched folder that is there were moved.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import asyncpg
import pytest

from daemon.services import settings as settings_service
from tests.support.app import Client
from tests.support.factories import register
from tests.support.images import write_jpeg


async def _watch(pool: asyncpg.Pool, folder: Path, *, paused: bool = False) -> None:
    """A watched folder's row, as the API makes it (no watcher runs in these tests)."""
    await settings_service.bootstrap(pool)
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO watched_folders (path, paused) VALUES ($1, $2)", str(folder), paused
        )


async def _paths(pool: asyncpg.Pool) -> tuple[list[str], list[str]]:
    """The file rows' paths and the duplicates' paths."""
    async with pool.acquire() as conn:
        files = await conn.fetch("SELECT file_path FROM image_files ORDER BY 1")
        duplicates = await conn.fetch("SELECT file_path FROM duplicate_files ORDER BY 1")
    return [r["file_path"] for r in files], [r["file_path"] for r in duplicates]


async def test_a_folder_moved_out_of_a_followed_watched_folder_is_moved(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    a, b = tmp_path / "A", tmp_path / "B"
    write_jpeg(a / "sub" / "IMG_1.JPG", 640, 480, seed=51)
    (a / "sub" / "IMG_1.xmp").write_text("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    await _watch(pool, a)
    await register(client, a)
    b.mkdir()
    (a / "sub").rename(b / "sub")  # A is left empty, and is there

    second = await register(client, b)

    assert (second["photo_count"], second["duplicate_count"]) == (0, 0)
    assert second["already_registered_count"] == 1
    assert await _paths(pool) == ([str(b / "sub" / "IMG_1.JPG"), str(b / "sub" / "IMG_1.xmp")], [])


@pytest.mark.parametrize("away", ["paused", "folder gone"])
async def test_a_copy_is_a_duplicate_when_no_watcher_can_tell(
    client: Client, pool: asyncpg.Pool, tmp_path: Path, away: str
) -> None:
    """A paused watched folder, or one that is not there (its disk unplugged), says
    nothing about its files: a copy elsewhere does not take the photo over."""
    disk, laptop = tmp_path / "disk", tmp_path / "laptop"
    write_jpeg(disk / "card" / "IMG_1.JPG", 640, 480, seed=52)
    await _watch(pool, disk, paused=away == "paused")
    await register(client, disk)
    laptop.mkdir()
    (laptop / "IMG_1.JPG").write_bytes((disk / "card" / "IMG_1.JPG").read_bytes())
    shutil.rmtree(disk / "card" if away == "paused" else disk)

    second = await register(client, laptop)

    assert second["duplicate_count"] == 1
    assert await _paths(pool) == ([str(disk / "card" / "IMG_1.JPG")], [str(laptop / "IMG_1.JPG")])
