"""Central's deletions, origins and refusals: a machine changes only its own rows."""

from __future__ import annotations

import uuid

import asyncpg
import msgspec

from protocol.sync import SyncBatch, SyncDeletion
from tests.central.conftest import image_file, new_machine, photo, photographer, push
from tests.central.test_receive import full_batch
from tests.conftest import Client


async def count(pool: asyncpg.Pool, sql: str, *args: object) -> int:
    async with pool.acquire() as conn:
        found: int = await conn.fetchval(sql, *args)
    return found


async def test_deletions_remove_the_machines_rows(central: Client, pool: asyncpg.Pool) -> None:
    laptop = await new_machine(central, "laptop")
    batch = full_batch()
    await push(central, laptop, batch)
    first, second = sorted(batch.photos, key=lambda p: p.tags != [])[::-1]
    child = next(e for e in batch.events if e.parent_id is not None)
    item = batch.collection_items[0]
    deletions = [
        SyncDeletion(entity="events", key=str(child.id)),
        SyncDeletion(entity="collection_items", key=str(item.id)),
        SyncDeletion(entity="photo_corrections", key=first.hothash),
        SyncDeletion(entity="photos", key=second.hothash),
    ]
    receipt = await push(central, laptop, SyncBatch(machine_name="laptop", deletions=deletions))
    # The event, the item, the correction, and the photo with its one file.
    assert receipt["deleted"] == 5
    assert await count(pool, "SELECT count(*) FROM events WHERE id = $1", child.id) == 0
    assert await count(pool, "SELECT count(*) FROM collection_items WHERE id = $1", item.id) == 0
    assert await count(pool, "SELECT count(*) FROM photo_corrections") == 0
    assert await count(pool, "SELECT count(*) FROM photos WHERE hothash = $1", second.hothash) == 0
    # The collection's cover showed the deleted photo; the other photo left its event.
    assert await count(pool, "SELECT count(*) FROM collections WHERE cover_hothash IS NULL") == 1
    assert await count(pool, "SELECT count(*) FROM photos WHERE event_id IS NULL") == 1


async def test_a_photo_stays_while_another_machine_holds_it(
    central: Client, pool: asyncpg.Pool
) -> None:
    a, b = await new_machine(central, "a"), await new_machine(central, "b")
    pa, pb = photographer(), photographer()
    shared = photo(1, pa.id)
    for machine, who, path in ((a, pa, "/a.jpg"), (b, pb, "/b.jpg")):
        await push(
            central,
            machine,
            SyncBatch(
                machine_name=machine.name,
                photographers=[who],
                photos=[msgspec.structs.replace(shared, photographer_id=who.id)],
                image_files=[image_file(shared.hothash, path)],
            ),
        )
    gone = [SyncDeletion(entity="photos", key=shared.hothash)]
    receipt = await push(central, a, SyncBatch(machine_name="a", deletions=gone))
    assert receipt["deleted"] == 1  # A's file only
    assert await count(pool, "SELECT count(*) FROM photos") == 1
    assert (
        await count(pool, "SELECT count(*) FROM image_files WHERE origin = $1", b.installation_id)
        == 1
    )
    receipt = await push(central, b, SyncBatch(machine_name="b", deletions=gone))
    assert receipt["deleted"] == 2  # B's file, then the photo nobody holds
    assert await count(pool, "SELECT count(*) FROM photos") == 0


async def test_a_photographer_moved_away_and_deleted_in_one_batch(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    old, new = photographer(name="Old"), photographer(name="New", is_default=False)
    shot = photo(1, old.id)
    await push(
        central,
        laptop,
        SyncBatch(
            machine_name="laptop",
            photographers=[old],
            photos=[shot],
            image_files=[image_file(shot.hothash, "/p.jpg")],
        ),
    )
    moved = msgspec.structs.replace(
        shot, photographer_id=new.id, edited_at={"photographer": shot.updated_at}
    )
    receipt = await push(
        central,
        laptop,
        SyncBatch(
            machine_name="laptop",
            photographers=[new],
            photos=[moved],
            deletions=[SyncDeletion(entity="photographers", key=str(old.id))],
        ),
    )
    assert receipt["deleted"] == 1
    assert await count(pool, "SELECT count(*) FROM photographers WHERE id = $1", old.id) == 0


async def test_another_machines_row_of_the_same_id_is_left_alone(
    central: Client, pool: asyncpg.Pool
) -> None:
    a, b = await new_machine(central, "a"), await new_machine(central, "b")
    kari = photographer(name="Kari")
    await push(central, a, SyncBatch(machine_name="a", photographers=[kari]))
    clash = msgspec.structs.replace(kari, name="Mallory")
    receipt = await push(central, b, SyncBatch(machine_name="b", photographers=[clash]))
    assert receipt["received"] == 0
    deletion = [SyncDeletion(entity="photographers", key=str(kari.id))]
    assert (await push(central, b, SyncBatch(machine_name="b", deletions=deletion)))["deleted"] == 0
    async with pool.acquire() as conn:
        stored = await conn.fetchrow(
            "SELECT name, origin FROM photographers WHERE id = $1", kari.id
        )
    assert stored is not None
    assert (stored["name"], stored["origin"]) == ("Kari", a.installation_id)


async def test_a_dangling_reference_refuses_the_batch_whole(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    kari = photographer()
    shot = photo(1, kari.id, event_id=uuid.uuid4())
    body = await push(
        central,
        laptop,
        SyncBatch(machine_name="laptop", photographers=[kari], photos=[shot]),
        status=422,
    )
    assert "event_id" in body["detail"]
    assert await count(pool, "SELECT count(*) FROM photos") == 0
    assert await count(pool, "SELECT count(*) FROM photographers WHERE origin IS NOT NULL") == 0
    # A file of a photo central never got, and a deletion key that is no id.
    orphan = image_file(photo(9, kari.id).hothash, "/x.jpg")
    body = await push(
        central, laptop, SyncBatch(machine_name="laptop", image_files=[orphan]), status=422
    )
    assert orphan.hothash in body["detail"]
    bad_key = [SyncDeletion(entity="events", key="not-a-uuid")]
    body = await push(
        central, laptop, SyncBatch(machine_name="laptop", deletions=bad_key), status=422
    )
    assert "not-a-uuid" in body["detail"]
    twice = SyncBatch(machine_name="laptop", photographers=[kari, kari])
    assert "twice" in (await push(central, laptop, twice, status=422))["detail"]
    # A body that is no batch: 422 naming the field.
    body = await push(central, laptop, b'{"machine_name": "x", "photos": [{}]}', status=422)
    assert "photos" in body["detail"]
