"""The bounds a pusher keeps, checked on receipt: a batch beyond them is a 422 (or 413)
naming what is too large, never a 500, and a batch within them goes in."""

from __future__ import annotations

import uuid

import asyncpg
import msgspec

from daemon.paths import MAX_PATH_BYTES
from protocol.photos import MAX_EXIF_TEXT, MAX_TAG_LENGTH, MAX_TAGS
from protocol.sync import (
    MAX_BATCH_BYTES,
    MAX_BATCH_ROWS,
    SyncBatch,
    SyncDeletion,
    SyncEvent,
)
from tests.support.app import Client
from tests.support.central import T0, image_file, new_machine, photo, photographer, push

# Four bytes in UTF-8 each: the most bytes a character of a bounded length can take.
EMOJI = "\U0001f4f7"


def event(parent: uuid.UUID | None = None) -> SyncEvent:
    """A small row: an event, under a parent or not."""
    return SyncEvent(
        id=uuid.uuid4(),
        name="Trip",
        description="",
        date=None,
        location="",
        parent_id=parent,
        cover_hothash=None,
        created_at=T0,
        updated_at=T0,
    )


async def count(pool: asyncpg.Pool, sql: str) -> int:
    async with pool.acquire() as conn:
        found: int = await conn.fetchval(sql)
    return found


async def test_a_batch_of_more_changes_than_the_protocol_allows_is_refused(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    too_many = [
        SyncBatch(
            after=0,
            upto=1,
            machine_name="laptop",
            photographers=[photographer(is_default=False) for _ in range(MAX_BATCH_ROWS + 1)],
        ),
        SyncBatch(
            after=0,
            upto=1,
            machine_name="laptop",
            deletions=[
                SyncDeletion(entity="events", key=str(uuid.uuid4()))
                for _ in range(MAX_BATCH_ROWS + 1)
            ],
        ),
        SyncBatch(
            after=0,
            upto=1,
            machine_name="laptop",
            events=[event() for _ in range(MAX_BATCH_ROWS)],
            deletions=[SyncDeletion(entity="events", key=str(uuid.uuid4()))],
        ),
    ]
    for batch in too_many:
        detail = (await push(central, laptop, batch, status=422))["detail"]
        assert f"carries {MAX_BATCH_ROWS + 1} changes" in detail, detail
        assert f"the {MAX_BATCH_ROWS} a batch may carry" in detail, detail
    assert await count(pool, "SELECT count(*) FROM photographers WHERE origin IS NOT NULL") == 0
    # The rows the changes point at go with them, however many: twice the bound in rows,
    # of which the bound's worth are changes (sub-events), the others their parents.
    parents = [event() for _ in range(MAX_BATCH_ROWS)]
    children = [event(parent.id) for parent in parents]
    receipt = await push(
        central,
        laptop,
        SyncBatch(after=0, upto=1, machine_name="laptop", events=children + parents),
    )
    assert receipt["received"] == 2 * MAX_BATCH_ROWS


async def test_a_body_larger_than_a_batch_may_be_is_413(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    batch = msgspec.json.encode(SyncBatch(after=0, upto=1, machine_name="laptop"))
    # JSON allows white space: a body exactly at the bound goes in, one byte more does not.
    padded = b" " * (MAX_BATCH_BYTES - len(batch)) + batch
    assert (await push(central, laptop, padded))["acked_seq"] == 1
    await push(central, laptop, b" " + padded, status=413)


async def test_tags_beyond_the_catalogs_bounds_are_refused(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    kari = photographer()

    def with_tags(tags: list[str]) -> SyncBatch:
        return SyncBatch(
            after=0,
            upto=1,
            machine_name="laptop",
            photographers=[kari],
            photos=[photo(1, kari.id, tags=tags)],
        )

    cases = [
        ["x" * (MAX_TAG_LENGTH + 1)],
        ["".join(chr(0x4E00 + i % 20000) for i in range(8192))],  # the tester's ~8 KB tag
        [f"tag {i}" for i in range(MAX_TAGS + 1)],
        [""],
    ]
    for tags in cases:
        detail = (await push(central, laptop, with_tags(tags), status=422))["detail"]
        assert "tags" in detail, detail
    assert await count(pool, "SELECT count(*) FROM photos") == 0
    # At the bounds, in the widest characters, they go in.
    widest = [f"{i:03d}" + EMOJI * (MAX_TAG_LENGTH - 3) for i in range(MAX_TAGS)]
    receipt = await push(central, laptop, with_tags(widest))
    assert receipt["refused"] == []
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT tags FROM photos") == widest


async def test_a_file_path_longer_than_the_catalog_keeps_is_refused(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    kari = photographer()
    shot = photo(1, kari.id)
    longest = "/" + EMOJI * ((MAX_PATH_BYTES - 1) // 4) + "a" * ((MAX_PATH_BYTES - 1) % 4)
    assert len(longest.encode()) == MAX_PATH_BYTES

    def with_path(path: str) -> SyncBatch:
        return SyncBatch(
            after=0,
            upto=1,
            machine_name="laptop",
            photographers=[kari],
            photos=[shot],
            image_files=[image_file(shot.hothash, "/ok.jpg"), image_file(shot.hothash, path)],
        )

    for path in (longest + "a", "/" + "a" * 2800, "/" + "b" * 100_000):
        batch = with_path(path)
        detail = (await push(central, laptop, batch, status=422))["detail"]
        assert detail.startswith(f"image_files[1] ({batch.image_files[1].id}): file_path is ")
        assert f"than the {MAX_PATH_BYTES:,} a path may have" in detail
    assert await count(pool, "SELECT count(*) FROM photos") == 0
    await push(central, laptop, with_path(longest))
    assert await count(pool, "SELECT count(*) FROM image_files") == 2


async def test_camera_names_beyond_the_catalogs_bounds_are_refused(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    kari = photographer()

    def with_camera(**names: str) -> SyncBatch:
        shot = photo(1, kari.id, **names)
        return SyncBatch(
            after=0, upto=1, machine_name="laptop", photographers=[kari], photos=[shot]
        )

    for field in ("camera_make", "camera_model", "lens_model"):
        for name in ("x" * (MAX_EXIF_TEXT + 1), EMOJI * 1500):
            body = await push(central, laptop, with_camera(**{field: name}), status=422)
            assert field in body["detail"], body
    # Within the bounds, yet in characters so wide that no catalog's index holds them:
    # a machine could not have registered such a photo; central says so, not a 500.
    widest = "".join(chr(0x1F300 + (i * 7919) % 1800) for i in range(MAX_EXIF_TEXT))
    body = await push(
        central, laptop, with_camera(camera_make=widest, camera_model=widest[::-1]), status=422
    )
    assert body["detail"].startswith("a value is too large for the catalog to store: "), body
    assert await count(pool, "SELECT count(*) FROM photos") == 0
    receipt = await push(central, laptop, with_camera(camera_make="y" * MAX_EXIF_TEXT))
    assert receipt["refused"] == []
