"""`/api/photos` and `/api/tags`: filters, sorts, pages, changes, trash, previews."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from daemon.config import Settings
from tests.support.app import Client
from tests.support.factories import add_photos, hothash, listing, register
from tests.support.images import CORPUS


async def test_sorts_put_unknown_times_and_ratings_last(client: Client, pool: asyncpg.Pool) -> None:
    h = await add_photos(
        pool,
        [
            {"taken_at": datetime(2020, 1, 1), "rating": 3},
            {"taken_at": None, "rating": None},
            {"taken_at": datetime(2022, 1, 1), "rating": 5},
            {"taken_at": datetime(2021, 1, 1), "rating": 1},
        ],
    )
    assert await listing(client) == [h[2], h[3], h[0], h[1]]
    assert await listing(client, "?sort=taken_at_asc") == [h[0], h[3], h[2], h[1]]
    assert await listing(client, "?sort=rating_desc") == [h[2], h[0], h[3], h[1]]
    assert await listing(client, "?sort=rating_asc") == [h[3], h[0], h[2], h[1]]
    assert await listing(client, "?sort=registered_at_desc") == [h[3], h[2], h[1], h[0]]
    assert await listing(client, "?sort=registered_at_asc") == h


async def test_pages_neither_overlap_nor_skip(client: Client, pool: asyncpg.Pool) -> None:
    h = await add_photos(pool, [{"taken_at": datetime(2020, 1, 1)} for _ in range(25)])
    pages = [await listing(client, f"?limit=10&offset={o}") for o in (0, 10, 20)]
    assert [len(p) for p in pages] == [10, 10, 5]
    assert sorted(x for page in pages for x in page) == sorted(h)


async def test_filters(client: Client, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        hidden = await conn.fetchval(
            "INSERT INTO categories (name, excluded_from_stream) VALUES ('x', true) RETURNING id"
        )
        shown = await conn.fetchval("INSERT INTO categories (name) VALUES ('y') RETURNING id")
        event = await conn.fetchval("INSERT INTO events (name) VALUES ('e') RETURNING id")
    h = await add_photos(
        pool,
        [
            {"tags": ["beach", "summer"], "rating": 5, "taken_at": datetime(2023, 7, 1)},
            {
                "tags": ["beach"],
                "rating": 2,
                "category_id": hidden,
                "taken_at": datetime(2023, 1, 1),
            },
            {"tags": ["summer"], "category_id": shown, "event_id": event},
            {"tags": ["beach", "summer"], "deleted_at": datetime(2024, 1, 1)},
        ],
    )
    assert set(await listing(client, "?tags=beach&tags=summer")) == {h[0]}
    assert set(await listing(client, "?tags=BEACH")) == {h[0], h[1]}
    assert set(await listing(client, "?in_stream=true")) == {h[0], h[2]}
    assert set(await listing(client, "?in_stream=false")) == {h[1]}
    assert set(await listing(client, f"?event_id={event}")) == {h[2]}
    assert set(await listing(client, f"?category_id={shown}")) == {h[2]}
    assert set(await listing(client, "?rating_min=3")) == {h[0]}
    assert set(await listing(client, "?rating_max=3")) == {h[1]}
    assert set(await listing(client, "?taken_after=2023-06-01T00:00:00")) == {h[0]}
    assert set(await listing(client, "?taken_before=2023-06-01T00:00:00")) == {h[1]}
    assert set(await listing(client, "?deleted=true")) == {h[3]}


@pytest.mark.parametrize(
    "query",
    [
        "?sort=name",
        "?limit=5000",
        "?limit=0",
        "?offset=-1",
        "?rating_min=7",
        "?event_id=nope",
        "?deleted=maybe",
        "?taken_after=yesterday",
    ],
)
async def test_bad_queries_are_422(client: Client, query: str) -> None:
    response = await client.get(f"/api/photos{query}")
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


@pytest.mark.parametrize("bad", ["abc", "A" * 64, "..%2F..%2Fetc%2Fpasswd", "0" * 63, "g" * 64])
async def test_bad_hothashes_are_422_and_never_touch_the_disk(client: Client, bad: str) -> None:
    for path in (f"/api/photos/{bad}", f"/api/photos/{bad}/coldpreview"):
        response = await client.get(path)
        assert response.status_code in (404, 422), (path, response.status_code)
        assert response.status_code != 500


async def test_unknown_photo_is_404(client: Client) -> None:
    missing = hothash(999)
    assert (await client.get(f"/api/photos/{missing}")).status_code == 404
    assert (await client.patch(f"/api/photos/{missing}", json={"rating": 3})).status_code == 404
    assert (await client.post(f"/api/photos/{missing}/delete")).status_code == 404
    assert (await client.get(f"/api/photos/{missing}/coldpreview")).status_code == 404


async def test_patch(client: Client, pool: asyncpg.Pool) -> None:
    (h,) = await add_photos(pool, [{"rating": 2}])
    kjell = (await client.post("/api/photographers", json={"name": "Kjell"})).json()
    response = await client.patch(
        f"/api/photos/{h}",
        json={
            "rating": 5,
            "tags": [" Beach", "beach", "SUN "],
            "photographer_id": kjell["id"],
            "taken_at": "2021-06-01T12:00:00+02:00",
            "taken_at_accuracy": "day",
            "location_lat": 59.9,
            "location_lng": 10.7,
            "location_accuracy": "city",
        },
    )
    assert response.status_code == 200, response.text
    photo = response.json()
    assert (photo["rating"], photo["tags"]) == (5, ["beach", "sun"])
    assert photo["photographer_id"] == kjell["id"]
    assert (photo["taken_at"], photo["taken_at_source"], photo["taken_at_accuracy"]) == (
        "2021-06-01T12:00:00",
        2,
        "day",
    )
    assert (photo["location_source"], photo["location_accuracy"]) == (2, "city")
    cleared = (await client.patch(f"/api/photos/{h}", json={"rating": None})).json()
    assert cleared["rating"] is None
    assert cleared["tags"] == ["beach", "sun"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rating": 7}, "rating"),
        ({"rating": "five"}, "rating"),
        ({"tags": "beach"}, "tags"),
        ({"category_id": str(uuid.uuid4())}, "category_id"),
        ({"event_id": str(uuid.uuid4())}, "event_id"),
        ({"photographer_id": None}, "photographer_id"),
        ({"location_lat": 95, "location_lng": 10}, "location_lat"),
        ({"location_lat": 10}, "location_lng"),
        ({"hothash": "0" * 64}, "hothash"),
    ],
)
async def test_patch_rejects(
    client: Client, pool: asyncpg.Pool, body: dict[str, Any], field: str
) -> None:
    (h,) = await add_photos(pool, [{"rating": 2}])
    response = await client.patch(f"/api/photos/{h}", json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]
    assert (await client.get(f"/api/photos/{h}")).json()["rating"] == 2


async def test_detail_coldpreview_and_trash(
    client: Client, pool: asyncpg.Pool, settings: Settings
) -> None:
    session = await register(client, CORPUS / "jpg" / "gps")
    (first, second, *_) = await listing(client, "?sort=registered_at_asc")
    detail = (await client.get(f"/api/photos/{first}")).json()
    assert detail["session"]["id"] == session["id"]
    assert detail["files"][0]["is_master"] is True
    assert detail["exif_data"]["gps"]
    assert detail["correction"] is None

    cold = await client.get(f"/api/photos/{first}/coldpreview")
    assert cold.status_code == 200
    assert cold.headers["content-type"] == "image/jpeg"
    assert cold.headers["cache-control"] == "private, no-cache"
    assert cold.content[:2] == b"\xff\xd8"
    cached = await client.get(
        f"/api/photos/{first}/coldpreview", headers={"If-None-Match": cold.headers["etag"]}
    )
    assert cached.status_code == 304
    assert cached.content == b""

    assert (await client.post(f"/api/photos/{first}/delete")).json()["deleted_at"]
    assert first not in await listing(client)
    assert (await client.post(f"/api/photos/{first}/restore")).json()["deleted_at"] is None
    for h in (first, second):
        await client.post(f"/api/photos/{h}/delete")
    cold_file = settings.coldpreview_dir / detail["coldpreview_path"]
    assert cold_file.exists()
    emptied = await client.post("/api/photos/empty-trash")
    assert emptied.json() == {"deleted": 2}
    assert not cold_file.exists()
    assert (await client.get(f"/api/photos/{first}")).status_code == 404
    assert len(await listing(client)) == 7
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM image_files") == 7


async def test_missing_coldpreview_file_is_404(client: Client, settings: Settings) -> None:
    await register(client, CORPUS / "jpg" / "gps")
    (first, *_) = await listing(client)
    path = (await client.get(f"/api/photos/{first}")).json()["coldpreview_path"]
    (settings.coldpreview_dir / path).unlink()
    response = await client.get(f"/api/photos/{first}/coldpreview")
    assert response.status_code == 404
    assert "missing" in response.json()["detail"]


async def test_resets_go_back_to_exif(client: Client) -> None:
    await register(client, CORPUS / "jpg" / "gps")
    (h, *_) = await listing(client)
    original = (await client.get(f"/api/photos/{h}")).json()
    await client.patch(
        f"/api/photos/{h}",
        json={"taken_at": "1999-01-01T00:00:00", "location_lat": 1.0, "location_lng": 2.0},
    )
    timed = (await client.post(f"/api/photos/{h}/reset-time")).json()
    assert (timed["taken_at"], timed["taken_at_source"]) == (original["taken_at"], 0)
    placed = (await client.post(f"/api/photos/{h}/reset-location")).json()
    assert (placed["location_lat"], placed["location_source"]) == (original["location_lat"], 0)


async def test_companions(client: Client, pool: asyncpg.Pool, tmp_path: Path) -> None:
    await register(client, CORPUS / "jpg" / "gps")
    (h, other, *_) = await listing(client)
    added = await client.post(
        f"/api/photos/{h}/companions", json={"path": "/raw/DSCN.NEF", "type": "RAW"}
    )
    assert added.status_code == 201, added.text
    assert added.json()["is_master"] is False
    files = (await client.get(f"/api/photos/{h}/files")).json()
    assert [f["file_type"] for f in files] == ["JPEG", "RAW"]
    again = await client.post(
        f"/api/photos/{other}/companions", json={"path": "/raw/DSCN.NEF", "type": "RAW"}
    )
    assert again.status_code == 409
    master = files[0]["file_path"]
    taken = await client.post(
        f"/api/photos/{other}/companions", json={"path": master, "type": "JPEG"}
    )
    assert taken.status_code == 409


async def test_tags_listing(client: Client, pool: asyncpg.Pool) -> None:
    await add_photos(
        pool,
        [
            {"tags": ["beach", "summer"]},
            {"tags": ["beach"]},
            {"tags": ["bird"], "deleted_at": datetime(2024, 1, 1)},
            {"tags": ["b%"]},
        ],
    )
    plain = (await client.get("/api/tags")).json()
    assert plain == [
        {"tag": "b%", "count": None},
        {"tag": "beach", "count": None},
        {"tag": "summer", "count": None},
    ]
    counted = (await client.get("/api/tags?q=BE&with_count=true")).json()
    assert counted == [{"tag": "beach", "count": 2}]
    assert (await client.get("/api/tags?q=b%25")).json() == [{"tag": "b%", "count": None}]


async def test_the_tag_filter_uses_the_gin_index(client: Client, pool: asyncpg.Pool) -> None:
    from daemon.store.photos import PhotoFilter, page_query

    async with pool.acquire() as conn:
        photographer = await conn.fetchval("SELECT id FROM photographers WHERE is_default")
        await conn.execute(
            "INSERT INTO photos (hothash, hotpreview_b64, photographer_id, tags, taken_at) "
            "SELECT encode(sha256(i::text::bytea), 'hex'), 'AA==', $1, "
            "CASE WHEN i = 7 THEN ARRAY['rare'] ELSE ARRAY['common', 't' || (i % 50)] END, "
            "timestamp '2020-01-01' + i * interval '1 hour' FROM generate_series(1, 5000) i",
            photographer,
        )
        await conn.execute("ANALYZE photos")
        sql, args = page_query(PhotoFilter(tags=("rare",)), "taken_at_desc", 100, 0)
        plan = "\n".join(r[0] for r in await conn.fetch(f"EXPLAIN {sql}", *args))
    assert "photos_tags" in plan, plan


async def test_photographer_and_session_filters(client: Client, pool: asyncpg.Pool) -> None:
    kjell = (await client.post("/api/photographers", json={"name": "Kjell"})).json()
    async with pool.acquire() as conn:
        session = await conn.fetchval(
            "INSERT INTO input_sessions (name, source_path, default_photographer_id) "
            "VALUES ('s', '/s', $1) RETURNING id",
            uuid.UUID(kjell["id"]),
        )
    h = await add_photos(
        pool, [{"photographer_id": uuid.UUID(kjell["id"])}, {"input_session_id": session}, {}]
    )
    assert await listing(client, f"?photographer_id={kjell['id']}") == [h[0]]
    assert await listing(client, f"?session_id={session}") == [h[1]]
