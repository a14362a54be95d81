"""Known names in watched folders: a name that holds another picture now is registered
anew, and a folder moved from one watched folder into another is moved, not copied."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.images import jpeg_bytes, photo_like
from tests.support.watching import Watching, write_photo

pytestmark = pytest.mark.slow


async def _path_holds(watching: Watching, path: Path, old: str) -> None:
    """Until the path is another photo's file than `old`'s, online."""

    async def check() -> bool:
        row = (await watching.files()).get(str(path))
        return row is not None and row[0] != old and row[1] == "online"

    await watching.until(check, what=f"{path.name} to be the new picture's file")


async def test_a_name_deleted_and_used_again_registers_the_new_picture(
    watching: Watching, tmp_path: Path
) -> None:
    folder = tmp_path / "watched"
    await watching.reaches(await watching.add(folder), "watching")
    name = folder.resolve() / "IMG_0001.JPG"
    write_photo(name, seed=31)
    await watching.settled(1)
    [(old, _, _)] = (await watching.files()).values()

    name.unlink()

    async def missing() -> bool:
        return (await watching.files())[str(name)][1] == "missing"

    await watching.until(missing, what="the deleted file to be missing")
    write_photo(name, seed=32)
    await watching.settled(2)
    await _path_holds(watching, name, old)
    assert len(await watching.files()) == 1
    assert await watching.count("SELECT count(*) FROM duplicate_files") == 0


async def test_a_file_overwritten_in_place_registers_the_new_picture(
    watching: Watching, tmp_path: Path
) -> None:
    folder = tmp_path / "watched"
    await watching.reaches(await watching.add(folder), "watching")
    name = folder.resolve() / "IMG_0001.JPG"
    write_photo(name, seed=33)
    await watching.settled(1)
    [(old, _, _)] = (await watching.files()).values()

    with name.open("r+b") as out:
        out.truncate()
        out.write(jpeg_bytes(photo_like(320, 240, 34)))
    await watching.settled(2)
    await _path_holds(watching, name, old)
    assert len(await watching.files()) == 1


async def test_a_touched_file_keeps_its_photo(watching: Watching, tmp_path: Path) -> None:
    folder = tmp_path / "watched"
    folder_id = await watching.add(folder)
    await watching.reaches(folder_id, "watching")
    name = folder.resolve() / "IMG_0001.JPG"
    write_photo(name, seed=35)
    await watching.settled(1)
    before = await watching.files()

    touched = name.stat().st_mtime_ns - 5_000_000_000
    os.utime(name, ns=(touched, touched))
    # A new time alone raises no event the watcher follows: its rescans see it.
    assert watching.watcher.rescan(folder_id)

    async def recorded() -> bool:
        sql = "SELECT file_mtime_ns FROM image_files"
        return await watching.count(sql) == touched

    await watching.until(recorded, what="the new modification time to be recorded")
    await watching.settled(1)
    assert await watching.files() == before
    assert await watching.count("SELECT sum(photo_count) FROM input_sessions") == 1


async def test_a_name_used_again_while_nobody_watched_is_caught_up(
    watching: Watching, tmp_path: Path
) -> None:
    folder = tmp_path / "watched"
    await watching.reaches(await watching.add(folder), "watching")
    name = folder.resolve() / "IMG_0001.JPG"
    write_photo(name, seed=36)
    await watching.settled(1)
    [(old, _, _)] = (await watching.files()).values()

    await watching.stop()
    name.unlink()
    write_photo(name, seed=37)
    watching.start()

    await watching.settled(2)
    await _path_holds(watching, name, old)


async def _moved_between_watched_folders(
    watching: Watching, tmp_path: Path, *, watched_meanwhile: bool
) -> None:
    a, b = tmp_path / "A", tmp_path / "B"
    a_id, b_id = await watching.add(a), await watching.add(b)
    await watching.reaches(a_id, "watching")
    await watching.reaches(b_id, "watching")
    for n in range(2):
        write_photo(a / "sub" / f"IMG_{n}.JPG", seed=40 + n)
    (a / "sub" / "IMG_0.CR2").write_bytes(b"raw companion, never decoded")
    photos = 2
    if not watched_meanwhile:
        # Found empty at its start, A would be a disk that is not mounted (its files
        # offline, never moved): something stays in it.
        write_photo(a / "stays.jpg", seed=42)
        photos = 3
    await watching.settled(photos)
    before = await watching.files()

    if not watched_meanwhile:
        await watching.stop()
    (a / "sub").rename(b / "sub")
    if not watched_meanwhile:
        watching.start()

    old, new = str(a.resolve() / "sub"), str(b.resolve() / "sub")
    expected = {path.replace(old, new): row for path, row in before.items()}

    async def followed() -> bool:
        return await watching.files() == expected

    await watching.until(followed, what="the photos' files to follow them into B")
    await watching.settled(photos)
    assert await watching.files() == expected
    assert await watching.count("SELECT count(*) FROM duplicate_files") == 0


async def test_a_folder_moved_into_another_watched_folder_is_moved(
    watching: Watching, tmp_path: Path
) -> None:
    await _moved_between_watched_folders(watching, tmp_path, watched_meanwhile=True)


async def test_a_folder_moved_into_another_watched_folder_while_nobody_watched(
    watching: Watching, tmp_path: Path
) -> None:
    await _moved_between_watched_folders(watching, tmp_path, watched_meanwhile=False)
