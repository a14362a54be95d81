"""From file-system events to registrations: bursts, slow writers, renames, companions."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from tests.support.watching import Watching, photo, write_photo
from tests.support.xmp_files import lightroom

pytestmark = pytest.mark.slow


async def test_a_burst_registers_each_photo_once(watching: Watching, tmp_path: Path) -> None:
    folder = tmp_path / "watched"
    await watching.reaches(await watching.add(folder), "watching")
    source = tmp_path / "card"
    for n in range(40):
        write_photo(source / f"IMG_{n:04}.JPG", seed=n)
    for path in sorted(source.iterdir()):
        shutil.copy(path, folder / path.name)
    await watching.settled(40)
    files = await watching.files()
    assert sorted(Path(p).name for p in files) == sorted(p.name for p in source.iterdir())
    assert await watching.count("SELECT count(*) FROM duplicate_files") == 0
    sessions = await watching.count(
        "SELECT count(*) FROM input_sessions WHERE watched_folder_id IS NOT NULL"
    )
    assert sessions >= 1


async def test_a_slow_writer_registers_once_and_whole(watching: Watching, tmp_path: Path) -> None:
    folder = tmp_path / "watched"
    await watching.reaches(await watching.add(folder), "watching")
    data = photo(7, size=(1600, 1200))
    target = folder / "slow.jpg"
    with target.open("wb") as out:
        step = len(data) // 20 + 1
        for start in range(0, len(data), step):
            out.write(data[start : start + step])
            out.flush()
            await asyncio.sleep(0.15)  # shorter than the quiet window: still being written
    await watching.settled(1)
    errors = await watching.count("SELECT count(*) FROM session_errors")
    assert errors == 0
    assert await watching.count("SELECT sum(photo_count) FROM input_sessions") == 1


async def test_temp_then_rename_registers_once(watching: Watching, tmp_path: Path) -> None:
    folder = tmp_path / "watched"
    await watching.reaches(await watching.add(folder), "watching")
    (folder / "download.jpg.crdownload").write_bytes(photo(1))
    (folder / ".rsync.jpg.Xy12ab").write_bytes(photo(2))
    (folder / "partial.jpg.part").write_bytes(photo(3))
    (folder / ".DS_Store").write_bytes(b"\0" * 10)
    (folder / "._IMG.jpg").write_bytes(b"\0" * 10)
    (folder / "Thumbs.db").write_bytes(b"\0" * 10)
    await asyncio.sleep(1)
    (folder / "download.jpg.crdownload").rename(folder / "download.jpg")
    (folder / ".rsync.jpg.Xy12ab").rename(folder / "rsync.jpg")
    await watching.settled(2)
    await asyncio.sleep(2)  # nothing more arrives: the ignored files stay ignored
    assert sorted(Path(p).name for p in await watching.files()) == ["download.jpg", "rsync.jpg"]
    assert await watching.count("SELECT count(*) FROM session_errors") == 0


async def test_raw_jpeg_and_xmp_3_s_apart_make_one_photo(
    watching: Watching, tmp_path: Path
) -> None:
    async with watching.pool.acquire() as conn:
        await conn.execute("UPDATE system_settings SET watch_quiet_seconds = 4")
    folder = tmp_path / "watched"
    await watching.reaches(await watching.add(folder), "watching")
    write_photo(folder / "IMG_1234.JPG", seed=5)
    await asyncio.sleep(3)
    (folder / "IMG_1234.CR2").write_bytes(b"raw bytes are not decoded when a JPEG is master")
    await asyncio.sleep(3)
    (folder / "IMG_1234.xmp").write_bytes(lightroom(rating="4"))
    await watching.settled(1)
    files = await watching.files()
    assert sorted(Path(p).name for p in files) == ["IMG_1234.CR2", "IMG_1234.JPG", "IMG_1234.xmp"]
    assert len({hothash for hothash, _, _ in files.values()}) == 1
    async with watching.pool.acquire() as conn:
        photo_row = await conn.fetchrow("SELECT rating, tags FROM photos")
    assert photo_row is not None
    assert photo_row["rating"] == 4
    assert {"bergen", "fjord"} <= set(photo_row["tags"])  # tags are case-folded


async def test_a_renamed_file_keeps_its_photo_without_a_decode(
    watching: Watching, tmp_path: Path
) -> None:
    folder = tmp_path / "watched"
    await watching.reaches(await watching.add(folder), "watching")
    write_photo(folder / "a.jpg", seed=21)
    await watching.settled(1)
    sessions = await watching.count("SELECT count(*) FROM input_sessions")
    (folder / "a.jpg").rename(folder / "b.jpg")

    async def renamed() -> bool:
        return list(await watching.files()) == [str(folder.resolve() / "b.jpg")]

    await watching.until(renamed, what="the path to follow the rename")
    await asyncio.sleep(2)  # longer than the quiet window: no session follows
    assert await watching.count("SELECT count(*) FROM input_sessions") == sessions
    assert [state for _, state, _ in (await watching.files()).values()] == ["online"]


async def test_a_moved_file_keeps_its_photo(watching: Watching, tmp_path: Path) -> None:
    folder = tmp_path / "watched"
    await watching.reaches(await watching.add(folder), "watching")
    write_photo(folder / "a.jpg", seed=11)
    await watching.settled(1)
    before = await watching.files()
    (folder / "sub").mkdir()
    (folder / "a.jpg").rename(folder / "sub" / "renamed.jpg")

    async def moved() -> bool:
        return list(await watching.files()) == [str(folder.resolve() / "sub" / "renamed.jpg")]

    await watching.until(moved, what="the path to follow the file")
    after = await watching.files()
    assert [v[0] for v in after.values()] == [v[0] for v in before.values()]
    assert [v[1] for v in after.values()] == ["online"]
    assert await watching.photos() == 1
    assert await watching.count("SELECT count(*) FROM duplicate_files") == 0


async def test_a_deleted_file_is_missing_not_deleted(watching: Watching, tmp_path: Path) -> None:
    folder = tmp_path / "watched"
    await watching.reaches(await watching.add(folder), "watching")
    write_photo(folder / "gone.jpg", seed=12)
    await watching.settled(1)
    (folder / "gone.jpg").unlink()

    async def missing() -> bool:
        return [v[1] for v in (await watching.files()).values()] == ["missing"]

    await watching.until(missing, what="the file to be marked missing")
    assert await watching.photos() == 1
