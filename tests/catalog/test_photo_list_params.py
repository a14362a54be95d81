"""The photo list's newer parameters: hothash, rated, camera, stacks; its items' stack_size
and rotation; `GET /api/photos/hothashes` and `GET /api/cameras`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, get_args
from urllib.parse import urlencode

import asyncpg

from protocol.settings import PhotoSort
from tests.support.app import Client
from tests.support.factories import add_photos, hothash, listing


async def items(client: Client, query: str = "") -> list[dict[str, Any]]:
    """The items `GET /api/photos{query}` answers."""
    response = await client.get(f"/api/photos{query}")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def hothashes(client: Client, query: str = "") -> list[str]:
    """The answer of `GET /api/photos/hothashes{query}`."""
    response = await client.get(f"/api/photos/hothashes{query}")
    assert response.status_code == 200, response.text
    found: list[str] = response.json()
    return found


async def total(client: Client, query: str = "") -> int:
    """How many photos `GET /api/photos/buckets{query}` counts."""
    response = await client.get(f"/api/photos/buckets{query}")
    assert response.status_code == 200, response.text
    counted: int = response.json()["total"]
    return counted


async def test_hothash_picks_those_photos(client: Client, pool: asyncpg.Pool) -> None:
    h = await add_photos(pool, [{} for _ in range(4)])
    assert set(await listing(client, f"?hothash={h[1]}&hothash={h[3]}")) == {h[1], h[3]}
    assert await listing(client, f"?hothash={hothash(99)}") == []
    hundred = "&".join(f"hothash={hothash(n)}" for n in range(100))
    assert set(await listing(client, f"?{hundred}")) == set(h)
    assert await total(client, f"?{hundred}") == 4


async def test_hothash_is_bounded_and_checked(client: Client) -> None:
    many = "&".join(f"hothash={hothash(n)}" for n in range(101))
    for query in (many, "hothash=ABC", f"hothash={hothash(1).upper()}", "hothash="):
        for endpoint in ("", "/buckets", "/hothashes"):
            response = await client.get(f"/api/photos{endpoint}?{query}")
            assert response.status_code == 422, (endpoint, query[:20], response.text)
            assert "hothash" in response.json()["detail"]


async def test_rated(client: Client, pool: asyncpg.Pool) -> None:
    h = await add_photos(pool, [{"rating": 4}, {"rating": None}, {"rating": 1}, {}])
    assert set(await listing(client, "?rated=false")) == {h[1], h[3]}
    assert set(await listing(client, "?rated=true")) == {h[0], h[2]}
    assert await total(client, "?rated=false&sort=rating_desc") == 2


async def test_cameras_round_trip_through_the_filter(client: Client, pool: asyncpg.Pool) -> None:
    await add_photos(
        pool,
        [
            {"camera_make": "Canon", "camera_model": "Canon EOS R5"},
            {"camera_make": "Canon", "camera_model": "Canon EOS R5"},
            # Without a make: the same name, so the same camera, counted together.
            {"camera_make": None, "camera_model": "Canon EOS R5"},
            # Names are compared as they are spelt.
            {"camera_make": "CANON", "camera_model": "EOS R5"},
            {"camera_make": "SONY", "camera_model": "ILCE-7M3"},
            {"camera_make": "Canon", "camera_model": None},
            {"camera_make": None, "camera_model": None},
            {
                "camera_make": "Apple",
                "camera_model": "iPhone 12",
                "deleted_at": datetime(2024, 1, 1, tzinfo=UTC),
            },
        ],
    )
    response = await client.get("/api/cameras")
    assert response.status_code == 200, response.text
    cameras = response.json()
    assert cameras == [
        {"name": "Canon EOS R5", "make": "Canon", "model": "Canon EOS R5", "count": 3},
        {"name": "CANON EOS R5", "make": "CANON", "model": "EOS R5", "count": 1},
        {"name": "Canon", "make": "Canon", "model": None, "count": 1},
        {"name": "SONY ILCE-7M3", "make": "SONY", "model": "ILCE-7M3", "count": 1},
    ]
    for camera in cameras:
        query = "?" + urlencode({"camera": camera["name"]})
        assert len(await listing(client, query)) == camera["count"], camera
        assert await total(client, query) == camera["count"], camera
    assert await listing(client, "?camera=Apple%20iPhone%2012") == []
    assert await listing(client, "?camera=Canon%20EOS") == []


async def _stacks(client: Client, pool: asyncpg.Pool) -> list[str]:
    """a (alone); s0 s1 s2 stacked under s0; t0 t1 stacked under t0. Then t0, the cover, and
    s2 go to the trash. Returned in that order: a, s0, s1, s2, t0, t1."""
    h = await add_photos(pool, [{"taken_at": datetime(2024, 7, 14, hour)} for hour in range(6)])
    for members in (h[1:4], h[4:6]):
        response = await client.post("/api/stacks", json={"hothashes": members})
        assert response.status_code == 201, response.text
    for gone in (h[4], h[3]):
        assert (await client.post(f"/api/photos/{gone}/delete")).status_code == 200
    return h


async def test_collapsed_stacks_show_one_photo_each(client: Client, pool: asyncpg.Pool) -> None:
    a, s0, s1, s2, t0, t1 = await _stacks(client, pool)
    sort = "?sort=taken_at_asc"
    assert await listing(client, sort) == [a, s0, s1, t1]
    # T's cover is in the trash: its first photo outside it stands for T meanwhile.
    collapsed = await listing(client, f"{sort}&stacks=collapsed")
    assert collapsed == [a, s0, t1]
    assert await hothashes(client, f"{sort}&stacks=collapsed") == collapsed
    assert await total(client, "?stacks=collapsed") == 3
    assert await listing(client, f"{sort}&stacks=all") == [a, s0, s1, t1]
    # In the trash, the other way round: T's cover stands for T, s2 for S.
    assert await listing(client, f"{sort}&deleted=true&stacks=collapsed") == [s2, t0]
    assert await total(client, "?deleted=true&stacks=collapsed") == 2
    bucket = await client.get("/api/photos/buckets?stacks=collapsed")
    assert bucket.json()["buckets"] == [{"key": "2024-07-14", "count": 3}]
    bad = await client.get("/api/photos?stacks=folded")
    assert bad.status_code == 422
    assert "stacks" in bad.json()["detail"]


async def test_items_carry_stack_size_and_rotation(client: Client, pool: asyncpg.Pool) -> None:
    a, s0, s1, s2, t0, t1 = await _stacks(client, pool)
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO photo_corrections (photo_id, rotation) "
            "SELECT id, 270 FROM photos WHERE hothash = $1",
            s1,
        )
    shown = {p["hothash"]: p for p in await items(client)}
    # Stack sizes count the photos on the list's side of the trash.
    assert {h: p["stack_size"] for h, p in shown.items()} == {a: None, s0: 2, s1: 2, t1: 1}
    assert {h: p["rotation"] for h, p in shown.items()} == {a: 0, s0: 0, s1: 270, t1: 0}
    trash = {p["hothash"]: p["stack_size"] for p in await items(client, "?deleted=true")}
    assert trash == {s2: 1, t0: 1}
    stack = (await client.get(f"/api/stacks/{shown[s0]['stack_id']}")).json()
    assert [(p["stack_size"], p["rotation"]) for p in stack["photos"]] == [
        (2, 0),
        (2, 270),
        (1, 0),
    ]


async def test_hothashes_follow_the_list(client: Client, pool: asyncpg.Pool) -> None:
    await add_photos(
        pool,
        [
            {"taken_at": datetime(2024, 1, 1 + n % 3), "rating": [None, 2, 5][n % 3]}
            for n in range(12)
        ],
    )
    for sort in get_args(PhotoSort):
        whole = await listing(client, f"?sort={sort}")
        assert await hothashes(client, f"?sort={sort}") == whole
        assert await hothashes(client, f"?sort={sort}&limit=4&offset=3") == whole[3:7]
    assert await hothashes(client, "?rated=true&sort=rating_desc&limit=2") == (
        await listing(client, "?rated=true&sort=rating_desc&limit=2")
    )
    for bad in ("limit=0", "limit=10001", "offset=-1"):
        response = await client.get(f"/api/photos/hothashes?{bad}")
        assert response.status_code == 422, bad
        assert bad.split("=")[0] in response.json()["detail"]
    assert (await client.get("/api/photos/hothashes?limit=10000")).status_code == 200
