"""`/api/photographers`: CRUD, the protected special rows, the in-use rule."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.support.app import Client
from tests.support.factories import HASH_A, add_photo


async def special(client: Client) -> dict[str, dict[str, object]]:
    rows = (await client.get("/api/photographers")).json()
    return {
        "default": next(r for r in rows if r["is_default"]),
        "unknown": next(r for r in rows if r["is_unknown"]),
    }


async def test_special_rows_exist_and_come_first(client: Client) -> None:
    await client.post("/api/photographers", json={"name": "Aase"})
    rows = (await client.get("/api/photographers")).json()
    assert [r["is_default"] for r in rows][:1] == [True]
    assert rows[1]["is_unknown"] is True
    assert rows[2]["name"] == "Aase"


async def test_crud(client: Client) -> None:
    created = await client.post(
        "/api/photographers", json={"name": "Kjell", "website": "https://k.example"}
    )
    assert created.status_code == 201
    kjell = created.json()
    assert kjell["website"] == "https://k.example"
    assert kjell["is_default"] is False
    url = f"/api/photographers/{kjell['id']}"
    assert (await client.get(url)).json() == kjell
    patched = await client.patch(url, json={"bio": "Family archivist"})
    assert patched.status_code == 200
    assert patched.json()["bio"] == "Family archivist"
    assert patched.json()["name"] == "Kjell"
    assert (await client.delete(url)).status_code == 204
    assert (await client.get(url)).status_code == 404


async def test_special_rows_cannot_be_deleted_but_can_be_renamed(client: Client) -> None:
    rows = await special(client)
    for row in rows.values():
        response = await client.delete(f"/api/photographers/{row['id']}")
        assert response.status_code == 409
        assert "built-in" in response.json()["detail"]
    renamed = await client.patch(
        f"/api/photographers/{rows['default']['id']}", json={"name": "Kjell Hansen"}
    )
    assert renamed.json()["name"] == "Kjell Hansen"
    assert renamed.json()["is_default"] is True


async def test_delete_refused_while_photos_refer_to_it(client: Client, pool: asyncpg.Pool) -> None:
    aase = (await client.post("/api/photographers", json={"name": "Aase"})).json()
    async with pool.acquire() as conn:
        await add_photo(conn, HASH_A, photographer_id=uuid.UUID(aase["id"]))
    response = await client.delete(f"/api/photographers/{aase['id']}")
    assert response.status_code == 409
    assert "1 photo" in response.json()["detail"]
    assert (await client.get(f"/api/photographers/{aase['id']}")).status_code == 200


async def test_unknown_ids_are_404(client: Client) -> None:
    missing = f"/api/photographers/{uuid.uuid4()}"
    assert (await client.get(missing)).status_code == 404
    assert (await client.patch(missing, json={"name": "x"})).status_code == 404
    response = await client.delete(missing)
    assert response.status_code == 404
    assert "not found" in response.json()["detail"]


async def test_malformed_id_never_reaches_the_database(client: Client) -> None:
    response = await client.get("/api/photographers/not-a-uuid")
    assert response.status_code in (404, 422)
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": 7}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Ok", "is_default": True}, "is_default"),
    ],
)
async def test_invalid_bodies_are_422(client: Client, body: dict[str, object], field: str) -> None:
    response = await client.post("/api/photographers", json=body)
    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert len((await client.get("/api/photographers")).json()) == 2


@pytest.mark.parametrize("name", ["nul\x00byte", "lone \ud800 surrogate"])
async def test_unstorable_text_is_422(client: Client, name: str) -> None:
    body = (
        '{"name": "' + name.encode("unicode_escape").decode().replace("\\x00", "\\u0000") + '"}'
    ).encode("utf-8", "surrogatepass")
    response = await client.post(
        "/api/photographers", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert len((await client.get("/api/photographers")).json()) == 2
