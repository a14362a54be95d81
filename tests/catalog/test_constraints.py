"""Constraint violations reach clients as 404/409/422 from one map, never as a 500."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from daemon.errors import Conflict, Invalid
from daemon.store.errors import CONSTRAINTS
from tests.support.app import Client
from tests.support.factories import add_photos

NOWHERE = "f" * 64  # a well-formed hothash no photo has
NO_ID = uuid.UUID("00000000-0000-4000-8000-00000000abcd")  # an id nothing has

# Every constraint of the migrated schema, and every unique index that backs none.
SCHEMA_CONSTRAINTS = """
SELECT conname AS name FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL
SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indisunique AND c.relnamespace = 'public'::regnamespace
    AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
"""


async def test_every_constraint_has_an_entry_in_the_map(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        names = [row["name"] for row in await conn.fetch(SCHEMA_CONSTRAINTS)]
    # The map is keyed by name alone, so no two constraints may share one.
    assert len(names) == len(set(names))
    assert sorted(set(names) - set(CONSTRAINTS)) == [], "constraints without an entry"
    assert sorted(set(CONSTRAINTS) - set(names)) == [], "entries without a constraint"


Violation = Callable[[Client, asyncpg.Pool], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Case:
    """One way a client can break one constraint through the API."""

    constraint: str
    status: int
    violate: Violation
    value: str | None = None  # the key value the detail names, when there is one
    in_use: bool = False  # a foreign key refusing a delete, not a missing row


async def _photo(pool: asyncpg.Pool) -> str:
    (hothash,) = await add_photos(pool, [{}])
    return hothash


async def _created(client: Client, path: str, body: dict[str, Any]) -> str:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _upload_session(client: Client, **defaults: Any) -> httpx.Response:
    return await client.post(
        "/api/input-sessions",
        json={"name": "Laptop", "source_path": "/remote/photos", "upload": True, **defaults},
    )


async def _category_name(client: Client, _: asyncpg.Pool) -> httpx.Response:
    await _created(client, "/api/categories", {"name": "Work"})
    return await client.post("/api/categories", json={"name": "Work"})


async def _category_rename(client: Client, _: asyncpg.Pool) -> httpx.Response:
    await _created(client, "/api/categories", {"name": "Work"})
    other = await _created(client, "/api/categories", {"name": "Play"})
    return await client.patch(f"/api/categories/{other}", json={"name": "Work"})


async def _own_parent(client: Client, _: asyncpg.Pool) -> httpx.Response:
    event = await _created(client, "/api/events", {"name": "Trip"})
    return await client.patch(f"/api/events/{event}", json={"parent_id": event})


async def _missing_parent(client: Client, _: asyncpg.Pool) -> httpx.Response:
    return await client.post("/api/events", json={"name": "Day 1", "parent_id": str(NO_ID)})


async def _parent_in_use(client: Client, _: asyncpg.Pool) -> httpx.Response:
    parent = await _created(client, "/api/events", {"name": "Trip"})
    await _created(client, "/api/events", {"name": "Day 1", "parent_id": parent})
    return await client.delete(f"/api/events/{parent}")


async def _event_cover(client: Client, _: asyncpg.Pool) -> httpx.Response:
    return await client.post("/api/events", json={"name": "Trip", "cover_hothash": NOWHERE})


async def _session_photographer(client: Client, _: asyncpg.Pool) -> httpx.Response:
    return await _upload_session(client, default_photographer_id=str(NO_ID))


async def _session_photographer_in_use(client: Client, _: asyncpg.Pool) -> httpx.Response:
    photographer = await _created(client, "/api/photographers", {"name": "Kari"})
    assert (await _upload_session(client, default_photographer_id=photographer)).is_success
    return await client.delete(f"/api/photographers/{photographer}")


async def _session_event(client: Client, _: asyncpg.Pool) -> httpx.Response:
    return await _upload_session(client, default_event_id=str(NO_ID))


def _patch_photo(body: dict[str, Any]) -> Violation:
    async def violate(client: Client, pool: asyncpg.Pool) -> httpx.Response:
        return await client.patch(f"/api/photos/{await _photo(pool)}", json=body)

    return violate


async def _companion_path(client: Client, pool: asyncpg.Pool) -> httpx.Response:
    url = f"/api/photos/{await _photo(pool)}/companions"
    body = {"path": "/photos/IMG_1.CR2", "type": "RAW"}
    assert (await client.post(url, json=body)).status_code == 201
    return await client.post(url, json=body)


async def _collection_cover(client: Client, _: asyncpg.Pool) -> httpx.Response:
    return await client.post("/api/collections", json={"name": "Best", "cover_hothash": NOWHERE})


async def _collection_recover(client: Client, _: asyncpg.Pool) -> httpx.Response:
    collection = await _created(client, "/api/collections", {"name": "Best"})
    return await client.patch(f"/api/collections/{collection}", json={"cover_hothash": NOWHERE})


async def _item_collection(client: Client, pool: asyncpg.Pool) -> httpx.Response:
    return await client.post(
        f"/api/collections/{NO_ID}/items", json={"hothash": await _photo(pool)}
    )


async def _item_photo(client: Client, _: asyncpg.Pool) -> httpx.Response:
    collection = await _created(client, "/api/collections", {"name": "Best"})
    return await client.post(f"/api/collections/{collection}/items", json={"hothash": NOWHERE})


async def _item_photos(client: Client, pool: asyncpg.Pool) -> httpx.Response:
    collection = await _created(client, "/api/collections", {"name": "Best"})
    return await client.post(
        f"/api/collections/{collection}/items/batch",
        json={"hothashes": [await _photo(pool), NOWHERE]},
    )


async def _item_card(client: Client, _: asyncpg.Pool) -> httpx.Response:
    collection = await _created(client, "/api/collections", {"name": "Best"})
    return await client.post(
        f"/api/collections/{collection}/items", json={"text_item_id": str(NO_ID)}
    )


CASES = [
    Case("categories_name_key", 409, _category_name, "Work"),
    Case("categories_name_key", 409, _category_rename, "Work"),
    Case("events_check", 409, _own_parent),
    Case("events_parent_id_fkey", 422, _missing_parent, str(NO_ID)),
    Case("events_parent_id_fkey", 409, _parent_in_use, in_use=True),
    Case("events_cover_hothash_fkey", 422, _event_cover, NOWHERE),
    Case("input_sessions_default_photographer_id_fkey", 422, _session_photographer, str(NO_ID)),
    Case(
        "input_sessions_default_photographer_id_fkey",
        409,
        _session_photographer_in_use,
        in_use=True,
    ),
    Case("input_sessions_default_event_id_fkey", 422, _session_event, str(NO_ID)),
    Case("photos_category_id_fkey", 422, _patch_photo({"category_id": str(NO_ID)}), str(NO_ID)),
    Case("photos_event_id_fkey", 422, _patch_photo({"event_id": str(NO_ID)}), str(NO_ID)),
    Case(
        "photos_photographer_id_fkey",
        422,
        _patch_photo({"photographer_id": str(NO_ID)}),
        str(NO_ID),
    ),
    Case("image_files_file_path_key", 409, _companion_path, "/photos/IMG_1.CR2"),
    Case("collections_cover_hothash_fkey", 422, _collection_cover, NOWHERE),
    Case("collections_cover_hothash_fkey", 422, _collection_recover, NOWHERE),
    Case("collection_items_collection_id_fkey", 404, _item_collection, str(NO_ID)),
    Case("collection_items_hothash_fkey", 422, _item_photo, NOWHERE),
    Case("collection_items_hothash_fkey", 422, _item_photos, NOWHERE),
    Case("collection_items_text_item_id_fkey", 422, _item_card, str(NO_ID)),
]


def _case_id(case: Case) -> str:
    return f"{case.constraint}-{case.violate.__name__.strip('_')}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
async def test_each_reachable_constraint_answers_through_the_api(
    client: Client, pool: asyncpg.Pool, case: Case
) -> None:
    response = await case.violate(client, pool)
    assert response.status_code == case.status, response.text
    rule = CONSTRAINTS[case.constraint]
    message = rule.in_use if case.in_use else rule.message
    assert message is not None
    detail = response.json()["detail"]
    assert detail.startswith(message), detail
    if case.value is not None:
        assert f"={case.value})" in detail, detail


async def test_a_refused_change_leaves_nothing_behind(client: Client, pool: asyncpg.Pool) -> None:
    # The new card of a refused item goes with the refused item: one transaction.
    response = await client.post(f"/api/collections/{NO_ID}/items", json={"title": "Hello"})
    assert response.status_code == 404, response.text
    assert (await client.get("/api/text-items")).json() == []


async def test_unmapped_constraints_answer_409_or_422_not_500(
    client: Client, pool: asyncpg.Pool
) -> None:
    # Constraints a later migration might add without an entry in the map.
    async with pool.acquire() as conn:
        await conn.execute(
            "ALTER TABLE categories ADD CONSTRAINT later_check CHECK (name <> 'Forbidden')"
        )
        await conn.execute("CREATE UNIQUE INDEX later_unique ON photographers (lower(name))")
        await conn.execute("ALTER TABLE photos ALTER COLUMN rating SET NOT NULL")
    check = await client.post("/api/categories", json={"name": "Forbidden"})
    assert (check.status_code, check.json()["detail"]) == (422, "a value is not allowed")
    await _created(client, "/api/photographers", {"name": "Kari"})
    unique = await client.post("/api/photographers", json={"name": "KARI"})
    assert unique.status_code == 409, unique.text
    assert unique.json()["detail"].startswith("it already exists")
    (photo,) = await add_photos(pool, [{"rating": 3}])
    not_null = await client.patch(f"/api/photos/{photo}", json={"rating": None})
    assert (not_null.status_code, not_null.json()["detail"]) == (
        422,
        "rating: a value is required",
    )


async def test_a_statement_outside_any_service_is_translated_too(pool: asyncpg.Pool) -> None:
    # No service wrapped this: the pool's connections translate every statement.
    async with pool.acquire() as conn:
        await conn.execute("INSERT INTO categories (name) VALUES ('Work')")
        with pytest.raises(Conflict, match=r"^a category with this name already exists"):
            await conn.execute("INSERT INTO categories (name) VALUES ('Work')")
        with pytest.raises(Invalid, match=r"^name must not be blank$"):
            async with conn.transaction():
                await conn.execute("UPDATE categories SET name = ' '")
        # Kept as the cause, for the log.
        with pytest.raises(Conflict) as raised:
            await conn.fetchval("INSERT INTO categories (name) VALUES ('Work') RETURNING id")
        assert isinstance(raised.value.__cause__, asyncpg.UniqueViolationError)


@pytest.mark.parametrize(
    ("path", "field", "constraint"),
    [
        ("category", "category_id", "photos_category_id_fkey"),
        ("event", "event_id", "photos_event_id_fkey"),
        ("photographer", "photographer_id", "photos_photographer_id_fkey"),
    ],
)
async def test_batches_refuse_missing_references_in_the_same_words(
    client: Client, pool: asyncpg.Pool, path: str, field: str, constraint: str
) -> None:
    # Checked before writing, since no row may be written at all (every photo missing).
    for photos in ([await _photo(pool)], [NOWHERE]):
        response = await client.post(
            f"/api/photos/batch/{path}", json={"hothashes": photos, field: str(NO_ID)}
        )
        assert response.status_code == 422, response.text
        assert response.json()["detail"] == f"{CONSTRAINTS[constraint].message} ({field}={NO_ID})"
