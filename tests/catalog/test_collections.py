"""`/api/collections` and `/api/text-items`: order, cards, clone, cover."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from tests.support.app import Client
from tests.support.catalog import new_collection
from tests.support.factories import add_photos


async def test_items_order_captions_and_cards(client: Client, pool: asyncpg.Pool) -> None:
    h = await add_photos(pool, [{}, {}, {}])
    col = await new_collection(client)
    url = f"/api/collections/{col['id']}/items"
    first = (await client.post(url, json={"hothash": h[0], "caption": "start"})).json()
    card = (await client.post(url, json={"title": "Day 2", "body": "We went on"})).json()
    batch = await client.post(f"{url}/batch", json={"hothashes": [h[1], h[2]]})
    assert batch.status_code == 201
    items = (await client.get(url)).json()
    assert [i["hothash"] for i in items] == [h[0], None, h[1], h[2]]
    assert items[1]["text_item"]["title"] == "Day 2"
    assert items[0]["hotpreview_b64"] == "AA=="

    order = [items[3]["id"], items[1]["id"], items[0]["id"], items[2]["id"]]
    reordered = await client.put(url, json={"item_ids": order})
    assert [i["id"] for i in reordered.json()] == order
    assert [i["position"] for i in reordered.json()] == [0, 1, 2, 3]
    partial = await client.put(url, json={"item_ids": order[:2]})
    assert partial.status_code == 422
    doubled = await client.put(url, json={"item_ids": [*order[:3], order[0]]})
    assert doubled.status_code == 422

    caption = await client.patch(f"{url}/{first['id']}", json={"caption": "the very start"})
    assert caption.json()["caption"] == "the very start"
    assert (await client.delete(f"{url}/{card['id']}")).status_code == 204
    removed = await client.post(f"{url}/batch-remove", json={"item_ids": [order[0], order[3]]})
    assert len(removed.json()) == 2
    assert [i["hothash"] for i in (await client.get(url)).json()] == [h[0]]
    shown = (await client.get(f"/api/collections/{col['id']}")).json()
    assert shown["item_count"] == 1


async def test_add_rules(client: Client, pool: asyncpg.Pool) -> None:
    (h,) = await add_photos(pool, [{}])
    col = await new_collection(client)
    url = f"/api/collections/{col['id']}/items"
    for body in (
        {},
        {"hothash": h, "title": "x"},
        {"hothash": "f" * 64},
        {"text_item_id": str(uuid.uuid4())},
        {"hothash": "nope"},
    ):
        response = await client.post(url, json=body)
        assert response.status_code == 422, body
    missing = await client.post(f"/api/collections/{uuid.uuid4()}/items", json={"hothash": h})
    assert missing.status_code == 404
    assert (await client.delete(f"{url}/{uuid.uuid4()}")).status_code == 404


async def test_clone_copies_cards_deeply(client: Client, pool: asyncpg.Pool) -> None:
    (h,) = await add_photos(pool, [{}])
    col = await new_collection(client, description="d")
    url = f"/api/collections/{col['id']}/items"
    await client.post(url, json={"hothash": h})
    await client.post(url, json={"title": "Card", "body": "text"})
    copy = await client.post(f"/api/collections/{col['id']}/clone")
    assert copy.status_code == 201
    clone = copy.json()
    assert (clone["name"], clone["description"], clone["item_count"]) == ("Best of (copy)", "d", 2)
    clone_items = (await client.get(f"/api/collections/{clone['id']}/items")).json()
    original_items = (await client.get(url)).json()
    assert clone_items[0]["hothash"] == h
    assert clone_items[1]["text_item"]["id"] != original_items[1]["text_item"]["id"]
    await client.patch(
        f"/api/text-items/{clone_items[1]['text_item']['id']}", json={"title": "Changed"}
    )
    again = (await client.get(url)).json()
    assert again[1]["text_item"]["title"] == "Card"


async def test_cover_rule(client: Client, pool: asyncpg.Pool) -> None:
    a, b = await add_photos(pool, [{}, {"deleted_at": datetime(2024, 1, 1)}])
    col = await new_collection(client)
    assert col["cover"] is None
    await client.post(f"/api/collections/{col['id']}/items/batch", json={"hothashes": [b, a]})
    shown = (await client.get(f"/api/collections/{col['id']}")).json()
    assert shown["cover"]["hothash"] == a  # first by position among photos not in the trash
    explicit = await client.patch(f"/api/collections/{col['id']}", json={"cover_hothash": b})
    assert explicit.json()["cover"] == {"hothash": b, "hotpreview_b64": "AA==", "deleted": True}


async def test_text_items_crud(client: Client) -> None:
    card = (await client.post("/api/text-items", json={"title": "T"})).json()
    assert (await client.get(f"/api/text-items/{card['id']}")).json()["title"] == "T"
    assert [c["id"] for c in (await client.get("/api/text-items")).json()] == [card["id"]]
    assert (await client.delete(f"/api/text-items/{card['id']}")).status_code == 204
    assert (await client.get(f"/api/text-items/{card['id']}")).status_code == 404


async def test_deleting_a_collection_keeps_photos(client: Client, pool: asyncpg.Pool) -> None:
    (h,) = await add_photos(pool, [{}])
    col = await new_collection(client)
    await client.post(f"/api/collections/{col['id']}/items", json={"hothash": h})
    assert (await client.delete(f"/api/collections/{col['id']}")).status_code == 204
    assert (await client.get(f"/api/photos/{h}")).status_code == 200
    assert (await client.delete(f"/api/collections/{col['id']}")).status_code == 404


async def test_batch_add_at_a_position(client: Client, pool: asyncpg.Pool) -> None:
    h = await add_photos(pool, [{}, {}, {}, {}])
    col = await new_collection(client)
    url = f"/api/collections/{col['id']}/items"
    await client.post(f"{url}/batch", json={"hothashes": [h[0], h[1]]})  # positions 0, 1
    placed = await client.post(f"{url}/batch", json={"hothashes": [h[3], h[2]], "position": 1})
    assert placed.status_code == 201
    items = placed.json()
    # From position 1 on, after the item already there, in the order given.
    assert [i["hothash"] for i in items] == [h[0], h[1], h[3], h[2]]
    assert [i["position"] for i in items] == [0, 1, 1, 2]
    unknown = await client.post(f"{url}/batch", json={"hothashes": ["f" * 64]})
    assert unknown.status_code == 422
