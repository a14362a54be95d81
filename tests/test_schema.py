"""The schema's own guarantees: constraints, cascades, updated_at, the settings row."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import pytest

from daemon.services import settings as settings_service
from tests.support.factories import HASH_A, add_photo

HASH_B = "b" * 64


@pytest.fixture
async def conn(pool: asyncpg.Pool, database_url: str) -> Any:
    await settings_service.bootstrap(pool)
    # A plain connection: these tests see the schema's own errors, not the pool's
    # translation of them into domain errors (tests/catalog/test_constraints.py).
    connection = await asyncpg.connect(database_url)
    try:
        yield connection
    finally:
        await connection.close()


async def test_bootstrap_is_idempotent_and_keeps_the_installation_id(pool: asyncpg.Pool) -> None:
    first = await settings_service.bootstrap(pool)
    second = await settings_service.bootstrap(pool)
    assert first.installation_id == second.installation_id
    assert (first.default_sort, first.coldpreview_max_px, first.coldpreview_quality) == (
        "taken_at_desc",
        1200,
        85,
    )
    assert (first.browse_buffer_size, first.show_deleted_in_gallery) == (100, False)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM system_settings") == 1
        assert await conn.fetchval("SELECT count(*) FROM photographers WHERE is_default") == 1
        assert await conn.fetchval("SELECT count(*) FROM photographers WHERE is_unknown") == 1


async def test_concurrent_bootstraps_make_one_of_each(pool: asyncpg.Pool) -> None:
    await asyncio.gather(*(settings_service.bootstrap(pool) for _ in range(4)))
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM photographers") == 2


async def test_installation_id_is_immutable(conn: Any) -> None:
    with pytest.raises(asyncpg.CheckViolationError, match="immutable"):
        await conn.execute("UPDATE system_settings SET installation_id = gen_random_uuid()")


async def test_a_second_settings_row_is_impossible(conn: Any) -> None:
    with pytest.raises(asyncpg.UniqueViolationError):
        await conn.execute("INSERT INTO system_settings DEFAULT VALUES")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("rating", 7),
        ("rating", 0),
        ("taken_at_accuracy", "minute"),
        ("location_accuracy", "planet"),
        ("taken_at_source", 3),
        ("iso", 0),
    ],
)
async def test_photo_checks(conn: Any, column: str, value: object) -> None:
    with pytest.raises(asyncpg.CheckViolationError):
        await add_photo(conn, HASH_A, **{column: value})


async def test_hothash_must_be_64_lowercase_hex_and_unique(conn: Any) -> None:
    with pytest.raises(asyncpg.CheckViolationError):
        await add_photo(conn, "../../etc/passwd")
    with pytest.raises(asyncpg.CheckViolationError):
        await add_photo(conn, "A" * 64)
    await add_photo(conn, HASH_A)
    with pytest.raises(asyncpg.UniqueViolationError):
        await add_photo(conn, HASH_A)


async def test_location_needs_both_coordinates_and_a_source(conn: Any) -> None:
    with pytest.raises(asyncpg.CheckViolationError):
        await add_photo(conn, HASH_A, location_lat=59.9)
    with pytest.raises(asyncpg.CheckViolationError):
        await add_photo(conn, HASH_A, location_lat=91.0, location_lng=10.0, location_source=0)
    await add_photo(
        conn,
        HASH_A,
        location_lat=59.9,
        location_lng=10.7,
        location_source=0,
        location_accuracy="exact",
    )


async def test_correction_ranges(conn: Any) -> None:
    photo = await add_photo(conn, HASH_A)
    await conn.execute("INSERT INTO photo_corrections (photo_id) VALUES ($1)", photo)
    for bad in (
        "rotation = 45",
        "horizon_angle = 20",
        "crop_left = 0.6, crop_right = 0.5",
        "crop_top = -0.1",
        "exposure_ev = 9",
    ):
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(f"UPDATE photo_corrections SET {bad} WHERE photo_id = $1", photo)
    await conn.execute(
        "UPDATE photo_corrections SET rotation = 90, crop_left = 0.1 WHERE photo_id = $1", photo
    )


async def test_file_type_and_unique_paths(conn: Any) -> None:
    photo = await add_photo(conn, HASH_A)
    insert = (
        "INSERT INTO image_files (photo_id, file_path, file_type, is_master) VALUES ($1,$2,$3,$4)"
    )
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute(insert, photo, "/p/a.gif", "GIF", True)
    await conn.execute(insert, photo, "/p/a.jpg", "JPEG", True)
    with pytest.raises(asyncpg.UniqueViolationError):
        await conn.execute(insert, photo, "/p/a.jpg", "JPEG", False)
    with pytest.raises(asyncpg.UniqueViolationError):
        await conn.execute(insert, photo, "/p/a.cr2", "RAW", True)  # a second master
    dup = "INSERT INTO duplicate_files (photo_id, file_path) VALUES ($1, $2)"
    await conn.execute(dup, photo, "/copy/a.jpg")
    with pytest.raises(asyncpg.UniqueViolationError):
        await conn.execute(dup, photo, "/copy/a.jpg")


async def test_deleting_a_photo_cascades_and_clears_covers(conn: Any) -> None:
    photo = await add_photo(conn, HASH_A)
    await conn.execute(
        "INSERT INTO image_files (photo_id, file_path, file_type, is_master) "
        "VALUES ($1, '/p/a.jpg', 'JPEG', true)",
        photo,
    )
    await conn.execute(
        "INSERT INTO duplicate_files (photo_id, file_path) VALUES ($1, '/c/a.jpg')", photo
    )
    event = await conn.fetchval(
        "INSERT INTO events (name, cover_hothash) VALUES ('Trip', $1) RETURNING id", HASH_A
    )
    collection = await conn.fetchval(
        "INSERT INTO collections (name, cover_hothash) VALUES ('Best', $1) RETURNING id", HASH_A
    )
    await conn.execute(
        "INSERT INTO collection_items (collection_id, hothash, position) VALUES ($1, $2, 0)",
        collection,
        HASH_A,
    )
    await conn.execute("DELETE FROM photos WHERE id = $1", photo)
    for table in ("image_files", "duplicate_files", "collection_items"):
        assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 0, table
    assert await conn.fetchval("SELECT cover_hothash FROM events WHERE id = $1", event) is None
    assert (
        await conn.fetchval("SELECT cover_hothash FROM collections WHERE id = $1", collection)
        is None
    )


async def test_deleting_an_event_keeps_its_photos(conn: Any) -> None:
    event = await conn.fetchval("INSERT INTO events (name) VALUES ('Trip') RETURNING id")
    photo = await add_photo(conn, HASH_A, event_id=event)
    await conn.execute("DELETE FROM events WHERE id = $1", event)
    assert await conn.fetchval("SELECT event_id FROM photos WHERE id = $1", photo) is None


async def test_one_cover_per_stack(conn: Any) -> None:
    stack = uuid.uuid4()
    await add_photo(conn, HASH_A, stack_id=stack, is_stack_cover=True)
    with pytest.raises(asyncpg.UniqueViolationError):
        await add_photo(conn, HASH_B, stack_id=stack, is_stack_cover=True)


async def test_collection_item_is_a_photo_or_a_text_card(conn: Any) -> None:
    collection = await conn.fetchval("INSERT INTO collections (name) VALUES ('c') RETURNING id")
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute(
            "INSERT INTO collection_items (collection_id, position) VALUES ($1, 0)", collection
        )


async def test_updated_at_is_kept_by_the_database(conn: Any) -> None:
    photo = await add_photo(conn, HASH_A)
    before = await conn.fetchval("SELECT updated_at FROM photos WHERE id = $1", photo)
    await conn.execute("UPDATE photos SET rating = 4 WHERE id = $1", photo)
    after = await conn.fetchval("SELECT updated_at FROM photos WHERE id = $1", photo)
    assert after > before
    synced = await conn.fetch(
        "SELECT event_object_table FROM information_schema.triggers "
        "WHERE trigger_name LIKE '%updated_at'"
    )
    assert {r["event_object_table"] for r in synced} >= {
        "photos",
        "image_files",
        "input_sessions",
        "events",
        "collections",
        "collection_items",
        "photo_corrections",
        "photographers",
        "categories",
        "text_items",
    }
