"""`POST /api/sync/receive`: a machine's batches become central's mirror, exactly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from daemon.store.synced_tables import TABLES
from protocol.sync import SyncBatch
from tests.support.app import Client
from tests.support.central import T0, full_batch, image_file, new_machine, photo, photographer, push


async def counts(pool: asyncpg.Pool) -> dict[str, int]:
    async with pool.acquire() as conn:
        return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in TABLES}


async def row(pool: asyncpg.Pool, sql: str, *args: Any) -> dict[str, Any]:
    async with pool.acquire() as conn:
        found = await conn.fetchrow(sql, *args)
    assert found is not None, sql
    return dict(found)


def assert_same(stored: dict[str, Any], sent: Any, *, skip: tuple[str, ...] = ()) -> None:
    for field in sent.__struct_fields__:
        if field in skip or field not in stored:
            continue
        assert stored[field] == getattr(sent, field), field


async def test_a_full_batch_arrives_field_for_field(central: Client, pool: asyncpg.Pool) -> None:
    laptop = await new_machine(central, "laptop")
    before = await counts(pool)
    batch = full_batch()
    receipt = await push(central, laptop, batch)
    central_id = (await central.get("/api/health")).json()["installation_id"]
    assert receipt["version"] == 1
    assert receipt["central_id"] == central_id
    assert receipt["received"] == batch.row_count() - len(batch.deletions)
    assert (receipt["skipped_duplicates"], receipt["deleted"], receipt["refused"]) == (0, 0, [])
    assert sorted(receipt["coldpreviews_wanted"]) == sorted(p.hothash for p in batch.photos)
    after = await counts(pool)
    assert {t: after[t] - before[t] for t in TABLES} == {
        "photographers": 1,
        "categories": 1,
        "events": 2,
        "input_sessions": 1,
        "photos": 2,
        "image_files": 3,
        "collections": 1,
        "text_items": 1,
        "collection_items": 2,
        "photo_corrections": 1,
    }
    origin = laptop.installation_id
    for table in ("photographers", "categories", "events", "input_sessions", "collections"):
        for sent in getattr(batch, table):
            stored = await row(pool, f"SELECT * FROM {table} WHERE id = $1", sent.id)
            assert stored["origin"] == origin
            assert_same(stored, sent)
    for sent in batch.text_items + batch.collection_items:
        table = "text_items" if hasattr(sent, "title") else "collection_items"
        assert_same(await row(pool, f"SELECT * FROM {table} WHERE id = $1", sent.id), sent)
    for sent_photo in batch.photos:
        stored = await row(pool, "SELECT * FROM photos WHERE hothash = $1", sent_photo.hothash)
        assert (stored["origin"], stored["coldpreview_path"]) == (origin, None)
        assert stored["taken_at_offset"] == timedelta(seconds=7200)
        assert stored["edited_at"] == {}
        assert_same(stored, sent_photo, skip=("edited_at",))
    for sent_file in batch.image_files:
        stored = await row(
            pool,
            "SELECT f.*, p.hothash FROM image_files f JOIN photos p ON p.id = f.photo_id "
            "WHERE f.id = $1",
            sent_file.id,
        )
        assert stored["origin"] == origin
        assert_same(stored, sent_file)
    correction = batch.photo_corrections[0]
    stored = await row(
        pool,
        "SELECT c.*, p.hothash FROM photo_corrections c JOIN photos p ON p.id = c.photo_id",
    )
    assert_same(stored, correction)
    machine = await row(pool, "SELECT * FROM registered_machines")
    assert (machine["installation_id"], machine["machine_name"]) == (origin, "laptop")
    # The catalog API shows the mirror.
    listed = (await central.get("/api/photos")).json()
    assert {p["hothash"] for p in listed} == {p.hothash for p in batch.photos}


async def test_the_same_batch_again_updates_and_duplicates_nothing(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    batch = full_batch()
    await push(central, laptop, batch)
    once = await counts(pool)
    first_sync = await row(pool, "SELECT * FROM registered_machines")
    receipt = await push(central, laptop, batch)
    assert await counts(pool) == once
    # Photos are known now; the correction is no newer than central's, so it stays.
    rows = batch.row_count() - len(batch.photos) - len(batch.photo_corrections)
    assert (receipt["received"], receipt["skipped_duplicates"]) == (rows, len(batch.photos))
    again = await row(pool, "SELECT * FROM registered_machines")
    assert again["first_sync_at"] == first_sync["first_sync_at"]
    assert again["last_sync_at"] > first_sync["last_sync_at"]


async def test_an_empty_batch_is_one_round_trip(central: Client, pool: asyncpg.Pool) -> None:
    laptop = await new_machine(central, "laptop")
    receipt = await push(central, laptop, SyncBatch(after=0, upto=0, machine_name="laptop"))
    assert (receipt["received"], receipt["deleted"], receipt["coldpreviews_wanted"]) == (0, 0, [])
    first = await row(pool, "SELECT * FROM registered_machines")
    await push(central, laptop, SyncBatch(after=0, upto=0, machine_name="renamed"))
    second = await row(pool, "SELECT * FROM registered_machines")
    assert second["machine_name"] == "renamed"
    assert second["last_sync_at"] > first["last_sync_at"]


async def test_a_tampered_hotpreview_is_refused_and_the_rest_goes_in(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    kari = photographer()
    good = photo(1, kari.id)
    bad = photo(2, kari.id, hotpreview_b64=photo(3, kari.id).hotpreview_b64)
    garbage = photo(4, kari.id, hotpreview_b64="not base64!")
    batch = SyncBatch(
        after=0,
        upto=0,
        machine_name="laptop",
        photographers=[kari],
        photos=[good, bad, garbage],
        image_files=[
            image_file(good.hothash, "/p/good.jpg"),
            image_file(bad.hothash, "/p/bad.jpg"),
        ],
    )
    receipt = await push(central, laptop, batch)
    assert sorted((r["hothash"], r["reason"]) for r in receipt["refused"]) == sorted(
        (p.hothash, "hotpreview does not match its hothash") for p in (bad, garbage)
    )
    assert receipt["received"] == 3  # the photographer, the good photo and its file
    assert receipt["coldpreviews_wanted"] == [good.hothash]
    async with pool.acquire() as conn:
        stored = await conn.fetch("SELECT hothash FROM photos WHERE origin IS NOT NULL")
        files = await conn.fetchval("SELECT count(*) FROM image_files")
    assert [r["hothash"] for r in stored] == [good.hothash]
    assert files == 1


async def test_two_machines_share_a_photo_and_merge_its_edits(
    central: Client, pool: asyncpg.Pool
) -> None:
    a, b = await new_machine(central, "a"), await new_machine(central, "b")
    pa, pb = photographer(name="A"), photographer(name="B")
    shared_a = photo(
        1,
        pa.id,
        rating=5,
        tags=["from-a"],
        edited_at={"rating": T0 + timedelta(hours=2), "tags": T0 + timedelta(hours=1)},
    )
    shared_b = photo(
        1,
        pb.id,
        rating=2,
        tags=["from-b"],
        location_lat=1.0,
        location_lng=2.0,
        location_source=1,
        edited_at={"rating": T0 + timedelta(hours=1), "tags": T0 + timedelta(hours=3)},
    )
    await push(
        central,
        a,
        SyncBatch(
            after=0,
            upto=0,
            machine_name="a",
            photographers=[pa],
            photos=[shared_a],
            image_files=[image_file(shared_a.hothash, "/a/1.jpg")],
        ),
    )
    receipt = await push(
        central,
        b,
        SyncBatch(
            after=0,
            upto=0,
            machine_name="b",
            photographers=[pb],
            photos=[shared_b],
            image_files=[image_file(shared_b.hothash, "/b/1.jpg")],
        ),
    )
    assert (receipt["received"], receipt["skipped_duplicates"]) == (2, 1)
    stored = await row(pool, "SELECT * FROM photos WHERE hothash = $1", shared_a.hothash)
    # A's rating is the later edit; B's tags are; nobody edited the location or the
    # photographer, so the first machine's stay.
    assert (stored["rating"], stored["tags"]) == (5, ["from-b"])
    assert (stored["location_lat"], stored["photographer_id"]) == (None, pa.id)
    assert stored["origin"] == a.installation_id
    async with pool.acquire() as conn:
        merged = await conn.fetchrow(
            "SELECT (edited_at->>'rating')::timestamptz AS rating, "
            "(edited_at->>'tags')::timestamptz AS tags FROM photos WHERE hothash = $1",
            shared_a.hothash,
        )
        origins = await conn.fetch(
            "SELECT f.origin FROM image_files f JOIN photos p ON p.id = f.photo_id "
            "WHERE p.hothash = $1",
            shared_a.hothash,
        )
    assert merged is not None
    assert (merged["rating"], merged["tags"]) == (T0 + timedelta(hours=2), T0 + timedelta(hours=3))
    assert {r["origin"] for r in origins} == {a.installation_id, b.installation_id}
    # An older edit loses: A sends its photo again, its tags edit still older than B's.
    await push(
        central,
        a,
        SyncBatch(after=0, upto=0, machine_name="a", photographers=[pa], photos=[shared_a]),
    )
    stored = await row(pool, "SELECT * FROM photos WHERE hothash = $1", shared_a.hothash)
    assert (stored["rating"], stored["tags"]) == (5, ["from-b"])
    assert (await central.get("/api/photos")).json()[0]["hothash"] == shared_a.hothash
