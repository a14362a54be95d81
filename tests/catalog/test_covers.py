"""`covers=false` on the event and collection lists: no cover, the rest as with it."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests.support.app import Client
from tests.support.catalog import new_collection, new_event
from tests.support.factories import add_photos


def flat(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for root in events for e in (root, *root["children"])]


async def test_events_without_covers(client: Client, pool: asyncpg.Pool) -> None:
    a, b = await add_photos(pool, [{}, {}])
    trip = await new_event(client, name="Trip", cover_hothash=b)
    day = await new_event(client, name="Day", parent_id=trip["id"])
    await client.post("/api/photos/batch/event", json={"hothashes": [a], "event_id": day["id"]})
    with_covers = (await client.get("/api/events")).json()
    assert [e["cover"]["hothash"] for e in flat(with_covers)] == [b, a]
    assert (await client.get("/api/events?covers=true")).json() == with_covers
    without = (await client.get("/api/events?covers=false")).json()
    assert [e["cover"] for e in flat(without)] == [None, None]
    assert [e["cover_hothash"] for e in flat(without)] == [b, None]
    # Everything else is as with covers: the tree, the counts.
    for shown in (with_covers, without):
        for event in flat(shown):
            event.pop("cover")
    assert without == with_covers
    assert flat(without)[1]["photo_count"] == 1


async def test_collections_without_covers(client: Client, pool: asyncpg.Pool) -> None:
    a, b = await add_photos(pool, [{}, {}])
    first = await new_collection(client, name="A")
    second = await new_collection(client, name="B", cover_hothash=b)
    await client.post(f"/api/collections/{first['id']}/items/batch", json={"hothashes": [a, b]})
    with_covers = (await client.get("/api/collections")).json()
    assert [c["cover"]["hothash"] for c in with_covers] == [a, b]
    without = (await client.get("/api/collections?covers=false")).json()
    assert [(c["id"], c["cover"], c["cover_hothash"], c["item_count"]) for c in without] == [
        (first["id"], None, None, 2),
        (second["id"], None, b, 0),
    ]


@pytest.mark.parametrize("url", ["/api/events", "/api/collections"])
async def test_covers_takes_a_boolean(client: Client, url: str) -> None:
    response = await client.get(f"{url}?covers=maybe")
    assert response.status_code == 422
    assert "covers" in response.json()["detail"]
