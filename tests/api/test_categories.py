"""`/api/categories`: CRUD, unique names, delete clears photos' category."""

from __future__ import annotations

import uuid

import asyncpg

from tests.support.app import Client
from tests.support.factories import HASH_A, add_photo


async def test_crud_and_order(client: Client) -> None:
    b = (await client.post("/api/categories", json={"name": "Work", "display_order": 2})).json()
    a = (
        await client.post(
            "/api/categories",
            json={"name": "Screenshots", "excluded_from_stream": True, "display_order": 1},
        )
    ).json()
    assert a["excluded_from_stream"] is True
    listing = (await client.get("/api/categories")).json()
    assert [c["name"] for c in listing] == ["Screenshots", "Work"]
    patched = await client.patch(f"/api/categories/{b['id']}", json={"display_order": 0})
    assert patched.json()["display_order"] == 0
    assert [c["name"] for c in (await client.get("/api/categories")).json()] == [
        "Work",
        "Screenshots",
    ]
    assert (await client.get(f"/api/categories/{a['id']}")).json()["name"] == "Screenshots"


async def test_names_are_unique(client: Client) -> None:
    await client.post("/api/categories", json={"name": "Work"})
    other = (await client.post("/api/categories", json={"name": "Home"})).json()
    response = await client.post("/api/categories", json={"name": "Work"})
    assert response.status_code == 409
    assert "Work" in response.json()["detail"]
    rename = await client.patch(f"/api/categories/{other['id']}", json={"name": "Work"})
    assert rename.status_code == 409


async def test_delete_nulls_the_photos_category(client: Client, pool: asyncpg.Pool) -> None:
    cat = (await client.post("/api/categories", json={"name": "Work"})).json()
    async with pool.acquire() as conn:
        photo = await add_photo(conn, HASH_A, category_id=uuid.UUID(cat["id"]), rating=4)
    assert (await client.delete(f"/api/categories/{cat['id']}")).status_code == 204
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT category_id, rating FROM photos WHERE id = $1", photo)
    assert row is not None
    assert row["category_id"] is None
    assert row["rating"] == 4


async def test_unknown_and_invalid(client: Client) -> None:
    missing = f"/api/categories/{uuid.uuid4()}"
    assert (await client.get(missing)).status_code == 404
    assert (await client.delete(missing)).status_code == 404
    assert (await client.patch(missing, json={"name": "x"})).status_code == 404
    too_big = await client.post("/api/categories", json={"name": "x", "display_order": 2**40})
    assert too_big.status_code == 422
    assert "display_order" in too_big.json()["detail"]
