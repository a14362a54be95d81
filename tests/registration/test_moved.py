"""Moved is not new: a file registered again from its new place keeps its photo."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from tests.support.app import Client
from tests.support.factories import register
from tests.support.images import write_jpeg


async def _files(pool: asyncpg.Pool) -> list[tuple[str, str, bool, str]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT p.hothash, f.file_path, f.is_master, f.state FROM image_files f "
            "JOIN photos p ON p.id = f.photo_id ORDER BY f.file_path"
        )
    return [(r["hothash"], r["file_path"], r["is_master"], r["state"]) for r in rows]


async def test_a_moved_photo_follows_its_file(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    write_jpeg(old / "IMG_1.JPG", 800, 600, seed=1)
    (old / "IMG_1.xmp").write_text("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    (old / "IMG_1.CR2").write_bytes(b"raw companion, never decoded")
    first = await register(client, old)
    assert first["photo_count"] == 1
    [(hothash, _, _, _), *_] = await _files(pool)

    new.mkdir()
    (old / "IMG_1.JPG").rename(new / "IMG_1.JPG")
    (old / "IMG_1.xmp").rename(new / "IMG_1.xmp")  # the RAW stays behind
    second = await register(client, new)

    assert (second["photo_count"], second["duplicate_count"]) == (0, 0)
    assert second["already_registered_count"] == 1
    assert await _files(pool) == [
        (hothash, str(new / "IMG_1.JPG"), True, "online"),
        (hothash, str(new / "IMG_1.xmp"), False, "online"),
        (hothash, str(old / "IMG_1.CR2"), False, "online"),
    ]
    duplicates = await client.get("/api/duplicates")
    assert duplicates.json() == []


async def test_a_copy_whose_original_is_still_there_is_a_duplicate(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    write_jpeg(tmp_path / "a" / "IMG_1.JPG", 800, 600, seed=2)
    await register(client, tmp_path / "a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "IMG_1.JPG").write_bytes((tmp_path / "a" / "IMG_1.JPG").read_bytes())
    second = await register(client, tmp_path / "b")
    assert second["duplicate_count"] == 1
    assert [path for _, path, _, _ in await _files(pool)] == [str(tmp_path / "a" / "IMG_1.JPG")]


async def test_a_copy_while_the_original_disk_is_away_is_a_duplicate(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """An unplugged disk (its folder gone, or its files offline) says nothing about a
    file having moved: a copy registered meanwhile must not take over the photo."""
    disk, laptop = tmp_path / "disk", tmp_path / "laptop"
    write_jpeg(disk / "card" / "IMG_1.JPG", 800, 600, seed=3)
    (disk / "card" / "IMG_1.CR2").write_bytes(b"raw companion")
    write_jpeg(disk / "IMG_2.JPG", 800, 600, seed=4)
    await register(client, disk)
    laptop.mkdir()
    for name in ("IMG_1.JPG", "IMG_2.JPG"):
        source = disk / "card" / name if name == "IMG_1.JPG" else disk / name
        (laptop / name).write_bytes(source.read_bytes())
    (disk / "card" / "IMG_1.JPG").unlink()
    (disk / "card" / "IMG_1.CR2").unlink()
    (disk / "card").rmdir()  # IMG_1's folder is gone
    async with pool.acquire() as conn:  # IMG_2's folder is there, its file known offline
        await conn.execute(
            "UPDATE image_files SET state = 'offline' WHERE file_path LIKE '%IMG_2%'"
        )
    (disk / "IMG_2.JPG").unlink()
    second = await register(client, laptop)
    assert second["duplicate_count"] == 2
    paths = [path for _, path, _, _ in await _files(pool)]
    assert str(disk / "card" / "IMG_1.CR2") in paths
    assert str(laptop / "IMG_1.JPG") not in paths
    assert str(laptop / "IMG_2.JPG") not in paths
