"""A known name that holds another picture now is registered anew (`register`, the API).

Files are known by path; a camera whose numbering starts again, or a file overwritten,
puts another picture under a name the catalog has. What a file was like when it was read
(size, modification time) tells when to read it again; its picture tells whose it is.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import asyncpg

from tests.support.app import Client
from tests.support.factories import register
from tests.support.images import jpeg_bytes, photo_like, write_jpeg


async def _files(pool: asyncpg.Pool) -> dict[str, tuple[str, str, bool]]:
    """Every file row: path → (hothash, state, is_master)."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT f.file_path, p.hothash, f.state, f.is_master FROM image_files f "
            "JOIN photos p ON p.id = f.photo_id"
        )
    return {r["file_path"]: (r["hothash"], r["state"], r["is_master"]) for r in rows}


async def _hothashes(pool: asyncpg.Pool) -> set[str]:
    async with pool.acquire() as conn:
        return {row["hothash"] for row in await conn.fetch("SELECT hothash FROM photos")}


async def _one(pool: asyncpg.Pool, sql: str, *args: Any) -> Any:
    async with pool.acquire() as conn:
        return await conn.fetchval(sql, *args)


def _counts(session: dict[str, Any]) -> tuple[int, int, int, int]:
    return (
        session["photo_count"],
        session["duplicate_count"],
        session["already_registered_count"],
        session["error_count"],
    )


async def test_a_name_deleted_and_used_again_registers_the_new_picture(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    name = tmp_path / "card" / "IMG_0001.JPG"
    write_jpeg(name, 640, 480, seed=1)
    await register(client, name.parent)
    [old] = await _hothashes(pool)

    name.unlink()
    write_jpeg(name, 640, 480, seed=2)
    second = await register(client, name.parent)

    assert _counts(second) == (1, 0, 0, 0)
    [new] = await _hothashes(pool) - {old}
    # The old photo stays (never a deletion), without the file that is another's now.
    assert await _files(pool) == {str(name): (new, "online", True)}
    assert await _one(pool, "SELECT count(*) FROM duplicate_files") == 0


async def test_a_file_overwritten_in_place_registers_the_new_picture(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    name = tmp_path / "card" / "IMG_0001.JPG"
    write_jpeg(name, 640, 480, seed=3)
    await register(client, name.parent)
    [old] = await _hothashes(pool)
    inode = name.stat().st_ino

    with name.open("r+b") as out:  # the same file (inode), other bytes
        out.truncate()
        out.write(jpeg_bytes(photo_like(640, 480, 4)))
    assert name.stat().st_ino == inode
    second = await register(client, name.parent)

    assert _counts(second) == (1, 0, 0, 0)
    [new] = await _hothashes(pool) - {old}
    assert await _files(pool) == {str(name): (new, "online", True)}


async def test_a_touched_file_changes_nothing_but_what_is_recorded_of_it(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    name = tmp_path / "card" / "IMG_0001.JPG"
    write_jpeg(name, 640, 480, seed=5)
    await register(client, name.parent)
    before = await _files(pool)
    recorded = await _one(pool, "SELECT file_mtime_ns FROM image_files")
    assert recorded == name.stat().st_mtime_ns

    touched = name.stat().st_mtime_ns + 3_000_000_000
    os.utime(name, ns=(touched, touched))
    second = await register(client, name.parent)

    assert _counts(second) == (0, 0, 1, 0)
    assert await _files(pool) == before
    assert await _one(pool, "SELECT file_mtime_ns FROM image_files") == touched
    # Recorded now: the next registration does not read the file again.
    third = await register(client, name.parent)
    assert _counts(third) == (0, 0, 1, 0)


async def test_a_touched_file_that_was_missing_is_back(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    name = tmp_path / "card" / "IMG_0001.JPG"
    write_jpeg(name, 640, 480, seed=6)
    await register(client, name.parent)
    async with pool.acquire() as conn:
        await conn.execute("UPDATE image_files SET state = 'missing'")
    os.utime(name, ns=(1, 1))
    await register(client, name.parent)
    [(_, state, _)] = (await _files(pool)).values()
    assert state == "online"


async def test_a_name_taken_by_a_copy_of_another_photo_is_its_duplicate(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    card, other = tmp_path / "card" / "IMG_0001.JPG", tmp_path / "other" / "IMG_0001.JPG"
    write_jpeg(card, 640, 480, seed=7)
    write_jpeg(other, 640, 480, seed=8)
    await register(client, tmp_path)
    owner = (await _files(pool))[str(other)][0]

    card.write_bytes(other.read_bytes())
    second = await register(client, card.parent)

    assert _counts(second) == (0, 1, 0, 0)
    assert await _files(pool) == {str(other): (owner, "online", True)}
    duplicate = await _one(pool, "SELECT file_path FROM duplicate_files")
    assert duplicate == str(card)


async def test_another_photo_moved_over_a_name_follows_its_file(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    card, other = tmp_path / "card" / "IMG_0001.JPG", tmp_path / "other" / "IMG_0002.JPG"
    write_jpeg(card, 640, 480, seed=9)
    write_jpeg(other, 640, 480, seed=10)
    await register(client, tmp_path)
    owner = (await _files(pool))[str(other)][0]

    other.replace(card)
    second = await register(client, card.parent)

    assert _counts(second) == (0, 0, 1, 0)
    assert await _files(pool) == {str(card): (owner, "online", True)}
    assert await _one(pool, "SELECT count(*) FROM duplicate_files") == 0


async def test_companions_written_with_the_new_picture_go_with_it(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """A new card whose numbering starts again brings a JPEG and a RAW of one name; a
    RAW left as it was beside an overwritten JPEG is still the old picture's."""
    folder = tmp_path / "card"
    for stem, seed in (("IMG_0001", 11), ("IMG_0002", 12)):
        write_jpeg(folder / f"{stem}.JPG", 640, 480, seed=seed)
        (folder / f"{stem}.CR2").write_bytes(b"old raw " + stem.encode())
    await register(client, folder)
    old = await _files(pool)

    for stem, seed in (("IMG_0001", 13), ("IMG_0002", 14)):
        (folder / f"{stem}.JPG").unlink()
        write_jpeg(folder / f"{stem}.JPG", 640, 480, seed=seed)
    (folder / "IMG_0001.CR2").unlink()
    (folder / "IMG_0001.CR2").write_bytes(b"the new card's raw, a little longer")
    second = await register(client, folder)

    assert _counts(second) == (2, 0, 0, 0)
    files = await _files(pool)
    new_1, new_2 = files[str(folder / "IMG_0001.JPG")][0], files[str(folder / "IMG_0002.JPG")][0]
    assert {new_1, new_2}.isdisjoint(old_hash for old_hash, _, _ in old.values())
    assert files[str(folder / "IMG_0001.CR2")] == (new_1, "online", False)
    assert files[str(folder / "IMG_0002.CR2")] == old[str(folder / "IMG_0002.CR2")]


async def test_a_duplicate_name_used_again_registers_the_new_picture(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    original, copy = tmp_path / "a" / "IMG_0001.JPG", tmp_path / "b" / "IMG_0001.JPG"
    write_jpeg(original, 640, 480, seed=15)
    copy.parent.mkdir()
    copy.write_bytes(original.read_bytes())
    await register(client, tmp_path)
    assert await _one(pool, "SELECT file_path FROM duplicate_files") == str(copy)

    copy.unlink()
    write_jpeg(copy, 640, 480, seed=16)
    second = await register(client, copy.parent)

    assert _counts(second) == (1, 0, 0, 0)
    assert await _one(pool, "SELECT count(*) FROM duplicate_files") == 0
    assert set(await _files(pool)) == {str(original), str(copy)}


async def test_a_trashed_photo_is_not_restored_by_another_picture_under_its_name(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    name = tmp_path / "card" / "IMG_0001.JPG"
    write_jpeg(name, 640, 480, seed=17)
    await register(client, name.parent)
    [old] = await _hothashes(pool)
    assert (await client.post(f"/api/photos/{old}/delete")).status_code == 200

    name.unlink()
    write_jpeg(name, 640, 480, seed=18)
    await register(client, name.parent)

    deleted = await _one(pool, "SELECT deleted_at IS NOT NULL FROM photos WHERE hothash = $1", old)
    assert deleted is True
    [(new, state, _)] = (await _files(pool)).values()
    assert (new != old, state) == (True, "online")


async def test_rows_from_before_sizes_were_recorded(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """A row with nothing recorded (an older catalog) is read again only when its file
    was written or put in place after the row was made."""
    kept, replaced = tmp_path / "card" / "IMG_0001.JPG", tmp_path / "card" / "IMG_0002.JPG"
    write_jpeg(kept, 640, 480, seed=19)
    write_jpeg(replaced, 640, 480, seed=20)
    await register(client, kept.parent)
    old = await _files(pool)
    async with pool.acquire() as conn:
        await conn.execute("UPDATE image_files SET file_size = NULL, file_mtime_ns = NULL")

    untouched = await register(client, kept.parent)
    assert _counts(untouched) == (0, 0, 2, 0)

    # An older picture put in place keeps its old modification time; its ctime is new.
    elsewhere = tmp_path / "elsewhere.jpg"
    write_jpeg(elsewhere, 640, 480, seed=21)
    os.utime(elsewhere, ns=(10**18, 10**18))
    elsewhere.replace(replaced)
    second = await register(client, kept.parent)

    assert _counts(second) == (1, 0, 1, 0)
    files = await _files(pool)
    assert files[str(kept)] == old[str(kept)]
    assert files[str(replaced)][0] != old[str(replaced)][0]
    recorded = await _one(
        pool, "SELECT file_mtime_ns FROM image_files WHERE file_path = $1", str(replaced)
    )
    assert recorded == 10**18
