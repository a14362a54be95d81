"""`/api/stacks` and `/api/duplicates`."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import asyncpg

from tests.support.app import Client
from tests.support.factories import add_photos, register
from tests.support.images import write_jpeg


async def test_stack_lifecycle(client: Client, pool: asyncpg.Pool) -> None:
    a, b, c, d = await add_photos(pool, [{}, {}, {}, {}])
    created = await client.post("/api/stacks", json={"hothashes": [b, a, c]})
    assert created.status_code == 201, created.text
    stack = created.json()
    assert stack["cover_hothash"] == a  # first registered
    assert [p["hothash"] for p in stack["photos"]] == [a, b, c]
    url = f"/api/stacks/{stack['id']}"

    clash = await client.post("/api/stacks", json={"hothashes": [d, b]})
    assert clash.status_code == 409
    assert (await client.post(f"{url}/photos", json={"hothashes": [d]})).status_code == 200
    chosen = await client.put(f"{url}/cover", json={"hothash": c})
    assert chosen.json()["cover_hothash"] == c
    assert (await client.put(f"{url}/cover", json={"hothash": "e" * 64})).status_code == 409

    after = (await client.delete(f"{url}/photos/{c}")).json()
    assert after["cover_hothash"] == a  # the cover left: the first photo takes over
    async with pool.acquire() as conn:
        covers = await conn.fetchval(
            "SELECT count(*) FROM photos WHERE stack_id = $1 AND is_stack_cover",
            uuid.UUID(stack["id"]),
        )
    assert covers == 1
    for h in (a, b):
        assert (await client.delete(f"{url}/photos/{h}")).status_code == 200
    last = await client.delete(f"{url}/photos/{d}")
    assert last.status_code == 204
    assert (await client.get(url)).status_code == 404
    assert (await client.post("/api/stacks", json={"hothashes": [a, b]})).status_code == 201


async def test_dissolve_and_unknowns(client: Client, pool: asyncpg.Pool) -> None:
    a, b = await add_photos(pool, [{}, {}])
    stack = (await client.post("/api/stacks", json={"hothashes": [a, b]})).json()
    assert (await client.delete(f"/api/stacks/{stack['id']}")).status_code == 204
    detail = (await client.get(f"/api/photos/{a}")).json()
    assert (detail["stack_id"], detail["is_stack_cover"]) == (None, False)
    assert (await client.get(f"/api/stacks/{uuid.uuid4()}")).status_code == 404
    unknown = await client.post("/api/stacks", json={"hothashes": ["f" * 64]})
    assert unknown.status_code == 422


async def test_emptying_the_trash_passes_the_cover_on(client: Client, pool: asyncpg.Pool) -> None:
    a, b = await add_photos(pool, [{}, {}])
    stack = (await client.post("/api/stacks", json={"hothashes": [a, b]})).json()
    await client.post(f"/api/photos/{a}/delete")
    await client.post("/api/photos/empty-trash")
    shown = (await client.get(f"/api/stacks/{stack['id']}")).json()
    assert shown["cover_hothash"] == b
    assert [p["is_stack_cover"] for p in shown["photos"]] == [True]


async def test_duplicates_listed_deleted_and_forgotten_when_gone(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    original = write_jpeg(tmp_path / "card" / "a.jpg", 300, 200, seed=77)
    first = await register(client, tmp_path / "card")
    (tmp_path / "copies").mkdir()
    shutil.copy(original, tmp_path / "copies" / "a1.jpg")
    shutil.copy(original, tmp_path / "copies" / "a2.jpg")
    second = await register(client, tmp_path / "copies")
    assert second["duplicate_count"] == 2
    rows = (await client.get(f"/api/duplicates?session_id={second['id']}")).json()
    assert sorted(Path(r["file_path"]).name for r in rows) == ["a1.jpg", "a2.jpg"]
    hothash = rows[0]["hothash"]
    assert len((await client.get(f"/api/duplicates?hothash={hothash}")).json()) == 2
    assert (await client.get(f"/api/duplicates?session_id={first['id']}")).json() == []

    assert (await client.delete(f"/api/duplicates/{rows[0]['id']}")).status_code == 204
    assert (await client.delete(f"/api/duplicates/{rows[0]['id']}")).status_code == 404
    survivor = next(r for r in rows if r["id"] != rows[0]["id"])
    Path(survivor["file_path"]).unlink()
    await register(client, tmp_path / "copies")
    # The forgotten row's file is found again as a duplicate; the vanished one is dropped.
    remaining = (await client.get("/api/duplicates")).json()
    assert [r["file_path"] for r in remaining] == [rows[0]["file_path"]]
    assert survivor["id"] not in [r["id"] for r in remaining]
    assert (await client.get("/api/duplicates?hothash=nothex")).status_code == 422
