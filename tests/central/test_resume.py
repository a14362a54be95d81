"""A batch applies only on top of what central has of its machine (`after`, `acked_seq`)."""

from __future__ import annotations

import asyncio
import threading
import time

import asyncpg

from protocol.sync import SyncBatch, SyncDeletion
from tests.support.app import Client
from tests.support.central import elsewhere, new_machine, photographer, push


async def acked_seq(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        acked: int = await conn.fetchval("SELECT acked_seq FROM registered_machines")
    return acked


async def names(pool: asyncpg.Pool) -> set[str]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT name FROM photographers WHERE origin IS NOT NULL")
    return {r["name"] for r in rows}


async def test_a_batch_beyond_what_central_has_applies_nothing(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    kari, ola = photographer(name="Kari"), photographer(name="Ola", is_default=False)
    # A first batch that starts after changes central never got: nothing of it goes in.
    ahead = SyncBatch(after=4, upto=9, machine_name="laptop", photographers=[kari])
    receipt = await push(central, laptop, ahead)
    assert receipt["acked_seq"] == 0
    assert (receipt["received"], receipt["deleted"], receipt["refused"]) == (0, 0, [])
    assert await names(pool) == set()
    receipt = await push(
        central, laptop, SyncBatch(after=0, upto=5, machine_name="laptop", photographers=[kari])
    )
    assert (receipt["acked_seq"], receipt["received"]) == (5, 1)
    assert await acked_seq(pool) == 5
    async with pool.acquire() as conn:
        before = await conn.fetchval("SELECT last_sync_at FROM registered_machines")
    # Central restored from a backup at 5, the machine sent up to 7 since: its rows and
    # deletions are not applied, and the receipt says where to resume.
    lost = SyncBatch(
        after=7,
        upto=9,
        machine_name="renamed",
        photographers=[ola],
        deletions=[SyncDeletion(entity="photographers", key=str(kari.id))],
    )
    receipt = await push(central, laptop, lost)
    assert receipt["acked_seq"] == 5
    assert (receipt["received"], receipt["skipped_duplicates"], receipt["deleted"]) == (0, 0, 0)
    assert receipt["coldpreviews_wanted"] == []
    assert await names(pool) == {"Kari"}
    async with pool.acquire() as conn:
        machine = await conn.fetchrow("SELECT * FROM registered_machines")
    assert machine is not None
    assert (machine["machine_name"], machine["acked_seq"]) == ("renamed", 5)
    assert machine["last_sync_at"] > before
    # From where central is, it applies.
    resumed = SyncBatch(after=5, upto=9, machine_name="laptop", photographers=[ola])
    assert (await push(central, laptop, resumed))["acked_seq"] == 9
    assert await names(pool) == {"Kari", "Ola"}
    # The machine went back (restored itself): central follows it down.
    rewound = SyncBatch(after=0, upto=3, machine_name="laptop")
    assert (await push(central, laptop, rewound))["acked_seq"] == 3
    assert await acked_seq(pool) == 3


async def test_one_machines_batches_apply_one_after_the_other(
    central: Client, pool: asyncpg.Pool, database_url: str
) -> None:
    laptop = await new_machine(central, "laptop")
    await push(central, laptop, SyncBatch(after=0, upto=0, machine_name="laptop"))
    kari = photographer()

    async def other_batch(conn: asyncpg.Connection, ready: threading.Event) -> None:
        # Another batch of the machine is being applied: it holds the machine's row,
        # and takes central to 5 when it commits.
        async with conn.transaction():
            await conn.execute(
                "UPDATE registered_machines SET acked_seq = 5 WHERE installation_id = $1",
                laptop.installation_id,
            )
            ready.set()
            await asyncio.sleep(1)

    with elsewhere(database_url, other_batch):
        started = time.monotonic()
        receipt = await push(
            central,
            laptop,
            SyncBatch(after=5, upto=6, machine_name="laptop", photographers=[kari]),
        )
    # The batch after 5 waited for the other one, then applied.
    assert time.monotonic() - started > 0.5
    assert (receipt["acked_seq"], receipt["received"]) == (6, 1)
