"""Batches of several machines at once: they wait for each other, and a deadlock is a 503."""

from __future__ import annotations

import asyncio
import threading
import uuid

import asyncpg
import msgspec

from daemon.services import central as service
from protocol.sync import SyncBatch, SyncDeletion
from tests.support.app import Client
from tests.support.central import elsewhere, image_file, new_machine, photo, photographer, push


async def test_a_deadlock_is_answered_busy_and_the_batch_applies_when_sent_again(
    central: Client, pool: asyncpg.Pool, database_url: str
) -> None:
    laptop = await new_machine(central, "laptop")
    kari = photographer()
    shot = photo(1, kari.id)
    first = SyncBatch(after=0, upto=1, machine_name="laptop", photographers=[kari], photos=[shot])
    await push(central, laptop, first)
    rated = msgspec.structs.replace(shot, rating=3, edited_at={"rating": shot.updated_at})
    batch = SyncBatch(after=1, upto=2, machine_name="laptop", photos=[rated])

    async def crossing(conn: asyncpg.Connection, ready: threading.Event) -> None:
        # Holds the photo, then waits for the machine's row, which the batch holds while
        # it waits for the photo; this session waits long enough that the batch is the
        # one cancelled.
        async with conn.transaction():
            await conn.execute("SET LOCAL deadlock_timeout = '20s'")
            await conn.execute("SELECT 1 FROM photos WHERE hothash = $1 FOR UPDATE", shot.hothash)
            ready.set()
            await asyncio.sleep(0.3)
            await conn.execute(
                "UPDATE registered_machines SET machine_name = machine_name "
                "WHERE installation_id = $1",
                laptop.installation_id,
            )

    with elsewhere(database_url, crossing):
        body = await push(central, laptop, batch, status=503)
    assert body["detail"] == "the catalog is busy; try again"
    receipt = await push(central, laptop, batch)
    assert receipt["acked_seq"] == 2
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT rating FROM photos") == 3


async def test_two_machines_releasing_and_sending_the_same_photos_at_once(
    central: Client, pool: asyncpg.Pool
) -> None:
    a, b = await new_machine(central, "a"), await new_machine(central, "b")
    pa, pb = photographer(), photographer()
    shots = [photo(seed, pa.id) for seed in range(1, 9)]
    await push(
        central,
        a,
        SyncBatch(
            after=0,
            upto=1,
            machine_name="a",
            photographers=[pa],
            photos=shots,
            image_files=[image_file(s.hothash, f"/a/{i}.jpg") for i, s in enumerate(shots)],
        ),
    )
    await push(central, b, SyncBatch(after=0, upto=1, machine_name="b", photographers=[pb]))
    # A lets go of every photo (its list in one order) while B sends them (in another),
    # several times over: each pair of batches ends, whichever waits for the other.
    seq = 1
    for _ in range(5):
        release = SyncBatch(
            after=seq,
            upto=seq + 1,
            machine_name="a",
            deletions=[SyncDeletion(entity="photos", key=s.hothash) for s in reversed(shots)],
        )
        send = SyncBatch(
            after=seq,
            upto=seq + 1,
            machine_name="b",
            photos=[msgspec.structs.replace(s, photographer_id=pb.id) for s in shots],
            image_files=[image_file(s.hothash, f"/b/{uuid.uuid4()}.jpg") for s in shots[::2]],
        )
        receipts = await asyncio.gather(
            service.receive(pool, a.installation_id, release),
            service.receive(pool, b.installation_id, send),
        )
        assert [r.acked_seq for r in receipts] == [seq + 1, seq + 1]
        seq += 1
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM photos") == len(shots)
        holders = await conn.fetch("SELECT DISTINCT origin FROM photo_holders")
    assert [r["origin"] for r in holders] == [b.installation_id]
