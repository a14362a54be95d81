"""Paths a tester made hostile: links into the daemon's own folders, names the catalog
cannot store. The watcher never feeds on its own previews, and lists what it leaves out."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest

from daemon.config import Settings
from daemon.paths import MAX_PATH_BYTES
from tests.support.long_paths import first_too_long, path_of
from tests.support.watching import QUIET, Watching, write_photo

pytestmark = pytest.mark.slow

OWN = "the daemon's own folder"


async def folder_errors(watching: Watching, folder_id: uuid.UUID) -> dict[str, str]:
    """The errors of the folder's sessions: path → technical text."""
    async with watching.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT e.file_path, e.error FROM session_errors e "
            "JOIN input_sessions s ON s.id = e.session_id WHERE s.watched_folder_id = $1",
            folder_id,
        )
    assert len(rows) == len({row["file_path"] for row in rows}), "an error listed twice"
    return {row["file_path"]: row["error"] for row in rows}


async def quiet(watching: Watching) -> bool:
    """No session running."""
    return (
        await watching.count(
            "SELECT count(*) FROM input_sessions WHERE status IN ('pending', 'running')"
        )
        == 0
    )


async def test_a_folder_replaced_by_a_link_into_the_previews_feeds_on_nothing(
    watching: Watching, settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "card"
    write_photo(folder / "a.jpg", seed=1)
    folder_id = await watching.add(folder)
    await watching.settled(1)
    assert any(settings.coldpreview_dir.rglob("*.jpg")), "a preview to be fed on"

    folder.rename(tmp_path / "away")
    folder.symlink_to(settings.coldpreview_dir)

    async def refused() -> bool:
        status = watching.watcher.status(folder_id)
        return status.state == "offline" and OWN in status.detail

    await watching.until(refused, what="the folder to be refused as the daemon's own")
    assert str(settings.coldpreview_dir) in watching.watcher.status(folder_id).detail
    await asyncio.sleep(12 * QUIET)  # probes, quiet windows and bursts, had anything come
    assert await watching.photos() == 1
    assert await quiet(watching)
    assert not watching.watcher.rescan(folder_id), "offline: nothing to rescan"

    folder.unlink()  # the real folder is back
    (tmp_path / "away").rename(folder)

    async def back() -> bool:
        files = await watching.files()
        return watching.state(folder_id) == "watching" and [s for _, s, _ in files.values()] == [
            "online"
        ]

    await watching.until(back, what="the folder to be watched again")
    await watching.settled(1)


async def test_links_into_the_daemons_folders_are_left_out_and_listed(
    watching: Watching, settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "card"
    write_photo(folder / "a.jpg", seed=2)
    folder_id = await watching.add(folder)
    await watching.settled(1)
    for name, target in {
        "previews": settings.coldpreview_dir,
        "inside previews": next(p for p in settings.coldpreview_dir.iterdir() if p.is_dir()),
        "data": settings.data_dir,
        "above data": settings.data_dir.parent,
        "loop": folder,
    }.items():
        (folder / name).symlink_to(target)
    assert watching.watcher.rescan(folder_id)

    async def listed() -> bool:
        return len(await folder_errors(watching, folder_id)) == 4 and await quiet(watching)

    await watching.until(listed, what="the links to be listed as the folder's errors")
    errors = await folder_errors(watching, folder_id)
    real = folder.resolve()
    assert set(errors) == {
        str(real / n) for n in ("previews", "inside previews", "data", "above data")
    }
    own = {n for n, e in errors.items() if "where the daemon keeps the catalog and its" in e}
    assert own == {str(real / n) for n in ("previews", "inside previews", "data")}
    assert "leads outside the registered folder" in errors[str(real / "above data")]
    assert await watching.photos() == 1
    assert watching.state(folder_id) == "watching"

    assert watching.watcher.rescan(folder_id)
    await asyncio.sleep(6 * QUIET)
    assert len(await folder_errors(watching, folder_id)) == 4, "listed again by a rescan"


async def test_paths_the_catalog_cannot_store_are_the_folders_errors(
    watching: Watching, tmp_path: Path
) -> None:
    folder = (tmp_path / "card").resolve()
    write_photo(folder / "good.jpg", seed=3)
    bad_name = folder / os.fsdecode(b"P02075x\xff.jpg")
    write_photo(bad_name, seed=4)
    write_photo(folder / os.fsdecode(b"roll\xfe") / "inside.jpg", seed=5)
    (folder / os.fsdecode(b"notes\xfd.txt")).write_text("not a photo: no error")
    long_file = write_photo(path_of(folder / "long", MAX_PATH_BYTES + 1, seed=1), seed=6)
    at_bound = write_photo(path_of(folder / "fits", MAX_PATH_BYTES, seed=2), seed=7)
    folder_id = await watching.add(folder)
    before = {
        f"{folder}/P02075x\\xff.jpg": "the file name is not valid Unicode",
        f"{folder}/roll\\xfe": "the folder name is not valid Unicode",
        str(long_file): "the file's path is too long for the catalog",
    }

    async def listed(expected: dict[str, str], photos: int) -> None:
        async def check() -> bool:
            errors = await folder_errors(watching, folder_id)
            return (
                set(errors) == set(expected)
                and await watching.photos() == photos
                and await quiet(watching)
            )

        await watching.until(check, what=f"errors of {sorted(expected)}")
        errors = await folder_errors(watching, folder_id)
        for path, start in expected.items():
            assert errors[path].startswith(start), (path, errors[path])

    await listed(before, photos=2)
    assert str(at_bound) in await watching.files()
    assert watching.state(folder_id) == "watching"

    # Written while the folder is watched: the OS's events list them.
    write_photo(folder / os.fsdecode(b"caf\xe9.jpg"), seed=8)
    (folder / os.fsdecode(b"new roll\xff")).mkdir()
    write_photo(folder / os.fsdecode(b"new roll\xff") / "in it.jpg", seed=9)
    later_long = write_photo(path_of(folder / "later", MAX_PATH_BYTES + 50, seed=3), seed=10)
    write_photo(path_of(folder / "later fits", MAX_PATH_BYTES, seed=4), seed=11)
    during = {
        **before,
        f"{folder}/caf\\xe9.jpg": "the file name is not valid Unicode",
        f"{folder}/new roll\\xff": "the folder name is not valid Unicode",
        str(later_long): "the file's path is too long for the catalog",
    }
    await listed(during, photos=3)

    assert watching.watcher.rescan(folder_id)
    await asyncio.sleep(6 * QUIET)
    await listed(during, photos=3)  # not listed again

    # Renamed as the error advises: registered like any new file.
    bad_name.rename(folder / "renamed.jpg")
    (folder / os.fsdecode(b"new roll\xff")).rename(folder / "new roll")
    await listed(during, photos=5)
    assert watching.state(folder_id) == "watching"


async def test_a_folder_moved_deeper_lists_the_paths_grown_too_long(
    watching: Watching, tmp_path: Path
) -> None:
    folder = (tmp_path / "card").resolve()
    deep = path_of(folder / "deep", len(str(folder).encode()) + 750, suffix="", seed=5)
    deep.mkdir(parents=True)
    long = write_photo(path_of(folder / "sub", MAX_PATH_BYTES - 50, seed=6), seed=20)
    short = write_photo(folder / "sub" / "short.jpg", seed=21)
    folder_id = await watching.add(folder)
    await watching.settled(2)

    (folder / "sub").rename(deep / "sub")
    grown = first_too_long(deep / long.relative_to(folder), MAX_PATH_BYTES)

    async def sorted_out() -> bool:
        files = {path: state for path, (_, state, _) in (await watching.files()).items()}
        return files == {str(long): "missing", str(deep / short.relative_to(folder)): "online"}

    await watching.until(sorted_out, what="the short path moved, the long one missing")
    errors = await folder_errors(watching, folder_id)
    assert list(errors) == [str(grown)]
    assert "path is too long for the catalog" in errors[str(grown)]
    assert await watching.photos() == 2
    assert watching.state(folder_id) == "watching"
