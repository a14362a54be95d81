"""`POST /api/photographers/{id}/merge`: everything naming one photographer moves to
another, which stays; central learns it from the next push."""

from __future__ import annotations

import base64
import hashlib
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from daemon.database import create_pool
from daemon.embedded_pg import EmbeddedPostgres
from daemon.services import central as central_service
from daemon.store import photographers as photographers_store
from daemon.store import sync as sync_store
from tests.support.app import TEMPLATE, Client, scratch_database
from tests.support.factories import add_photo


async def new_photographer(client: Client, name: str) -> dict[str, Any]:
    response = await client.post("/api/photographers", json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def photographers(client: Client) -> list[str]:
    return [p["name"] for p in (await client.get("/api/photographers")).json()]


async def add_photos_of(conn: Any, photographer_id: str, count: int, first: int = 0) -> list[str]:
    """Photos of a photographer; each hothash is that of its hotpreview, as central checks."""
    hothashes = []
    for n in range(first, first + count):
        jpeg = f"hotpreview {n}".encode()
        hothash = hashlib.sha256(jpeg).hexdigest()
        await add_photo(
            conn,
            hothash,
            hotpreview_b64=base64.b64encode(jpeg).decode(),
            photographer_id=uuid.UUID(photographer_id),
        )
        hothashes.append(hothash)
    return hothashes


async def add_session(conn: Any, photographer_id: str, status: str = "completed") -> uuid.UUID:
    session_id: uuid.UUID = await conn.fetchval(
        "INSERT INTO input_sessions (name, source_path, default_photographer_id, status) "
        "VALUES ('card', '/media/card', $1, $2) RETURNING id",
        uuid.UUID(photographer_id),
        status,
    )
    return session_id


async def test_merge_moves_everything_and_removes_the_source(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    aase = await new_photographer(client, "Aase")
    kjell = await new_photographer(client, "Kjell")
    async with pool.acquire() as conn:
        moved = await add_photos_of(conn, aase["id"], 3)
        (kept,) = await add_photos_of(conn, kjell["id"], 1, first=3)
        session = await add_session(conn, aase["id"])
        folder = await conn.fetchval(
            "INSERT INTO watched_folders (path, photographer_id, paused) "
            "VALUES ($1, $2, true) RETURNING id",
            str(tmp_path),
            uuid.UUID(aase["id"]),
        )
        seq = "SELECT last_value FROM sync_changes"
        before = await conn.fetchval(seq)

    response = await client.post(
        f"/api/photographers/{aase['id']}/merge", json={"into": kjell["id"]}
    )
    assert response.status_code == 200, response.text
    assert response.json() == kjell
    assert (await client.get(f"/api/photographers/{aase['id']}")).status_code == 404
    assert await photographers(client) == ["Default photographer", "Unknown photographer", "Kjell"]
    for hothash in [*moved, kept]:
        photo = (await client.get(f"/api/photos/{hothash}")).json()
        assert photo["photographer_id"] == kjell["id"]
    shown = (await client.get(f"/api/input-sessions/{session}")).json()
    assert shown["default_photographer_id"] == kjell["id"]
    watched = (await client.get(f"/api/watched-folders/{folder}")).json()
    assert watched["photographer_id"] == kjell["id"]
    # Marked for the next push: each moved photo with the time its photographer changed,
    # the session with a new change number, the photographer with a tombstone.
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT hothash, change_seq, edited_at ? 'photographer' AS edited FROM photos"
        )
        session_seq = await conn.fetchval(
            "SELECT change_seq FROM input_sessions WHERE id = $1", session
        )
        tombstones = await conn.fetch(
            "SELECT entity, entity_key FROM sync_tombstones WHERE change_seq > $1", before
        )
    changed = {r["hothash"] for r in rows if r["change_seq"] > before and r["edited"]}
    assert changed == set(moved)
    assert session_seq > before
    assert [(t["entity"], t["entity_key"]) for t in tombstones] == [("photographers", aase["id"])]


async def test_into_itself_is_422_and_unknown_ids_are_404(
    client: Client, pool: asyncpg.Pool
) -> None:
    aase = await new_photographer(client, "Aase")
    async with pool.acquire() as conn:
        (photo,) = await add_photos_of(conn, aase["id"], 1)
    url = f"/api/photographers/{aase['id']}/merge"
    itself = await client.post(url, json={"into": aase["id"]})
    assert itself.status_code == 422
    assert "itself" in itself.json()["detail"]
    into_unknown = await client.post(url, json={"into": str(uuid.uuid4())})
    assert into_unknown.status_code == 404
    unknown = await client.post(
        f"/api/photographers/{uuid.uuid4()}/merge", json={"into": aase["id"]}
    )
    assert unknown.status_code == 404
    for body in ({}, {"into": "aase"}, {"into": aase["id"], "keep": True}):
        assert (await client.post(url, json=body)).status_code == 422, body
    assert "Aase" in await photographers(client)
    assert (await client.get(f"/api/photos/{photo}")).json()["photographer_id"] == aase["id"]


async def test_built_in_photographers_take_others_but_stay(client: Client) -> None:
    rows = (await client.get("/api/photographers")).json()
    default, unknown = rows[0], rows[1]
    aase = await new_photographer(client, "Aase")
    for special in (default, unknown):
        refused = await client.post(
            f"/api/photographers/{special['id']}/merge", json={"into": aase["id"]}
        )
        assert refused.status_code == 409
        assert "built-in" in refused.json()["detail"]
    merged = await client.post(
        f"/api/photographers/{aase['id']}/merge", json={"into": unknown["id"]}
    )
    assert merged.status_code == 200
    assert merged.json()["is_unknown"] is True
    assert await photographers(client) == ["Default photographer", "Unknown photographer"]


@pytest.mark.parametrize("status", ["pending", "running"])
async def test_refused_while_a_registration_gives_photos_to_it(
    client: Client, pool: asyncpg.Pool, status: str
) -> None:
    aase = await new_photographer(client, "Aase")
    kjell = await new_photographer(client, "Kjell")
    async with pool.acquire() as conn:
        await add_session(conn, aase["id"], status)
    url = f"/api/photographers/{aase['id']}/merge"
    response = await client.post(url, json={"into": kjell["id"]})
    assert response.status_code == 409
    assert "registration" in response.json()["detail"]
    assert "Aase" in await photographers(client)
    async with pool.acquire() as conn:
        await conn.execute("UPDATE input_sessions SET status = 'completed'")
    assert (await client.post(url, json={"into": kjell["id"]})).status_code == 200


async def test_central_gets_the_merge_on_the_next_push(
    client: Client, pool: asyncpg.Pool, pg_server: EmbeddedPostgres
) -> None:
    """The push after a merge carries the photos with their new photographer and the
    photographer's deletion; central, which had both photographers, ends with one."""
    aase = await new_photographer(client, "Aase")
    kjell = await new_photographer(client, "Kjell")
    async with pool.acquire() as conn:
        hothashes = await add_photos_of(conn, aase["id"], 2)
        await add_session(conn, aase["id"])
    machine = uuid.uuid4()
    async with scratch_database(pg_server.dsn, "central", TEMPLATE) as url:
        central = await create_pool(url, max_size=2)
        try:
            async with central.acquire() as conn:
                await photographers_store.ensure_special(conn)
            pushed = await push(pool, central, machine, after=0)
            response = await client.post(
                f"/api/photographers/{aase['id']}/merge", json={"into": kjell["id"]}
            )
            assert response.status_code == 200
            await push(pool, central, machine, after=pushed)
            async with central.acquire() as conn:
                names = await conn.fetch(
                    "SELECT name FROM photographers WHERE origin = $1 ORDER BY name", machine
                )
                photos = await conn.fetch(
                    "SELECT hothash, photographer_id FROM photos ORDER BY hothash"
                )
                sessions = await conn.fetch("SELECT default_photographer_id FROM input_sessions")
        finally:
            await central.close()
    assert [n["name"] for n in names] == ["Default photographer", "Kjell", "Unknown photographer"]
    assert [(p["hothash"], str(p["photographer_id"])) for p in photos] == [
        (h, kjell["id"]) for h in sorted(hothashes)
    ]
    assert [str(s["default_photographer_id"]) for s in sessions] == [kjell["id"]]


async def push(local: asyncpg.Pool, central: asyncpg.Pool, machine: uuid.UUID, after: int) -> int:
    """What a push sends, from `after` to now, in one batch, received by central."""
    horizon = await sync_store.horizon(local)
    async with local.acquire() as conn:
        batch = await sync_store.read_changes(
            conn, after=after, upto=horizon, machine_name="laptop"
        )
    receipt = await central_service.receive(central, machine, batch)
    assert receipt.refused == []
    return horizon
