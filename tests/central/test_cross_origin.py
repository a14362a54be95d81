"""A machine's rows point only at its own rows on central (and at any photo): one machine
can neither reach into another's catalog nor block its pushes."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import msgspec

from daemon.migrate import available
from protocol.sync import SyncBatch, SyncDeletion
from tests.support.app import Client
from tests.support.central import Machine, full_batch, new_machine, photo, photographer, push


async def value(pool: asyncpg.Pool, sql: str, *args: object) -> Any:
    async with pool.acquire() as conn:
        return await conn.fetchval(sql, *args)


async def owner_and_other(central: Client) -> tuple[Machine, Machine, SyncBatch]:
    """Two machines; the owner has pushed a batch of every entity."""
    owner, other = await new_machine(central, "owner"), await new_machine(central, "other")
    batch = full_batch()
    await push(central, owner, batch)
    return owner, other, batch


async def test_a_sub_event_under_another_machines_event_is_refused(
    central: Client, pool: asyncpg.Pool
) -> None:
    """The tester's sequence: the other machine's sub-event is refused, so the owner's
    deletion of its event goes through."""
    owner, other, batch = await owner_and_other(central)
    parent = next(e for e in batch.events if e.parent_id is None)
    child = next(e for e in batch.events if e.parent_id is not None)
    intruder = msgspec.structs.replace(child, id=uuid.uuid4(), name="Intruder", parent_id=parent.id)
    mine = photographer()
    body = await push(
        central,
        other,
        SyncBatch(after=0, upto=1, machine_name="other", photographers=[mine], events=[intruder]),
        status=422,
    )
    assert body["detail"] == (
        f"events[0] ({intruder.id}): parent_id names event {parent.id}, which central holds "
        "for another machine; a machine's rows may point only at its own rows (and at any "
        "photo)"
    )
    origin = "SELECT count(*) FROM {} WHERE origin = $1"
    for table in ("events", "photographers"):
        assert await value(pool, origin.format(table), other.installation_id) == 0
    gone = [SyncDeletion(entity="events", key=str(e.id)) for e in (child, parent)]
    receipt = await push(
        central, owner, SyncBatch(after=0, upto=1, machine_name="owner", deletions=gone)
    )
    assert receipt["deleted"] == 2
    assert await value(pool, origin.format("events"), owner.installation_id) == 0


async def test_rows_naming_another_machines_rows_are_refused(
    central: Client, pool: asyncpg.Pool
) -> None:
    owner, other, batch = await owner_and_other(central)
    theirs_photographer = batch.photographers[0]
    theirs_event = batch.events[0]
    theirs_session = batch.input_sessions[0]
    theirs_category = batch.categories[0]
    theirs_collection = batch.collections[0]
    theirs_card = batch.text_items[0]
    mine = photographer()
    my_session = msgspec.structs.replace(
        theirs_session, id=uuid.uuid4(), default_photographer_id=mine.id, default_event_id=None
    )
    my_collection = msgspec.structs.replace(theirs_collection, id=uuid.uuid4(), cover_hothash=None)
    my_card = msgspec.structs.replace(theirs_card, id=uuid.uuid4())
    my_item = msgspec.structs.replace(
        batch.collection_items[1],
        id=uuid.uuid4(),
        collection_id=my_collection.id,
        text_item_id=my_card.id,
    )
    mine_too: dict[str, Any] = {
        "photographers": [mine],
        "input_sessions": [my_session],
        "collections": [my_collection],
        "text_items": [my_card],
    }
    cases: list[tuple[str, Any, str]] = [
        (
            "input_sessions",
            msgspec.structs.replace(my_session, default_photographer_id=theirs_photographer.id),
            f"default_photographer_id names photographer {theirs_photographer.id}",
        ),
        (
            "input_sessions",
            msgspec.structs.replace(my_session, default_event_id=theirs_event.id),
            f"default_event_id names event {theirs_event.id}",
        ),
        (
            "photos",
            photo(7, theirs_photographer.id),
            f"photographer_id names photographer {theirs_photographer.id}",
        ),
        (
            "photos",
            photo(7, mine.id, category_id=theirs_category.id),
            f"category_id names category {theirs_category.id}",
        ),
        (
            "photos",
            photo(7, mine.id, event_id=theirs_event.id),
            f"event_id names event {theirs_event.id}",
        ),
        (
            "photos",
            photo(7, mine.id, input_session_id=theirs_session.id),
            f"input_session_id names input session {theirs_session.id}",
        ),
        (
            "collection_items",
            msgspec.structs.replace(my_item, collection_id=theirs_collection.id),
            f"collection_id names collection {theirs_collection.id}",
        ),
        (
            "collection_items",
            msgspec.structs.replace(my_item, text_item_id=theirs_card.id),
            f"text_item_id names text card {theirs_card.id}",
        ),
    ]
    for table, row, named in cases:
        rows: dict[str, Any] = {**mine_too, table: [row]}
        sent = SyncBatch(after=0, upto=1, machine_name="other", **rows)
        detail = (await push(central, other, sent, status=422))["detail"]
        assert f"{table}[0] " in detail, detail
        assert named in detail, detail
    assert await value(pool, "SELECT count(*) FROM photos") == len(batch.photos)
    # The same rows, pointing at the other machine's own rows and at the owner's photos.
    own = photo(7, mine.id, input_session_id=my_session.id)
    shared = msgspec.structs.replace(batch.photos[0], photographer_id=mine.id, event_id=None)
    shared.category_id = shared.input_session_id = None
    photo_item = msgspec.structs.replace(
        batch.collection_items[0], id=uuid.uuid4(), collection_id=my_collection.id
    )
    receipt = await push(
        central,
        other,
        SyncBatch(
            after=0,
            upto=1,
            machine_name="other",
            photos=[own, shared],
            collection_items=[my_item, photo_item],
            **mine_too,
        ),
    )
    assert receipt["refused"] == []
    # The owner's collection kept its items; the owner's rows are all still its own.
    items = "SELECT count(*) FROM collection_items WHERE collection_id = $1"
    assert await value(pool, items, theirs_collection.id) == len(batch.collection_items)
    owned = "SELECT count(*) FROM events WHERE origin = $1"
    assert await value(pool, owned, owner.installation_id) == len(batch.events)


async def test_references_an_older_central_took_do_not_block_the_owner(
    central: Client, pool: asyncpg.Pool
) -> None:
    """A central before the rule holds the other machine's sub-event of the owner's event
    and session naming the owner's photographer: the owner deletes both all the same."""
    owner, other = await new_machine(central, "owner"), await new_machine(central, "other")
    base = full_batch()
    theirs, mine = photographer(), photographer()
    event = msgspec.structs.replace(base.events[1], cover_hothash=None)
    sub_event = msgspec.structs.replace(base.events[0], id=uuid.uuid4())
    session = msgspec.structs.replace(base.input_sessions[0], default_photographer_id=mine.id)
    await push(
        central,
        owner,
        SyncBatch(after=0, upto=1, machine_name="owner", photographers=[theirs], events=[event]),
    )
    await push(
        central,
        other,
        SyncBatch(
            after=0,
            upto=1,
            machine_name="other",
            photographers=[mine],
            events=[msgspec.structs.replace(sub_event, parent_id=None)],
            input_sessions=[msgspec.structs.replace(session, default_event_id=None)],
        ),
    )
    async with pool.acquire() as conn:
        await conn.execute("UPDATE events SET parent_id = $1 WHERE id = $2", event.id, sub_event.id)
        await conn.execute(
            "UPDATE input_sessions SET default_photographer_id = $1 WHERE id = $2",
            theirs.id,
            session.id,
        )
    gone = [
        SyncDeletion(entity="events", key=str(event.id)),
        SyncDeletion(entity="photographers", key=str(theirs.id)),
    ]
    receipt = await push(
        central, owner, SyncBatch(after=1, upto=2, machine_name="owner", deletions=gone)
    )
    assert receipt["deleted"] == 2
    assert await value(pool, "SELECT parent_id FROM events WHERE id = $1", sub_event.id) is None
    unknown = await value(
        pool,
        "SELECT g.origin IS NULL AND g.is_unknown FROM input_sessions s "
        "JOIN photographers g ON g.id = s.default_photographer_id WHERE s.id = $1",
        session.id,
    )
    assert unknown is True
    # The other machine's rows stay its own, and its next push goes through.
    assert await value(pool, "SELECT origin FROM events WHERE id = $1", sub_event.id) == (
        other.installation_id
    )
    await push(central, other, SyncBatch(after=1, upto=2, machine_name="other"))


async def test_the_migration_lets_go_of_references_across_machines(
    central: Client, pool: asyncpg.Pool
) -> None:
    owner, other, batch = await owner_and_other(central)
    parent = next(e for e in batch.events if e.parent_id is None)
    mine = photographer()
    my_event = msgspec.structs.replace(parent, id=uuid.uuid4(), cover_hothash=None)
    my_sub_event = msgspec.structs.replace(
        parent, id=uuid.uuid4(), cover_hothash=None, parent_id=my_event.id
    )
    my_session = msgspec.structs.replace(
        batch.input_sessions[0],
        id=uuid.uuid4(),
        default_photographer_id=mine.id,
        default_event_id=my_event.id,
    )
    my_collection = msgspec.structs.replace(batch.collections[0], id=uuid.uuid4())
    my_card = msgspec.structs.replace(batch.text_items[0], id=uuid.uuid4())
    my_items = [
        msgspec.structs.replace(
            item, id=uuid.uuid4(), collection_id=my_collection.id, text_item_id=card
        )
        for item, card in zip(batch.collection_items, (None, my_card.id), strict=True)
    ]
    await push(
        central,
        other,
        SyncBatch(
            after=0,
            upto=1,
            machine_name="other",
            photographers=[mine],
            events=[my_event, my_sub_event],
            input_sessions=[my_session],
            collections=[my_collection],
            text_items=[my_card],
            collection_items=my_items,
        ),
    )
    # What a central before the rule took: the other machine's rows pointing at the owner's.
    crossing = msgspec.structs.replace(my_session, id=uuid.uuid4())
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO input_sessions (id, name, source_path, default_photographer_id, "
            "default_event_id, origin) VALUES ($1, 'x', '/x', $2, $3, $4)",
            crossing.id,
            batch.photographers[0].id,
            parent.id,
            other.installation_id,
        )
        await conn.execute("UPDATE events SET parent_id = $1 WHERE id = $2", parent.id, my_event.id)
        await conn.execute(
            "UPDATE collection_items SET collection_id = $1 WHERE id = $2",
            batch.collections[0].id,
            my_items[0].id,
        )
        await conn.execute(
            "UPDATE collection_items SET text_item_id = $1 WHERE id = $2",
            batch.text_items[0].id,
            my_items[1].id,
        )
        migration = next(m for m in available() if m.version == 13)
        await conn.execute(migration.sql)
        stored = await conn.fetchrow(
            "SELECT s.default_event_id, g.origin IS NULL AND g.is_unknown AS unknown "
            "FROM input_sessions s JOIN photographers g ON g.id = s.default_photographer_id "
            "WHERE s.id = $1",
            crossing.id,
        )
        assert stored is not None
        assert (stored["default_event_id"], stored["unknown"]) == (None, True)
        assert (
            await conn.fetchval("SELECT parent_id FROM events WHERE id = $1", my_event.id) is None
        )
        items = await conn.fetchval(
            "SELECT count(*) FROM collection_items WHERE id = ANY($1::uuid[])",
            [item.id for item in my_items],
        )
        assert items == 0
        # References within one machine stay.
        kept = await conn.fetchrow(
            "SELECT default_photographer_id, default_event_id FROM input_sessions WHERE id = $1",
            my_session.id,
        )
        assert kept is not None
        assert (kept["default_photographer_id"], kept["default_event_id"]) == (
            mine.id,
            my_event.id,
        )
        sub_parent = await conn.fetchval(
            "SELECT parent_id FROM events WHERE id = $1", my_sub_event.id
        )
        assert sub_parent == my_event.id
        owners_items = await conn.fetchval(
            "SELECT count(*) FROM collection_items WHERE origin = $1", owner.installation_id
        )
        assert owners_items == len(batch.collection_items)
