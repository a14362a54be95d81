"""`/api/events`: one level of nesting, the 409 rules, photo counts and covers."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from tests.support.app import Client
from tests.support.catalog import new_event
from tests.support.factories import add_photos


async def test_tree_and_nesting_rules(client: Client) -> None:
    trip = await new_event(client, name="Trip", date="2024-06-01")
    day = await new_event(client, name="Day 1", parent_id=trip["id"])
    other = await new_event(client, name="Other")
    tree = (await client.get("/api/events")).json()
    assert [e["name"] for e in tree] == ["Trip", "Other"]
    assert [c["name"] for c in tree[0]["children"]] == ["Day 1"]

    deeper = await client.post("/api/events", json={"name": "x", "parent_id": day["id"]})
    assert deeper.status_code == 409
    assert "one level" in deeper.json()["detail"]
    parent_to_child = await client.patch(
        f"/api/events/{trip['id']}", json={"parent_id": other["id"]}
    )
    assert parent_to_child.status_code == 409
    itself = await client.patch(f"/api/events/{other['id']}", json={"parent_id": other["id"]})
    assert itself.status_code == 409
    missing = await client.post("/api/events", json={"name": "x", "parent_id": str(uuid.uuid4())})
    assert missing.status_code == 422
    refused = await client.delete(f"/api/events/{trip['id']}")
    assert refused.status_code == 409
    moved = await client.patch(f"/api/events/{other['id']}", json={"parent_id": trip["id"]})
    assert moved.json()["parent_id"] == trip["id"]
    assert (await client.delete(f"/api/events/{day['id']}")).status_code == 204
    assert (await client.get(f"/api/events/{day['id']}")).status_code == 404


async def test_photo_count_cover_and_delete_keeps_photos(
    client: Client, pool: asyncpg.Pool
) -> None:
    event = await new_event(client)
    h = await add_photos(
        pool,
        [
            {"event_id": uuid.UUID(event["id"]), "taken_at": datetime(2024, 5, 2)},
            {"event_id": uuid.UUID(event["id"]), "taken_at": datetime(2024, 5, 1)},
            {"event_id": uuid.UUID(event["id"]), "deleted_at": datetime(2024, 6, 1)},
            {},
        ],
    )
    shown = (await client.get(f"/api/events/{event['id']}")).json()
    assert shown["photo_count"] == 2
    assert shown["cover"]["hothash"] == h[1]  # first by time
    explicit = await client.patch(f"/api/events/{event['id']}", json={"cover_hothash": h[2]})
    assert explicit.json()["cover"] == {"hothash": h[2], "hotpreview_b64": "AA==", "deleted": True}
    bad_cover = await client.patch(f"/api/events/{event['id']}", json={"cover_hothash": "f" * 64})
    assert bad_cover.status_code in (404, 409, 422)
    assert (await client.delete(f"/api/events/{event['id']}")).status_code == 204
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM photos WHERE event_id IS NULL") == 4


async def test_hard_deleting_the_cover_clears_it(client: Client, pool: asyncpg.Pool) -> None:
    event = await new_event(client)
    (h,) = await add_photos(pool, [{"event_id": uuid.UUID(event["id"])}])
    await client.patch(f"/api/events/{event['id']}", json={"cover_hothash": h})
    await client.post(f"/api/photos/{h}/delete")
    await client.post("/api/photos/empty-trash")
    shown = (await client.get(f"/api/events/{event['id']}")).json()
    assert (shown["cover_hothash"], shown["cover"], shown["photo_count"]) == (None, None, 0)


async def test_validation(client: Client) -> None:
    for body in (
        {"name": ""},
        {"name": "x", "date": "yesterday"},
        {"name": "x", "extra": 1},
        {"name": "x", "cover_hothash": "../x"},
    ):
        response = await client.post("/api/events", json=body)
        assert response.status_code == 422, body
    assert (
        await client.patch(f"/api/events/{uuid.uuid4()}", json={"name": "x"})
    ).status_code == 404
    assert (await client.delete(f"/api/events/{uuid.uuid4()}")).status_code == 404
