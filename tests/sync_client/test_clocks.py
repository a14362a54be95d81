"""A machine stamps its edits past the clock central last answered (a hybrid logical
clock), so that an edit made after a push wins whatever this machine's clock says."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import pytest
from aiohttp import web

from daemon.services import settings as settings_service
from daemon.store import sync as store
from daemon.store.sync import Target
from daemon.sync.pusher import Progress, Push, PushSpec
from protocol.sync import SyncReceipt
from tests.support.factories import add_photo, hothash

LAST = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
AHEAD = timedelta(days=365)


@pytest.fixture
async def machine(pool: asyncpg.Pool) -> uuid.UUID:
    """The installation, with its default photographer; returns its id."""
    return (await settings_service.bootstrap(pool)).installation_id


async def target(conn: Any, url: str = "https://central.example", name: str = "central") -> Target:
    """A target added straight to the table."""
    return await store.insert_target(
        conn, name=name, url=url, token="hpm_x", machine_name="laptop", ca_file=None
    )


async def edited(conn: Any, photo: str, group: str) -> datetime:
    """When this machine last edited a group of the photo's fields."""
    at: datetime = await conn.fetchval(
        "SELECT (edited_at->>$2)::timestamptz FROM photos WHERE hothash = $1", photo, group
    )
    return at


async def corrected(conn: Any, photo_id: uuid.UUID) -> datetime:
    """When the photo's correction was last changed."""
    at: datetime = await conn.fetchval(
        "SELECT updated_at FROM photo_corrections WHERE photo_id = $1", photo_id
    )
    return at


async def test_edits_after_a_receipt_are_later_than_its_clock_and_keep_their_order(
    pool: asyncpg.Pool, machine: uuid.UUID
) -> None:
    async with pool.acquire() as conn:
        photo = hothash(1)
        photo_id = await add_photo(conn, photo)
        central = await target(conn)
        # This machine's clock runs a year behind central's.
        clock = datetime.now(UTC) + AHEAD
        await store.note_central_clock(conn, central.id, clock)
        await conn.execute("UPDATE photos SET rating = 3 WHERE hothash = $1", photo)
        rated = await edited(conn, photo, "rating")
        await conn.execute("UPDATE photos SET tags = '{sea}' WHERE hothash = $1", photo)
        tagged = await edited(conn, photo, "tags")
        await conn.execute("INSERT INTO photo_corrections (photo_id) VALUES ($1)", photo_id)
        first_correction = await corrected(conn, photo_id)
        await conn.execute(
            "UPDATE photo_corrections SET rotation = 90 WHERE photo_id = $1", photo_id
        )
        second_correction = await corrected(conn, photo_id)
    # Past the clock, and moving on from it: a second edit is later than the first.
    assert clock < rated < tagged < first_correction < second_correction
    assert second_correction < clock + timedelta(minutes=1)


async def test_a_central_clock_behind_this_machines_leaves_the_stamps_alone(
    pool: asyncpg.Pool, machine: uuid.UUID
) -> None:
    async with pool.acquire() as conn:
        photo = hothash(1)
        await add_photo(conn, photo)
        central = await target(conn)
        await store.note_central_clock(conn, central.id, datetime(1, 1, 1, tzinfo=UTC))
        before = datetime.now(UTC)
        await conn.execute("UPDATE photos SET rating = 3 WHERE hothash = $1", photo)
        assert before <= await edited(conn, photo, "rating") <= datetime.now(UTC)
        # Central's clock was a year ahead and was put right: the latest clock counts.
        await store.note_central_clock(conn, central.id, datetime.now(UTC) + AHEAD)
        await store.note_central_clock(conn, central.id, datetime.now(UTC) - AHEAD)
        before = datetime.now(UTC)
        await conn.execute("UPDATE photos SET rating = 4 WHERE hothash = $1", photo)
        assert before <= await edited(conn, photo, "rating") <= datetime.now(UTC)


async def test_the_latest_clock_of_two_centrals_counts(
    pool: asyncpg.Pool, machine: uuid.UUID
) -> None:
    async with pool.acquire() as conn:
        photo = hothash(1)
        await add_photo(conn, photo)
        home = await target(conn)
        office = await target(conn, "https://office.example", "office")
        await store.note_central_clock(conn, home.id, datetime.now(UTC) + AHEAD)
        latest = datetime.now(UTC) + 2 * AHEAD
        await store.note_central_clock(conn, office.id, latest)
        await conn.execute("UPDATE photos SET rating = 3 WHERE hothash = $1", photo)
        assert await edited(conn, photo, "rating") > latest


async def test_a_clock_at_the_end_of_9999_leaves_the_edits_readable(
    pool: asyncpg.Pool, machine: uuid.UUID
) -> None:
    async with pool.acquire() as conn:
        photo = hothash(1)
        start = await store.horizon(pool)
        await add_photo(conn, photo)
        central = await target(conn)
        await store.note_central_clock(conn, central.id, LAST)
        await conn.execute("UPDATE photos SET rating = 3 WHERE hothash = $1", photo)
        assert await edited(conn, photo, "rating") == LAST
        batch = await store.read_changes(
            conn, after=start, upto=await store.horizon(pool), machine_name="laptop"
        )
    assert [p.edited_at for p in batch.photos] == [{"rating": LAST}]


def test_a_receipt_of_an_older_central_has_no_clock() -> None:
    older = {
        "version": 1,
        "central_id": str(uuid.uuid4()),
        "acked_seq": 3,
        "received": 0,
        "skipped_duplicates": 0,
        "deleted": 0,
    }
    assert msgspec.json.decode(msgspec.json.encode(older), type=SyncReceipt).clock is None


class FakeCentral:
    """A central answering every batch with a receipt, with a clock or (older) without."""

    def __init__(self, clock: datetime | None) -> None:
        self.clock = clock
        self.central_id = uuid.uuid4()
        self.url = ""

    async def receive(self, request: web.Request) -> web.Response:
        batch = await request.json()
        receipt = SyncReceipt(
            version=1,
            central_id=self.central_id,
            acked_seq=batch["upto"],
            received=0,
            skipped_duplicates=0,
            deleted=0,
            clock=self.clock,
        )
        body = msgspec.to_builtins(receipt)
        if self.clock is None:
            del body["clock"]
        return web.json_response(body)


@pytest.fixture
async def fake_central(request: pytest.FixtureRequest) -> AsyncIterator[FakeCentral]:
    """A fake central on a loopback port, answering with the test's clock."""
    central = FakeCentral(request.param)
    app = web.Application()
    app.router.add_post("/api/sync/receive", central.receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    central.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield central
    await runner.cleanup()


@pytest.mark.parametrize("fake_central", [None, LAST - AHEAD], indirect=True)
async def test_a_push_keeps_the_clock_its_central_answers(
    pool: asyncpg.Pool, machine: uuid.UUID, fake_central: FakeCentral, tmp_path: Path
) -> None:
    async with pool.acquire() as conn:
        await add_photo(conn, hothash(1))
        central = await target(conn, fake_central.url)
    spec = PushSpec(target_id=central.id, installation_id=machine, coldpreview_root=tmp_path)
    await Push(spec, pool, Progress(), asyncio.Event()).run()
    async with pool.acquire() as conn:
        kept = await conn.fetchrow(
            "SELECT central_clock, central_clock_at, last_error, central_id FROM sync_targets"
        )
    assert kept is not None
    assert (kept["last_error"], kept["central_id"]) == (None, fake_central.central_id)
    assert kept["central_clock"] == fake_central.clock
    assert (kept["central_clock_at"] is None) == (fake_central.clock is None)
