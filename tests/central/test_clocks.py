"""Edit times from wrong clocks: central bounds each by its own clock once, when it first
arrives, and its receipts carry that clock so that a machine's later edits win."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
import uvicorn

from daemon.app import create_app
from daemon.config import Settings
from daemon.database import create_pool
from daemon.embedded_pg import EmbeddedPostgres
from daemon.migrate import CREATE_TABLE, RECORD, available, migrate
from daemon.security import API_KEY_HEADER
from daemon.services import settings as settings_service
from daemon.services.central import CLOCK_SKEW
from daemon.store import sync as sync_store
from daemon.sync.pusher import Progress, Push, PushSpec
from protocol.sync import SyncBatch, SyncPhotoCorrection
from tests.support.app import TEMPLATE, Client, scratch_database
from tests.support.central import T0, hotpreview, new_machine, photo, photographer, push
from tests.support.factories import add_photo

FIRST = datetime(1, 1, 1, tzinfo=UTC)
LAST = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
# The migration that bounds the times an older central holds.
BOUNDING_MIGRATION = 12


def clock_of(receipt: dict[str, Any]) -> datetime:
    """The clock a receipt carries."""
    return datetime.fromisoformat(receipt["clock"])


async def stored(pool: asyncpg.Pool, hothash: str) -> dict[str, Any]:
    """A photo's rating, tags, and times on central."""
    async with pool.acquire() as conn:
        found = await conn.fetchrow(
            "SELECT rating, tags, updated_at, (edited_at->>'rating')::timestamptz AS rated_at,"
            " (edited_at->>'tags')::timestamptz AS tagged_at FROM photos WHERE hothash = $1",
            hothash,
        )
    assert found is not None
    return dict(found)


async def correction_of(pool: asyncpg.Pool, hothash: str) -> tuple[int, datetime, uuid.UUID]:
    """(rotation, time, origin) of a photo's correction on central."""
    async with pool.acquire() as conn:
        found = await conn.fetchrow(
            "SELECT c.rotation, c.updated_at, c.origin FROM photo_corrections c"
            " JOIN photos p ON p.id = c.photo_id WHERE p.hothash = $1",
            hothash,
        )
    assert found is not None
    return found["rotation"], found["updated_at"], found["origin"]


def correction(hothash: str, rotation: int, at: datetime) -> SyncPhotoCorrection:
    """A correction as a machine sends it."""
    return SyncPhotoCorrection(
        hothash=hothash,
        rotation=rotation,
        horizon_angle=0.0,
        exposure_ev=0.0,
        crop_left=0.0,
        crop_top=0.0,
        crop_right=1.0,
        crop_bottom=1.0,
        updated_at=at,
    )


async def test_an_edit_time_in_the_year_9999_wins_by_the_skew_at_most_and_once(
    central: Client, pool: asyncpg.Pool
) -> None:
    x, y = await new_machine(central, "x"), await new_machine(central, "y")
    px, py = photographer(name="X"), photographer(name="Y")
    ahead = photo(1, px.id, rating=5, edited_at={"rating": LAST}, updated_at=LAST)
    batch = SyncBatch(after=0, upto=1, machine_name="x", photographers=[px], photos=[ahead])
    before = datetime.now(UTC)
    receipt = await push(central, x, batch)
    clock = clock_of(receipt)
    assert before + CLOCK_SKEW <= clock <= datetime.now(UTC) + CLOCK_SKEW
    held = await stored(pool, ahead.hothash)
    assert (held["rating"], held["rated_at"], held["updated_at"]) == (5, clock, clock)

    # An edit made after central answered (a machine stamps it past the receipt's clock)
    # wins over the edit from the clock ahead.
    later = photo(1, py.id, rating=2, edited_at={"rating": clock + MICROSECOND})
    await push(
        central,
        y,
        SyncBatch(after=0, upto=1, machine_name="y", photographers=[py], photos=[later]),
    )
    assert (await stored(pool, ahead.hothash))["rating"] == 2

    # X sends the photo again with a new tags edit: its rating edit, unchanged, is not
    # judged again (bounded anew it would win again).
    tagged = msgspec.structs.replace(ahead, tags=["x"], edited_at={"rating": LAST, "tags": clock})
    again = SyncBatch(after=1, upto=2, machine_name="x", photos=[tagged])
    await push(central, x, again)
    held = await stored(pool, ahead.hothash)
    assert (held["rating"], held["rated_at"], held["tags"]) == (2, clock + MICROSECOND, ["x"])
    # The same batch once more (its receipt lost): no edit moves.
    await push(central, x, again)
    resent = await stored(pool, ahead.hothash)
    assert {**resent, "updated_at": None} == {**held, "updated_at": None}


async def test_an_edit_time_in_the_year_1_is_kept_and_loses_to_any_later_edit(
    central: Client, pool: asyncpg.Pool
) -> None:
    x, y = await new_machine(central, "x"), await new_machine(central, "y")
    px, py = photographer(name="X"), photographer(name="Y")
    old = photo(1, px.id, rating=5, edited_at={"rating": FIRST}, updated_at=FIRST)
    await push(
        central, x, SyncBatch(after=0, upto=1, machine_name="x", photographers=[px], photos=[old])
    )
    held = await stored(pool, old.hothash)
    assert (held["rating"], held["rated_at"], held["updated_at"]) == (5, FIRST, FIRST)
    # An edit, however old, wins over none; any later one wins over it.
    unrated = photo(1, py.id, rating=None)
    first = SyncBatch(after=0, upto=1, machine_name="y", photographers=[py], photos=[unrated])
    await push(central, y, first)
    assert (await stored(pool, old.hothash))["rating"] == 5
    rated = msgspec.structs.replace(unrated, rating=1, edited_at={"rating": FIRST + MICROSECOND})
    await push(central, y, SyncBatch(after=1, upto=2, machine_name="y", photos=[rated]))
    assert (await stored(pool, old.hothash))["rating"] == 1


async def test_a_correction_time_far_ahead_wins_by_the_skew_at_most_and_once(
    central: Client, pool: asyncpg.Pool
) -> None:
    x, y = await new_machine(central, "x"), await new_machine(central, "y")
    px, py = photographer(name="X"), photographer(name="Y")
    shot = photo(1, px.id)
    ahead = correction(shot.hothash, 90, LAST)
    batch = SyncBatch(
        after=0,
        upto=1,
        machine_name="x",
        photographers=[px],
        photos=[shot],
        photo_corrections=[ahead],
    )
    clock = clock_of(await push(central, x, batch))
    assert await correction_of(pool, shot.hothash) == (90, clock, x.installation_id)

    later = correction(shot.hothash, 180, clock + MICROSECOND)
    mine = msgspec.structs.replace(shot, photographer_id=py.id)
    await push(
        central,
        y,
        SyncBatch(
            after=0,
            upto=1,
            machine_name="y",
            photographers=[py],
            photos=[mine],
            photo_corrections=[later],
        ),
    )
    assert await correction_of(pool, shot.hothash) == (180, later.updated_at, y.installation_id)
    # X's correction sent again unchanged (a full push) is no new correction.
    receipt = await push(central, x, msgspec.structs.replace(batch, after=1, upto=2))
    assert await correction_of(pool, shot.hothash) == (180, later.updated_at, y.installation_id)
    # A correction X makes later still is a new one, and wins.
    newest = correction(shot.hothash, 270, clock_of(receipt) + MICROSECOND)
    await push(
        central,
        x,
        SyncBatch(after=2, upto=3, machine_name="x", photo_corrections=[newest]),
    )
    assert await correction_of(pool, shot.hothash) == (270, newest.updated_at, x.installation_id)


async def test_a_receipt_that_applies_nothing_carries_the_clock_too(
    central: Client,
) -> None:
    x = await new_machine(central, "x")
    await push(central, x, SyncBatch(after=0, upto=3, machine_name="x"))
    # Central lacks the changes before this batch: it answers "send from 3", and its clock.
    before = datetime.now(UTC)
    receipt = await push(central, x, SyncBatch(after=5, upto=6, machine_name="x"))
    assert receipt["acked_seq"] == 3
    assert clock_of(receipt) >= before + CLOCK_SKEW


async def test_an_older_central_is_upgraded_with_its_times_bounded(
    empty_database_url: str,
) -> None:
    conn = await asyncpg.connect(empty_database_url)
    try:
        await conn.execute(CREATE_TABLE)
        for older in available():
            if older.version < BOUNDING_MIGRATION:
                async with conn.transaction():
                    await conn.execute(older.sql)
                    await conn.execute(RECORD, older.version, older.name, older.checksum)
        origin = uuid.uuid4()
        author = await conn.fetchval(
            "INSERT INTO photographers (name, origin) VALUES ('X', $1) RETURNING id", origin
        )
        sent = {"rating": LAST.isoformat(), "tags": T0.isoformat()}
        ahead = await add_photo(
            conn,
            hotpreview(1)[0],
            photographer_id=author,
            origin=origin,
            edited_at=json.dumps(sent),
            updated_at=LAST,
        )
        await conn.execute(
            "INSERT INTO photo_holders (photo_id, origin) VALUES ($1, $2)", ahead, origin
        )
        await conn.execute(
            "INSERT INTO photo_corrections (photo_id, updated_at, origin) VALUES ($1, $2, $3)",
            ahead,
            LAST,
            origin,
        )
        await migrate(conn)
        upgraded = datetime.now(UTC)
        photo_row = await conn.fetchrow(
            "SELECT (edited_at->>'rating')::timestamptz AS rated_at,"
            " (edited_at->>'tags')::timestamptz AS tagged_at, updated_at FROM photos"
        )
        corrected = await conn.fetchval("SELECT updated_at FROM photo_corrections")
        # Compared in SQL: asyncpg reads the last microsecond of 9999 as a naive time.
        holder = await conn.fetchrow(
            "SELECT sent_edits, sent_correction_at = $1 AS correction_kept FROM photo_holders",
            LAST,
        )
    finally:
        await conn.close()
    assert photo_row is not None
    assert holder is not None
    for bounded in (photo_row["rated_at"], photo_row["updated_at"], corrected):
        assert upgraded < bounded <= upgraded + CLOCK_SKEW
    assert photo_row["tagged_at"] == T0
    # What the machine sent is kept as sent: sent again unchanged, it is no new edit.
    assert json.loads(holder["sent_edits"]) == sent
    assert holder["correction_kept"]


# -- a real push from two machines -----------------------------------------------------


@dataclass
class Local:
    """A machine's catalog with central as its sync target."""

    pool: asyncpg.Pool
    installation_id: uuid.UUID
    target_id: uuid.UUID
    coldpreviews: Path

    async def push(self) -> None:
        """One whole push to central."""
        spec = PushSpec(
            target_id=self.target_id,
            installation_id=self.installation_id,
            coldpreview_root=self.coldpreviews,
        )
        await Push(spec, self.pool, Progress(), asyncio.Event()).run()

    async def execute(self, statement: str, *args: Any) -> None:
        """One statement on the machine's catalog."""
        async with self.pool.acquire() as conn:
            await conn.execute(statement, *args)

    async def edited_at(self, hothash: str, group: str) -> datetime:
        """When this machine last edited a group of the photo's fields."""
        async with self.pool.acquire() as conn:
            at: datetime = await conn.fetchval(
                "SELECT (edited_at->>$2)::timestamptz FROM photos WHERE hothash = $1",
                hothash,
                group,
            )
        return at


@pytest.fixture
async def central_url(central_settings: Settings) -> AsyncIterator[str]:
    """The central app served over real HTTP on a loopback port, in this process."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(central_settings), log_config=None, lifespan="on")
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise AssertionError("central stopped before it started")
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@asynccontextmanager
async def local(
    pg_server: EmbeddedPostgres, central_url: str, token: str, name: str, tmp_path: Path
) -> AsyncIterator[Local]:
    """A machine on a catalog of its own, pointed at central."""
    async with scratch_database(pg_server.dsn, name, TEMPLATE) as url:
        pool = await create_pool(url, max_size=2)
        try:
            system = await settings_service.bootstrap(pool)
            async with pool.acquire() as conn:
                target = await sync_store.insert_target(
                    conn,
                    name="central",
                    url=central_url,
                    token=token,
                    machine_name=name,
                    ca_file=None,
                )
            yield Local(pool, system.installation_id, target.id, tmp_path / name)
        finally:
            await pool.close()


async def token_for(central_url: str, central_settings: Settings, name: str) -> str:
    """A machine token made with central's API key."""
    key = central_settings.paths.api_key.read_text(encoding="utf-8").strip()
    async with httpx.AsyncClient(base_url=central_url, headers={API_KEY_HEADER: key}) as admin:
        response = await admin.post("/api/machines", json={"name": name})
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


async def test_an_edit_after_a_push_wins_over_a_machine_whose_clock_is_a_year_ahead(
    central_url: str,
    central_settings: Settings,
    pg_server: EmbeddedPostgres,
    pool: asyncpg.Pool,
    tmp_path: Path,
) -> None:
    hothash, b64 = hotpreview(1)
    x_token = await token_for(central_url, central_settings, "x")
    y_token = await token_for(central_url, central_settings, "y")
    async with (
        local(pg_server, central_url, x_token, "x", tmp_path) as x,
        local(pg_server, central_url, y_token, "y", tmp_path) as y,
    ):
        for machine in (x, y):
            async with machine.pool.acquire() as conn:
                await add_photo(conn, hothash, hotpreview_b64=b64)
        # X rates the photo with its clock a year ahead, and pushes.
        await x.execute("UPDATE photos SET rating = 5")
        await x.execute(
            "UPDATE photos SET edited_at = edited_at"
            " || jsonb_build_object('rating', clock_timestamp() + interval '1 year')"
        )
        await x.push()
        held = await stored(pool, hothash)
        assert held["rating"] == 5
        assert held["rated_at"] <= datetime.now(UTC) + CLOCK_SKEW
        # X keeps central's clock, not its own edit's time, for its later edits.
        async with x.pool.acquire() as conn:
            kept = await conn.fetchval("SELECT central_clock FROM sync_targets")
        assert held["rated_at"] <= kept <= datetime.now(UTC) + CLOCK_SKEW

        # Y (its clock right) pushes, then rates the photo: its edit is later than X's as
        # central holds it, and wins.
        await y.push()
        await y.execute("UPDATE photos SET rating = 2")
        assert await y.edited_at(hothash, "rating") > held["rated_at"]
        await y.push()
        assert (await stored(pool, hothash))["rating"] == 2

        # X tags the photo and pushes it again: its rating edit from a year ahead, the
        # same as before, does not win again.
        await x.execute("UPDATE photos SET tags = '{x}'")
        await x.push()
        held = await stored(pool, hothash)
        assert (held["rating"], held["tags"]) == (2, ["x"])
