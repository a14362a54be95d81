"""Central's deletions, origins and refusals: a machine changes only its own rows."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg
import msgspec
from litestar.testing import AsyncTestClient

from daemon.app import create_app
from daemon.config import Settings
from protocol.sync import SyncBatch, SyncDeletion
from tests.support.app import Client
from tests.support.central import (
    CENTRAL_URL,
    T0,
    full_batch,
    image_file,
    new_machine,
    photo,
    photographer,
    push,
)


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
    receipt = await push(
        central, laptop, SyncBatch(after=0, upto=0, machine_name="laptop", deletions=deletions)
    )
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
                after=0,
                upto=0,
                machine_name=machine.name,
                photographers=[who],
                photos=[msgspec.structs.replace(shared, photographer_id=who.id)],
                image_files=[image_file(shared.hothash, path)],
            ),
        )
    gone = [SyncDeletion(entity="photos", key=shared.hothash)]
    receipt = await push(central, a, SyncBatch(after=0, upto=0, machine_name="a", deletions=gone))
    assert receipt["deleted"] == 1  # A's file only
    assert await count(pool, "SELECT count(*) FROM photos") == 1
    assert (
        await count(pool, "SELECT count(*) FROM image_files WHERE origin = $1", b.installation_id)
        == 1
    )
    receipt = await push(central, b, SyncBatch(after=0, upto=0, machine_name="b", deletions=gone))
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
            after=0,
            upto=0,
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
            after=0,
            upto=0,
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
    await push(central, a, SyncBatch(after=0, upto=0, machine_name="a", photographers=[kari]))
    clash = msgspec.structs.replace(kari, name="Mallory")
    receipt = await push(
        central, b, SyncBatch(after=0, upto=0, machine_name="b", photographers=[clash])
    )
    assert receipt["received"] == 0
    deletion = [SyncDeletion(entity="photographers", key=str(kari.id))]
    assert (
        await push(central, b, SyncBatch(after=0, upto=0, machine_name="b", deletions=deletion))
    )["deleted"] == 0
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
        SyncBatch(after=0, upto=0, machine_name="laptop", photographers=[kari], photos=[shot]),
        status=422,
    )
    assert "event_id" in body["detail"]
    assert await count(pool, "SELECT count(*) FROM photos") == 0
    assert await count(pool, "SELECT count(*) FROM photographers WHERE origin IS NOT NULL") == 0
    # A deletion key that is no id; a batch that ends before it starts.
    bad_key = [SyncDeletion(entity="events", key="not-a-uuid")]
    body = await push(
        central,
        laptop,
        SyncBatch(after=0, upto=0, machine_name="laptop", deletions=bad_key),
        status=422,
    )
    assert "not-a-uuid" in body["detail"]
    backwards = SyncBatch(after=5, upto=4, machine_name="laptop")
    assert "after" in (await push(central, laptop, backwards, status=422))["detail"]
    twice = SyncBatch(after=0, upto=0, machine_name="laptop", photographers=[kari, kari])
    assert "twice" in (await push(central, laptop, twice, status=422))["detail"]
    # A body that is no batch: 422 naming the field.
    body = await push(
        central, laptop, b'{"machine_name": "x", "after": 0, "upto": 0, "photos": [{}]}', status=422
    )
    assert "photos" in body["detail"]


async def test_a_photo_stays_while_a_machine_holds_it_before_its_files_come(
    central: Client, pool: asyncpg.Pool
) -> None:
    a, b = await new_machine(central, "a"), await new_machine(central, "b")
    pa, pb = photographer(), photographer()
    shot = photo(1, pa.id)
    await push(
        central,
        a,
        SyncBatch(
            after=0,
            upto=1,
            machine_name="a",
            photographers=[pa],
            photos=[shot],
            image_files=[image_file(shot.hothash, "/a.jpg")],
        ),
    )
    # B sends the photo in one batch, its file in the next; A lets go in between.
    b_photo = msgspec.structs.replace(shot, photographer_id=pb.id)
    receipt = await push(
        central,
        b,
        SyncBatch(after=0, upto=1, machine_name="b", photographers=[pb], photos=[b_photo]),
    )
    assert receipt["coldpreviews_wanted"] == [shot.hothash]
    gone = [SyncDeletion(entity="photos", key=shot.hothash)]
    await push(central, a, SyncBatch(after=1, upto=2, machine_name="a", deletions=gone))
    assert await count(pool, "SELECT count(*) FROM photos") == 1
    receipt = await push(
        central,
        b,
        SyncBatch(
            after=1, upto=2, machine_name="b", image_files=[image_file(shot.hothash, "/b.jpg")]
        ),
    )
    assert (receipt["received"], receipt["refused"]) == (1, [])
    # A no longer holds it: central wants its coldpreview from B only.
    again = await push(
        central, a, SyncBatch(after=2, upto=3, machine_name="a", photos=[], deletions=[])
    )
    assert again["coldpreviews_wanted"] == []
    holders = await count(
        pool, "SELECT count(*) FROM photo_holders WHERE origin = $1", b.installation_id
    )
    assert holders == 1
    await push(central, b, SyncBatch(after=2, upto=3, machine_name="b", deletions=gone))
    assert await count(pool, "SELECT count(*) FROM photos") == 0
    assert await count(pool, "SELECT count(*) FROM photo_holders") == 0


async def test_a_photographer_goes_while_another_machine_holds_its_photo(
    central: Client, pool: asyncpg.Pool
) -> None:
    a, b = await new_machine(central, "a"), await new_machine(central, "b")
    pa, pb = photographer(name="A"), photographer(name="B")
    later = T0 + timedelta(hours=1)
    shot = photo(1, pa.id, edited_at={"photographer": later})
    await push(
        central,
        a,
        SyncBatch(after=0, upto=1, machine_name="a", photographers=[pa], photos=[shot]),
    )
    await push(
        central,
        b,
        SyncBatch(
            after=0,
            upto=1,
            machine_name="b",
            photographers=[pb],
            photos=[msgspec.structs.replace(shot, photographer_id=pb.id, edited_at={})],
        ),
    )
    # A lets go of the photo and deletes its photographer; B still holds the photo.
    deletions = [
        SyncDeletion(entity="photos", key=shot.hothash),
        SyncDeletion(entity="photographers", key=str(pa.id)),
    ]
    receipt = await push(
        central, a, SyncBatch(after=1, upto=2, machine_name="a", deletions=deletions)
    )
    assert receipt["deleted"] == 1
    async with pool.acquire() as conn:
        stored = await conn.fetchrow(
            "SELECT g.origin, g.is_unknown, p.edited_at FROM photos p "
            "JOIN photographers g ON g.id = p.photographer_id WHERE p.hothash = $1",
            shot.hothash,
        )
    assert stored is not None
    assert (stored["origin"], stored["is_unknown"], stored["edited_at"]) == (None, True, {})
    # A's edit time went with its photographer: B's edit, older than it, now wins.
    moved = msgspec.structs.replace(shot, photographer_id=pb.id, edited_at={"photographer": T0})
    await push(central, b, SyncBatch(after=1, upto=2, machine_name="b", photos=[moved]))
    assert await count(pool, "SELECT count(*) FROM photos WHERE photographer_id = $1", pb.id) == 1


async def test_a_photographer_a_session_still_names_is_not_deleted(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    batch = full_batch()
    await push(central, laptop, batch)
    kari = batch.photographers[0]
    deletion = [SyncDeletion(entity="photographers", key=str(kari.id))]
    body = await push(
        central,
        laptop,
        SyncBatch(after=0, upto=1, machine_name="laptop", deletions=deletion),
        status=422,
    )
    assert "input session" in body["detail"]
    assert await count(pool, "SELECT count(*) FROM photographers WHERE id = $1", kari.id) == 1


async def test_rows_naming_a_photo_central_lacks_are_left_out(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    kari = photographer()
    good = photo(1, kari.id)
    tampered = photo(2, kari.id, hotpreview_b64=photo(3, kari.id).hotpreview_b64)
    first = await push(
        central,
        laptop,
        SyncBatch(
            after=0, upto=1, machine_name="laptop", photographers=[kari], photos=[good, tampered]
        ),
    )
    assert [r["hothash"] for r in first["refused"]] == [tampered.hothash]
    # The next batch names the refused photo, and one central never saw, several times.
    never = photo(9, kari.id).hothash
    base = full_batch()
    event = msgspec.structs.replace(base.events[1], cover_hothash=tampered.hothash)
    collection = msgspec.structs.replace(base.collections[0], cover_hothash=never)
    item = msgspec.structs.replace(
        base.collection_items[0], collection_id=collection.id, hothash=tampered.hothash
    )
    kept_item = msgspec.structs.replace(
        base.collection_items[0], id=uuid.uuid4(), collection_id=collection.id, hothash=good.hothash
    )
    correction = msgspec.structs.replace(base.photo_corrections[0], hothash=never)
    receipt = await push(
        central,
        laptop,
        SyncBatch(
            after=1,
            upto=2,
            machine_name="laptop",
            events=[event],
            image_files=[
                image_file(good.hothash, "/good.jpg"),
                image_file(tampered.hothash, "/tampered.jpg"),
                image_file(never, "/never.jpg"),
            ],
            collections=[collection],
            collection_items=[item, kept_item],
            photo_corrections=[correction],
        ),
    )
    reason = "central does not have this photo (refused earlier?)"
    assert receipt["refused"] == [
        {"hothash": h, "reason": reason} for h in sorted((tampered.hothash, never))
    ]
    # The event, the good photo's file, the collection and its good item.
    assert (receipt["received"], receipt["acked_seq"]) == (4, 2)
    assert await count(pool, "SELECT count(*) FROM image_files") == 1
    assert await count(pool, "SELECT count(*) FROM collection_items") == 1
    assert await count(pool, "SELECT count(*) FROM photo_corrections") == 0
    assert (
        await count(
            pool,
            "SELECT count(*) FROM events e, collections c "
            "WHERE e.cover_hothash IS NULL AND c.cover_hothash IS NULL",
        )
        == 1
    )


async def test_a_restart_leaves_a_machines_running_session_as_sent(
    central: Client, central_settings: Settings, pool: asyncpg.Pool
) -> None:
    """Central marks only its own sessions interrupted at start: a mirrored one keeps the
    status its machine sent until the machine sends another."""
    laptop = await new_machine(central, "laptop")
    batch = full_batch()
    batch.input_sessions[0].status = "running"
    batch.input_sessions[0].completed_at = None
    await push(central, laptop, batch)

    async with AsyncTestClient(app=create_app(central_settings), base_url=CENTRAL_URL):
        pass  # a second start of central: its lifespan runs to the end

    session_id = batch.input_sessions[0].id
    status = "SELECT status FROM input_sessions WHERE id = $1"
    async with pool.acquire() as conn:
        assert await conn.fetchval(status, session_id) == "running"
        failure = await conn.fetchval(
            "SELECT failure FROM input_sessions WHERE id = $1", session_id
        )
    assert failure is None
