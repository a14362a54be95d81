"""`/api/photos/batch/…`: best effort, one transaction, fast at 10,000 photos."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
import pytest

from tests.support.app import Client
from tests.support.factories import add_photos, hothash

MISSING = hothash(10**6)


async def test_tags_add_remove_set(client: Client, pool: asyncpg.Pool) -> None:
    a, b = await add_photos(pool, [{"tags": ["old"]}, {"tags": []}])
    added = await client.post(
        "/api/photos/batch/tags/add", json={"hothashes": [a, b, MISSING], "tags": ["New ", "old"]}
    )
    assert added.status_code == 200, added.text
    assert added.json() == {
        "updated": [a, b],
        "failed": [{"hothash": MISSING, "reason": "photo not found"}],
    }
    photos = {p["hothash"]: p["tags"] for p in (await client.get("/api/photos")).json()}
    assert photos == {a: ["new", "old"], b: ["new", "old"]}
    await client.post("/api/photos/batch/tags/remove", json={"hothashes": [a], "tags": ["OLD"]})
    await client.post("/api/photos/batch/tags/set", json={"hothashes": [b], "tags": ["x"]})
    photos = {p["hothash"]: p["tags"] for p in (await client.get("/api/photos")).json()}
    assert photos == {a: ["new"], b: ["x"]}


async def test_fields(client: Client, pool: asyncpg.Pool) -> None:
    a, b = await add_photos(pool, [{}, {}])
    async with pool.acquire() as conn:
        event = await conn.fetchval("INSERT INTO events (name) VALUES ('e') RETURNING id")
        category = await conn.fetchval("INSERT INTO categories (name) VALUES ('c') RETURNING id")
    kjell = (await client.post("/api/photographers", json={"name": "Kjell"})).json()["id"]
    for path, body in (
        ("rating", {"rating": 4}),
        ("event", {"event_id": str(event)}),
        ("category", {"category_id": str(category)}),
        ("photographer", {"photographer_id": kjell}),
        ("taken-at", {"taken_at": "2020-05-05T10:00:00", "taken_at_accuracy": "day"}),
        ("location", {"location_lat": 60.0, "location_lng": 11.0}),
    ):
        response = await client.post(
            f"/api/photos/batch/{path}", json={"hothashes": [a, b], **body}
        )
        assert response.json() == {"updated": [a, b], "failed": []}, path
    detail = (await client.get(f"/api/photos/{b}")).json()
    assert (detail["rating"], detail["event_id"], detail["category_id"]) == (
        4,
        str(event),
        str(category),
    )
    assert detail["photographer_id"] == kjell
    assert (detail["taken_at"], detail["taken_at_accuracy"], detail["taken_at_source"]) == (
        "2020-05-05T10:00:00",
        "day",
        2,
    )
    assert (detail["location_lat"], detail["location_source"]) == (60.0, 2)
    cleared = await client.post("/api/photos/batch/rating", json={"hothashes": [a], "rating": None})
    assert cleared.json()["updated"] == [a]
    assert (await client.get(f"/api/photos/{a}")).json()["rating"] is None


async def test_time_shift_skips_photos_without_a_time(client: Client, pool: asyncpg.Pool) -> None:
    a, b = await add_photos(pool, [{"taken_at": datetime(2020, 1, 1, 12)}, {"taken_at": None}])
    response = await client.post(
        "/api/photos/batch/taken-at-offset", json={"hothashes": [a, b], "hours": -2, "minutes": 30}
    )
    assert response.json() == {
        "updated": [a],
        "failed": [{"hothash": b, "reason": "the photo has no time to shift"}],
    }
    detail = (await client.get(f"/api/photos/{a}")).json()
    assert (detail["taken_at"], detail["taken_at_source"]) == ("2020-01-01T10:30:00", 1)


async def test_delete_and_restore(client: Client, pool: asyncpg.Pool) -> None:
    a, b = await add_photos(pool, [{}, {}])
    assert (await client.post("/api/photos/batch/delete", json={"hothashes": [a, b]})).json()[
        "updated"
    ] == [a, b]
    assert (await client.get("/api/photos")).json() == []
    await client.post("/api/photos/batch/restore", json={"hothashes": [b]})
    assert [p["hothash"] for p in (await client.get("/api/photos")).json()] == [b]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("rating", {"hothashes": ["x"], "rating": 3}, "hothashes"),
        ("rating", {"hothashes": [], "rating": 3}, "hothashes"),
        ("rating", {"hothashes": [MISSING], "rating": 9}, "rating"),
        ("event", {"hothashes": [MISSING], "event_id": str(uuid.uuid4())}, "event_id"),
        (
            "photographer",
            {"hothashes": [MISSING], "photographer_id": str(uuid.uuid4())},
            "photographer_id",
        ),
        (
            "location",
            {"hothashes": [MISSING], "location_lat": 10, "location_lng": None},
            "location",
        ),
        ("tags/merge", {"hothashes": [MISSING], "tags": ["a"]}, "edit"),
    ],
)
async def test_invalid_batches_are_422(
    client: Client, path: str, body: dict[str, object], field: str
) -> None:
    response = await client.post(f"/api/photos/batch/{path}", json=body)
    assert response.status_code in (404, 422), response.text
    if response.status_code == 422:
        assert field in response.json()["detail"]


async def test_ten_thousand_photos_in_one_call(client: Client, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        photographer = await conn.fetchval("SELECT id FROM photographers WHERE is_default")
        await conn.execute(
            "INSERT INTO photos (hothash, hotpreview_b64, photographer_id) "
            "SELECT encode(sha256(i::text::bytea), 'hex'), 'AA==', $1 "
            "FROM generate_series(1, 10000) AS i",
            photographer,
        )
        hashes = [r["hothash"] for r in await conn.fetch("SELECT hothash FROM photos")]
    response = await client.post(
        "/api/photos/batch/tags/add", json={"hothashes": hashes, "tags": ["archive"]}
    )
    assert response.status_code == 200
    assert len(response.json()["updated"]) == 10_000
    too_many = await client.post(
        "/api/photos/batch/rating", json={"hothashes": [*hashes, hothash(-1)], "rating": 1}
    )
    assert too_many.status_code == 422
