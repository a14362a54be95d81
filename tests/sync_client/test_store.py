"""The push's SQL on the real catalog: numbers, tombstones, batches, closure, cursor."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from daemon.errors import Conflict
from daemon.store import sync as store
from daemon.store.sync import Target
from tests.support.factories import add_photo, hothash

NOW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
async def default_photographer(pool: asyncpg.Pool) -> None:
    """The photographer the daemon makes at its first start (photos need one)."""
    async with pool.acquire() as conn:
        await conn.execute("INSERT INTO photographers (name, is_default) VALUES ('Me', true)")


async def seq(conn: Any, table: str, key: str, value: Any) -> int:
    """A row's change number."""
    number: int = await conn.fetchval(f"SELECT change_seq FROM {table} WHERE {key} = $1", value)
    return number


async def horizon_now(pool: asyncpg.Pool) -> int:
    """Every number taken so far (nothing else writes in these tests)."""
    return await store.horizon(pool)


async def target(conn: Any, name: str = "central") -> Target:
    """A target added straight to the table."""
    return await store.insert_target(
        conn,
        name=name,
        url=f"https://{name}.example",
        token="hpm_x",
        machine_name="laptop",
        ca_file=None,
    )


async def test_numbers_move_on_change_only_and_deletions_leave_tombstones(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        photo = hothash(1)
        await add_photo(conn, photo)
        first = await seq(conn, "photos", "hothash", photo)
        await conn.execute("UPDATE photos SET rating = rating WHERE hothash = $1", photo)
        assert await seq(conn, "photos", "hothash", photo) == first, "a no-op update"
        await conn.execute("UPDATE photos SET rating = 4 WHERE hothash = $1", photo)
        second = await seq(conn, "photos", "hothash", photo)
        assert second > first
        await conn.execute("DELETE FROM photos WHERE hothash = $1", photo)
        tombstones = await conn.fetch("SELECT change_seq, entity, entity_key FROM sync_tombstones")
    assert [(t["entity"], t["entity_key"]) for t in tombstones] == [("photos", photo)]
    assert tombstones[0]["change_seq"] > second
    after_delete = await horizon_now(pool)
    batch = await _read(pool, second, after_delete)
    assert [(d.entity, d.key) for d in batch.deletions] == [("photos", photo)]
    assert batch.photos == []


async def _read(pool: asyncpg.Pool, after: int, upto: int) -> Any:
    async with pool.acquire() as conn:
        return await store.read_changes(conn, after=after, upto=upto, machine_name="laptop")


async def test_read_changes_sends_rows_in_range_as_protocol_structs(pool: asyncpg.Pool) -> None:
    start = await horizon_now(pool)
    async with pool.acquire() as conn:
        photo_id = await add_photo(
            conn,
            hothash(1),
            coldpreview_path="ab/cd.jpg",
            taken_at=datetime(2024, 5, 1, 12, 0),
            taken_at_offset=timedelta(hours=2),
        )
        await conn.execute(
            "INSERT INTO image_files (photo_id, file_path, file_type, is_master)"
            " VALUES ($1, '/p/a.jpg', 'JPEG', true)",
            photo_id,
        )
        await conn.execute(
            "INSERT INTO photo_corrections (photo_id, rotation) VALUES ($1, 90)", photo_id
        )
        await add_photo(conn, hothash(2))
    end = await horizon_now(pool)
    batch = await _read(pool, start, end)
    assert batch.machine_name == "laptop"
    assert {p.hothash for p in batch.photos} == {hothash(1), hothash(2)}
    first = next(p for p in batch.photos if p.hothash == hothash(1))
    assert (first.taken_at_offset_seconds, first.has_coldpreview) == (7200, True)
    assert next(p for p in batch.photos if p.hothash == hothash(2)).has_coldpreview is False
    assert [(f.hothash, f.file_path) for f in batch.image_files] == [(hothash(1), "/p/a.jpg")]
    assert [(c.hothash, c.rotation) for c in batch.photo_corrections] == [(hothash(1), 90)]
    # The default photographer was numbered before `start`: not sent.
    assert batch.photographers == []
    # A range that ends before the second photo leaves it out.
    upto = await _seq_of(pool, hothash(1))
    narrow = await _read(pool, start, upto)
    assert [p.hothash for p in narrow.photos] == [hothash(1)]
    async with pool.acquire() as conn:
        paths = await store.coldpreview_paths(conn, [hothash(1), hothash(2)])
    assert paths == {hothash(1): "ab/cd.jpg"}


async def _seq_of(pool: asyncpg.Pool, photo: str) -> int:
    async with pool.acquire() as conn:
        return await seq(conn, "photos", "hothash", photo)


async def test_closure_brings_what_sent_rows_point_at(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        kari = await conn.fetchval("INSERT INTO photographers (name) VALUES ('Kari') RETURNING id")
        await add_photo(conn, hothash(1), photographer_id=kari)
        await add_photo(conn, hothash(2))
    synced = await horizon_now(pool)  # central has both photos and Kari
    async with pool.acquire() as conn:
        await conn.execute("UPDATE photos SET rating = 5")
        edited = await horizon_now(pool)
        await conn.execute("UPDATE photographers SET name = 'Kari N' WHERE id = $1", kari)
    # The batch ends before the rename: Kari goes along all the same, renamed, since
    # central may not have her as she is; the default photographer, unchanged, does not.
    batch = await _read(pool, synced, edited)
    assert sorted(p.hothash for p in batch.photos) == sorted([hothash(1), hothash(2)])
    assert [(p.id, p.name) for p in batch.photographers] == [(kari, "Kari N")]
    # Once the rename is acknowledged, later batches need not bring her.
    async with pool.acquire() as conn:
        await conn.execute("UPDATE photos SET rating = 4 WHERE hothash = $1", hothash(1))
    end = await horizon_now(pool)
    batch = await _read(pool, end - 1, end)
    assert ([p.hothash for p in batch.photos], batch.photographers) == ([hothash(1)], [])


async def test_closure_follows_a_cover_cycle_and_ends(pool: asyncpg.Pool) -> None:
    start = await horizon_now(pool)
    async with pool.acquire() as conn:
        parent = await conn.fetchval("INSERT INTO events (name) VALUES ('Trip') RETURNING id")
        event = await conn.fetchval(
            "INSERT INTO events (name, parent_id) VALUES ('Day 1', $1) RETURNING id", parent
        )
        await add_photo(conn, hothash(1), event_id=event)
        await conn.execute("UPDATE events SET cover_hothash = $1", hothash(1))
        collection = await conn.fetchval(
            "INSERT INTO collections (name, cover_hothash) VALUES ('Best', $1) RETURNING id",
            hothash(1),
        )
        card = await conn.fetchval("INSERT INTO text_items (title) VALUES ('Hi') RETURNING id")
        await conn.execute(
            "INSERT INTO collection_items (collection_id, text_item_id, position)"
            " VALUES ($1, $2, 0)",
            collection,
            card,
        )
        await conn.execute(
            "INSERT INTO collection_items (collection_id, hothash, position) VALUES ($1, $2, 1)",
            collection,
            hothash(1),
        )
        upto = await conn.fetchval("SELECT max(change_seq) FROM collection_items")
        # Changed after the batch's end: sent as the items' closure, at their current state.
        await conn.execute("UPDATE events SET description = 'later'")
        await conn.execute("UPDATE photos SET rating = 3")
        await conn.execute("UPDATE collections SET description = 'later'")
    batch = await _read(pool, start, upto)
    assert sorted(i.position for i in batch.collection_items) == [0, 1]
    assert [t.id for t in batch.text_items] == [card]
    assert [(c.id, c.description) for c in batch.collections] == [(collection, "later")]
    assert [(p.hothash, p.rating) for p in batch.photos] == [(hothash(1), 3)]
    events = sorted((e.id, e.description, e.cover_hothash) for e in batch.events)
    assert events == sorted([(parent, "later", hothash(1)), (event, "later", hothash(1))])
    # The photo's default photographer was numbered before `start`: on central already.
    assert batch.photographers == []


async def test_batch_end_counts_changes_across_tables(pool: asyncpg.Pool) -> None:
    start = await horizon_now(pool)
    async with pool.acquire() as conn:
        for n in range(5):
            await add_photo(conn, hothash(n))
        await conn.execute("INSERT INTO categories (name) VALUES ('Family')")
        await conn.execute("DELETE FROM photos WHERE hothash = $1", hothash(0))
        numbers = sorted(
            [r["change_seq"] for r in await conn.fetch("SELECT change_seq FROM photos")]
            + [await conn.fetchval("SELECT change_seq FROM categories")]
            + [await conn.fetchval("SELECT change_seq FROM sync_tombstones")]
        )
    end = await horizon_now(pool)
    assert len(numbers) == 6
    async with pool.acquire() as conn:
        assert await store.batch_end(conn, start, end, 3) == numbers[2]
        assert await store.batch_end(conn, start, end, 6) == numbers[5]
        assert await store.batch_end(conn, start, end, 100) == end
        assert await store.batch_end(conn, numbers[4], end, 1) == numbers[5]
        assert await store.batch_end(conn, end, end, 10) == end
        # The horizon bounds it even where more changes lie above.
        assert await store.batch_end(conn, start, numbers[1], 10) == numbers[1]


async def test_batch_end_and_pending_use_the_change_indexes(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO photos (hothash, hotpreview_b64, photographer_id)"
            " SELECT encode(sha256(i::text::bytea), 'hex'), 'AA==', p.id"
            " FROM generate_series(1, 5000) AS i, photographers p"
        )
        await conn.execute("ANALYZE photos")
    end = await horizon_now(pool)
    async with pool.acquire() as conn:
        for sql, args in (
            (store.BATCH_END, (0, end, 500)),
            (store.BATCH_END, (end - 10, end, 500)),
            (store.PENDING, (end, None, store.PENDING_CAP)),
        ):
            plan = "\n".join(row[0] for row in await conn.fetch("EXPLAIN " + sql, *args))
            scans = [line for line in plan.splitlines() if " on photos" in line]
            assert scans, plan
            assert all("photos_change_seq" in line for line in scans), plan


async def test_acknowledge_moves_the_cursor_logs_rows_and_prunes(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        central = await target(conn)
        start = central.acked_seq
        await add_photo(conn, hothash(1))
        await add_photo(conn, hothash(2))
        await conn.execute("DELETE FROM photos WHERE hothash = $1", hothash(2))
    end = await horizon_now(pool)
    async with pool.acquire() as conn, conn.transaction():
        assert await store.acknowledge(conn, central.id, after=start, upto=end, acked_at=NOW)
    async with pool.acquire() as conn:
        logged = await conn.fetch(
            "SELECT entity_type, entity_id, deleted, synced_at FROM sync_log ORDER BY entity_type"
        )
        # Added, deleted: logged once, as deleted; and every row numbered in range.
        by_key = {(r["entity_type"], r["entity_id"]): r["deleted"] for r in logged}
        assert by_key[("photos", hothash(1))] is False
        assert by_key[("photos", hothash(2))] is True
        assert {r["synced_at"] for r in logged} == {NOW}
        moved = await store.get_target(conn, central.id)
        assert moved is not None
        assert (moved.acked_seq, moved.acked_at) == (end, NOW)
        # Someone else moved it: nothing is written.
        assert not await store.acknowledge(conn, central.id, after=start, upto=end, acked_at=NOW)
        # Acknowledging again after a change updates the log entry.
        await conn.execute("UPDATE photos SET rating = 3 WHERE hothash = $1", hothash(1))
        newer = await horizon_now(pool)
        assert await store.acknowledge(conn, central.id, after=end, upto=newer, acked_at=NOW)
        assert (
            await conn.fetchval("SELECT change_seq FROM sync_log WHERE entity_id = $1", hothash(1))
            == newer
        )
        # A second target that has less keeps the tombstones it lacks.
        other = await target(conn, "backup")
        await add_photo(conn, hothash(3))
        await conn.execute("DELETE FROM photos WHERE hothash = $1", hothash(3))
        assert await store.prune_tombstones(conn) == 0
        await store.delete_target(conn, other.id)
        # Every target has hothash(2)'s now, but a central restored from a backup may ask
        # for it again: it is kept for a while.
        assert await store.prune_tombstones(conn) == 0
        await conn.execute(
            "UPDATE sync_tombstones SET deleted_at = deleted_at - interval '31 days'"
        )
        assert await store.prune_tombstones(conn) == 1  # hothash(3)'s is above the cursor
        await add_photo(conn, hothash(4))
        await conn.execute("DELETE FROM photos WHERE hothash = $1", hothash(4))
        await store.delete_target(conn, central.id)
        # No target at all: none of them is needed.
        assert await store.prune_tombstones(conn) == 2
        assert await conn.fetchval("SELECT count(*) FROM sync_log") == 0


async def test_reset_success_and_failure(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        central = await target(conn)
        await add_photo(conn, hothash(1))
        end = await horizon_now(pool)
        assert await store.acknowledge(conn, central.id, after=0, upto=end, acked_at=NOW)
        await store.record_failure(conn, central.id, "central answered 503", NOW)
        failed = await store.get_target(conn, central.id)
        assert failed is not None
        assert (failed.last_error, failed.last_error_at) == ("central answered 503", NOW)
        central_id = uuid.uuid4()
        await store.record_success(conn, central.id, central_id, NOW)
        await store.reset_cursor(conn, central.id)
        again = await store.get_target(conn, central.id)
        assert again is not None
        assert (again.acked_seq, again.acked_at, again.central_id) == (0, None, central_id)
        assert (again.last_success_at, again.last_error) == (NOW, None)
        assert await conn.fetchval("SELECT count(*) FROM sync_log") == 0


async def test_pending_counts_what_the_target_lacks(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        central = await target(conn)
        everything = await store.pending(conn, central)
        # Never synced: the default photographer counts too.
        assert everything == (1, 0, 0)
        await add_photo(conn, hothash(1), coldpreview_path="a/b.jpg")
        await add_photo(conn, hothash(2))
        end = await horizon_now(pool)
        rows, photos, coldpreviews = await store.pending(conn, central)
        assert (rows - everything[0], photos, coldpreviews) == (2, 2, 1)
        now = datetime.now(UTC)
        assert await store.acknowledge(conn, central.id, after=0, upto=end, acked_at=now)
        acked = await store.get_target(conn, central.id)
        assert acked is not None
        assert await store.pending(conn, acked) == (0, 0, 0)
        # A photo registered before the last push (its coldpreview went then, or was
        # asked for) counts as a change, not as a coldpreview to send.
        await conn.execute("UPDATE photos SET rating = 2")
        await add_photo(
            conn, hothash(3), coldpreview_path="c/d.jpg", registered_at=now + timedelta(days=1)
        )
        await conn.execute("DELETE FROM photos WHERE hothash = $1", hothash(2))
        assert await store.pending(conn, acked) == (3, 2, 1)


async def test_horizon_waits_for_a_writer_to_commit(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await add_photo(conn, hothash(1))
    async with pool.acquire() as writer:
        transaction = writer.transaction()
        await transaction.start()
        await writer.execute("UPDATE photos SET rating = 5 WHERE hothash = $1", hothash(1))
        taken = await seq(writer, "photos", "hothash", hothash(1))
        waiting = asyncio.create_task(store.horizon(pool))
        await asyncio.sleep(0.5)
        assert not waiting.done(), "the horizon must wait for the writer's numbers"
        await transaction.commit()
        number = await asyncio.wait_for(waiting, 10)
    assert number >= taken


async def test_horizon_gives_up_on_a_long_writer(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The daemon waits 30 s; the test waits a tenth of a second.
    monkeypatch.setattr(store, "HORIZON_LOCK_TIMEOUT", "SET LOCAL lock_timeout = '100ms'")
    async with pool.acquire() as writer, writer.transaction():
        await add_photo(writer, hothash(1))
        with pytest.raises(Conflict, match="the catalog is busy"):
            await store.horizon(pool)
    assert await store.horizon(pool) > 0


async def test_find_target_by_id_name_or_url(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        central = await target(conn)
        await target(conn, "backup")
        for ref in (
            str(central.id),
            str(central.id).upper(),
            "central",
            "https://central.example",
            "https://central.example/",
        ):
            found = await store.find_target(conn, ref)
            assert found is not None
            assert found.id == central.id, ref
        assert await store.find_target(conn, "nowhere") is None
        assert [t.name for t in await store.list_targets(conn)] == ["backup", "central"]
