"""`/api/collections/{id}/items`: pages of items, and moving some of them in one call."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import asyncpg
import pytest

from daemon.services import collections as service
from protocol.collections import ItemCreate, ItemsMove
from tests.support.app import Client
from tests.support.catalog import new_collection
from tests.support.factories import add_photos


async def filled(client: Client, pool: asyncpg.Pool, count: int) -> tuple[str, list[str]]:
    """A collection of `count` photos; its url and its item ids in order."""
    hothashes = await add_photos(pool, [{} for _ in range(count)])
    collection = await new_collection(client)
    url = f"/api/collections/{collection['id']}/items"
    added = await client.post(f"{url}/batch", json={"hothashes": hothashes})
    assert added.status_code == 201, added.text
    return url, [item["id"] for item in added.json()]


async def order(client: Client, url: str) -> list[str]:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


async def positions(client: Client, url: str) -> dict[str, int]:
    return {item["id"]: item["position"] for item in (await client.get(url)).json()}


async def move(client: Client, url: str, ids: list[str], before: str | None) -> Any:
    response = await client.post(f"{url}/move", json={"item_ids": ids, "before": before})
    assert response.status_code == 200, response.text
    return response.json()


def moved_model(items: list[str], ids: list[str], before: str | None) -> list[str]:
    """What a move should make of the order."""
    rest = [item for item in items if item not in ids]
    at = len(rest) if before is None else rest.index(before)
    return rest[:at] + ids + rest[at:]


async def test_pages_of_items(client: Client, pool: asyncpg.Pool) -> None:
    url, ids = await filled(client, pool, 7)
    assert await order(client, url) == ids
    pages = [
        [i["id"] for i in (await client.get(f"{url}?limit=3&offset={offset}")).json()]
        for offset in (0, 3, 6, 7)
    ]
    assert pages == [ids[:3], ids[3:6], ids[6:], []]
    assert [i["id"] for i in (await client.get(f"{url}?offset=5")).json()] == ids[5:]
    assert [i["id"] for i in (await client.get(f"{url}?limit=1000")).json()] == ids
    assert [i["id"] for i in (await client.get(f"{url}?limit=1&offset=6")).json()] == ids[6:]
    for bad in ("limit=0", "limit=1001", "offset=-1", "limit=x", "page=2"):
        assert (await client.get(f"{url}?{bad}")).status_code == 422, bad
    missing = await client.get(f"/api/collections/{uuid.uuid4()}/items?limit=5")
    assert missing.status_code == 404


async def test_move_to_front_middle_and_end(client: Client, pool: asyncpg.Pool) -> None:
    url, ids = await filled(client, pool, 6)
    a, b, c, d, e, f = ids
    answer = await move(client, url, [e], a)
    assert [i["id"] for i in answer] == [e]
    assert await order(client, url) == [e, a, b, c, d, f]
    assert answer[0]["position"] == (await positions(client, url))[e]
    await move(client, url, [a], d)
    assert await order(client, url) == [e, b, c, a, d, f]
    await move(client, url, [b], None)
    assert await order(client, url) == [e, c, a, d, f, b]
    # Before the item that already follows it: nothing changes in the order.
    await move(client, url, [c], a)
    assert await order(client, url) == [e, c, a, d, f, b]
    await move(client, url, [b], None)
    assert await order(client, url) == [e, c, a, d, f, b]


async def test_several_items_keep_the_order_given(client: Client, pool: asyncpg.Pool) -> None:
    url, ids = await filled(client, pool, 8)
    a, b, c, d, e, f, g, h = ids
    answer = await move(client, url, [g, b, e], d)
    assert await order(client, url) == [a, c, g, b, e, d, f, h]
    # Only the moved items, in the order they were given, each with its position now.
    now = await positions(client, url)
    assert [(i["id"], i["position"]) for i in answer] == [(x, now[x]) for x in (g, b, e)]
    await move(client, url, [a, h], None)
    assert await order(client, url) == [c, g, b, e, d, f, a, h]
    await move(client, url, [h, f, c], g)
    assert await order(client, url) == [h, f, c, g, b, e, d, a]


async def test_random_moves_match_a_model(client: Client, pool: asyncpg.Pool) -> None:
    """Moves into the same narrow gap again and again (which runs out of room) and
    anywhere else, several items at a time: the order is always the expected one."""
    url, ids = await filled(client, pool, 30)
    model = list(ids)
    rng = random.Random(1234)
    for step in range(60):
        chosen = rng.sample(model, rng.randint(1, 4))
        rest = [i for i in model if i not in chosen]
        if step % 3 == 0:
            before: str | None = rest[1]  # the same place, over and over
        else:
            before = rng.choice([*rest, None])
        await move(client, url, chosen, before)
        model = moved_model(model, chosen, before)
        assert await order(client, url) == model, step
        assert len(set((await positions(client, url)).values())) == len(model)


async def test_a_move_writes_only_the_moved_rows(client: Client, pool: asyncpg.Pool) -> None:
    url, ids = await filled(client, pool, 200)
    # The batch numbered them 0..199: no room before the second one, so all are numbered
    # afresh, with gaps (room before the first one too); each row written is marked for
    # the next sync push.
    before = await change_numbers(pool)
    await move(client, url, [ids[150]], ids[1])
    after = await change_numbers(pool)
    assert {i for i in ids if after[i] != before[i]} == set(ids)
    # Now there is room: the next moves write the moved rows alone.
    for moved_ids, target in (([ids[10]], ids[3]), ([ids[20], ids[30]], ids[5]), ([ids[0]], None)):
        before = await change_numbers(pool)
        await move(client, url, moved_ids, target)
        after = await change_numbers(pool)
        assert {i for i in ids if after[i] != before[i]} == set(moved_ids)


async def change_numbers(pool: asyncpg.Pool) -> dict[str, int]:
    """Each item's change number, which every write of the row renews (sync's mark)."""
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT id::text, change_seq FROM collection_items")
    return {row["id"]: row["change_seq"] for row in rows}


@pytest.mark.parametrize(
    "case", ["unknown", "other collection", "twice", "before moved", "before other", "empty"]
)
async def test_bad_moves_are_422_and_move_nothing(
    client: Client, pool: asyncpg.Pool, case: str
) -> None:
    url, ids = await filled(client, pool, 4)
    other = await new_collection(client, name="Other")
    other_url = f"/api/collections/{other['id']}/items"
    foreign = (await client.post(other_url, json={"title": "Card"})).json()["id"]
    bodies: dict[str, dict[str, Any]] = {
        "unknown": {"item_ids": [ids[0], str(uuid.uuid4())], "before": ids[3]},
        "other collection": {"item_ids": [ids[0], foreign], "before": None},
        "twice": {"item_ids": [ids[0], ids[1], ids[0]], "before": ids[3]},
        "before moved": {"item_ids": [ids[0], ids[1]], "before": ids[1]},
        "before other": {"item_ids": [ids[0]], "before": foreign},
        "empty": {"item_ids": [], "before": None},
    }
    body = bodies[case]
    seen = await positions(client, url)
    response = await client.post(f"{url}/move", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
    assert await order(client, url) == ids
    assert await positions(client, url) == seen
    assert [i["id"] for i in (await client.get(other_url)).json()] == [foreign]


async def test_move_limits_and_unknown_collection(client: Client, pool: asyncpg.Pool) -> None:
    url, ids = await filled(client, pool, 2)
    too_many = [str(uuid.uuid4()) for _ in range(1001)]
    response = await client.post(f"{url}/move", json={"item_ids": too_many})
    assert response.status_code == 422
    unknown_field = await client.post(f"{url}/move", json={"item_ids": [ids[0]], "after": None})
    assert unknown_field.status_code == 422
    # `before` left out: to the end.
    to_end = await client.post(f"{url}/move", json={"item_ids": [ids[0]]})
    assert to_end.status_code == 200
    assert await order(client, url) == [ids[1], ids[0]]
    missing = await client.post(
        f"/api/collections/{uuid.uuid4()}/items/move", json={"item_ids": [ids[0]]}
    )
    assert missing.status_code == 404


async def test_concurrent_moves_are_both_applied(client: Client, pool: asyncpg.Pool) -> None:
    """Two moves into the same gap at once: the second waits for the first and sees its
    result, so both items land there at positions of their own.

    Called on the service, each on a connection of its own: a request to the test app
    holds the test's event loop until it is answered, so two could not overlap."""
    url, ids = await filled(client, pool, 6)
    a, b, c, d, e, f = ids
    await move(client, url, [f], b)  # numbered afresh: there is room before b now
    collection_id = uuid.UUID(url.split("/")[3])
    async with pool.acquire() as holder:
        holding = holder.transaction()
        await holding.start()
        # The collection held by another transaction: both moves have to wait for it.
        await holder.execute("SELECT 1 FROM collections WHERE id = $1 FOR UPDATE", collection_id)
        moves = [
            asyncio.ensure_future(
                service.move(
                    pool,
                    collection_id,
                    ItemsMove(item_ids=[uuid.UUID(x)], before=uuid.UUID(b)),
                )
            )
            for x in (d, e)
        ]
        # pg_locks is read live (pg_stat_activity would be read once per transaction).
        waiting = "SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted"
        both_waited = False
        for _ in range(250):
            both_waited = await holder.fetchval(waiting) == 2
            if both_waited or any(m.done() for m in moves):
                break
            await asyncio.sleep(0.02)
        await holding.commit()
        answers = await asyncio.gather(*moves)
    assert both_waited
    assert [str(answer[0].id) for answer in answers] == [d, e]
    final = await order(client, url)
    assert final in ([a, f, d, e, b, c], [a, f, e, d, b, c])
    assert len(set((await positions(client, url)).values())) == 6


async def test_items_version_tells_another_window_of_every_change(
    client: Client, pool: asyncpg.Pool
) -> None:
    url, ids = await filled(client, pool, 3)
    collection_url = url.removesuffix("/items")

    async def version() -> int:
        answer = (await client.get(collection_url)).json()
        listed = [c for c in (await client.get("/api/collections?covers=false")).json()]
        assert answer["items_version"] in [c["items_version"] for c in listed]
        return int(answer["items_version"])

    seen = [await version()]
    await move(client, url, [ids[0]], None)
    seen.append(await version())
    caption = await client.patch(f"{url}/{ids[1]}", json={"caption": "new words"})
    assert caption.status_code == 200, caption.text
    seen.append(await version())
    assert seen == sorted(set(seen)), seen
    # Asking again changes nothing.
    assert await version() == seen[-1]


async def test_concurrent_additions_at_the_end_take_places_of_their_own(
    client: Client, pool: asyncpg.Pool
) -> None:
    """Two photos added at the end at once: the second waits for the first's place, so a
    later move has a single item to put things before (called on the service, as above)."""
    first, second, one, two = await add_photos(pool, [{} for _ in range(4)])
    collection = await new_collection(client)
    url = f"/api/collections/{collection['id']}/items"
    added = await client.post(f"{url}/batch", json={"hothashes": [first, second]})
    assert added.status_code == 201, added.text
    collection_id = uuid.UUID(collection["id"])
    async with pool.acquire() as holder:
        holding = holder.transaction()
        await holding.start()
        await holder.execute("SELECT 1 FROM collections WHERE id = $1 FOR UPDATE", collection_id)
        adds = [
            asyncio.ensure_future(service.add_item(pool, collection_id, ItemCreate(hothash=h)))
            for h in (one, two)
        ]
        waiting = "SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted"
        both_waited = False
        for _ in range(250):
            both_waited = await holder.fetchval(waiting) == 2
            if both_waited or any(a.done() for a in adds):
                break
            await asyncio.sleep(0.02)
        await holding.commit()
        answers = await asyncio.gather(*adds)
    assert both_waited
    places = await positions(client, url)
    assert len(places) == 4
    assert len(set(places.values())) == 4
    assert {str(item.id) for item in answers} <= set(places)
