"""Values a batch may carry and those central refuses: always a 422, never a 500."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import asyncpg
import msgspec

from protocol.sync import SyncBatch
from tests.support.app import Client
from tests.support.central import full_batch, new_machine, photo, photographer, push

FIRST = datetime(1, 1, 1, tzinfo=UTC)
LAST = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def raw(batch: SyncBatch, path: tuple[str | int, ...], value: Any) -> bytes:
    """The batch as JSON with one value replaced (where its Struct would refuse it)."""
    body: Any = msgspec.to_builtins(batch)
    place = body
    for key in path[:-1]:
        place = place[key]
    place[path[-1]] = value
    return msgspec.json.encode(body)


async def test_times_at_the_ends_of_the_years_1_to_9999_are_kept(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    kari = photographer(created_at=FIRST, updated_at=LAST)
    first = photo(1, kari.id, taken_at=datetime(1, 1, 1), taken_at_offset_seconds=0)
    last = photo(
        2,
        kari.id,
        taken_at=datetime(9999, 12, 31, 23, 59, 59),
        taken_at_offset_seconds=0,
        edited_at={"rating": LAST, "tags": FIRST},
    )
    batch = full_batch()
    events = [
        msgspec.structs.replace(e, date=day, cover_hothash=None, parent_id=None)
        for e, day in zip(batch.events, (date(1, 1, 1), date(9999, 12, 31)), strict=True)
    ]
    receipt = await push(
        central,
        laptop,
        SyncBatch(
            after=0,
            upto=1,
            machine_name="laptop",
            photographers=[kari],
            events=events,
            photos=[first, last],
        ),
    )
    assert receipt["refused"] == []
    listed = (await central.get("/api/photos")).json()
    assert {p["taken_at"] for p in listed} == {"0001-01-01T00:00:00", "9999-12-31T23:59:59"}
    shown = (await central.get(f"/api/photographers/{kari.id}")).json()
    assert shown["created_at"].startswith("0001-01-01T00:00:00")
    assert (await central.get("/api/events")).status_code == 200


async def test_times_beyond_the_years_1_to_9999_in_utc_are_refused(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    west = timezone(-timedelta(hours=5))
    east = timezone(timedelta(hours=5))
    kari = photographer()
    cases = [
        (
            SyncBatch(
                after=0,
                upto=1,
                machine_name="laptop",
                photographers=[photographer(created_at=datetime(9999, 12, 31, 23, tzinfo=west))],
            ),
            "photographers[0].created_at",
        ),
        (
            SyncBatch(
                after=0,
                upto=1,
                machine_name="laptop",
                photographers=[kari],
                photos=[photo(1, kari.id, edited_at={"rating": datetime(1, 1, 1, tzinfo=east)})],
            ),
            "photos[0].edited_at.rating",
        ),
        (
            # The wall time is in range; read in UTC with its offset, it is not.
            SyncBatch(
                after=0,
                upto=1,
                machine_name="laptop",
                photographers=[kari],
                photos=[
                    photo(
                        1,
                        kari.id,
                        taken_at=datetime(9999, 12, 31, 23),
                        taken_at_offset_seconds=-7200,
                    )
                ],
            ),
            "taken_at",
        ),
    ]
    for batch, field in cases:
        body = await push(central, laptop, batch, status=422)
        assert field in body["detail"]
    # taken_at is a wall time: one with a zone is refused.
    zoned = SyncBatch(
        after=0, upto=1, machine_name="laptop", photographers=[kari], photos=[photo(1, kari.id)]
    )
    body = await push(
        central, laptop, raw(zoned, ("photos", 0, "taken_at"), "2024-01-01T00:00:00Z"), status=422
    )
    assert "taken_at" in body["detail"]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM photos") == 0


async def test_numbers_out_of_their_columns_range_are_refused(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    batch = full_batch()
    batch.after, batch.upto = 0, 1
    cases: list[tuple[tuple[str | int, ...], Any]] = [
        (("categories", 0, "display_order"), 2**40),
        (("collection_items", 0, "position"), 2**40),
        (("photos", 0, "aperture"), 1e300),
        (("photos", 0, "rating"), 70000),
        (("photos", 0, "iso"), 2**40),
        (("photos", 0, "taken_at_offset_seconds"), 10**6),
        (("input_sessions", 0, "photo_count"), -1),
        (("photo_corrections", 0, "rotation"), 2**20),
        (("photo_corrections", 0, "exposure_ev"), -1e39),
        (("upto",), 2**63),
    ]
    for path, value in cases:
        body = await push(central, laptop, raw(batch, path, value), status=422)
        assert str(path[-1]) in body["detail"], (path, body)
    # Within the protocol's bounds, but too small for a `real`: the database says so.
    body = await push(central, laptop, raw(batch, ("photos", 0, "aperture"), 1e-300), status=422)
    assert "out of range" in body["detail"]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM photos") == 0


async def test_exif_nested_too_deeply_is_refused(central: Client, pool: asyncpg.Pool) -> None:
    laptop = await new_machine(central, "laptop")
    kari = photographer()
    batch = SyncBatch(
        after=0, upto=1, machine_name="laptop", photographers=[kari], photos=[photo(1, kari.id)]
    )
    deep = b"[" * 3000 + b"]" * 3000
    body = raw(batch, ("photos", 0, "exif_data"), {"x": "DEEP"}).replace(b'"DEEP"', deep)
    detail = (await push(central, laptop, body, status=422))["detail"]
    assert "nested" in detail
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM photos") == 0
