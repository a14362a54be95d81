"""Migrations: forward-only, recorded, one at a time, and honest about mismatches."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from daemon.migrate import MigrationError, available, migrate

CATALOG_TABLES = {
    "system_settings",
    "photographers",
    "categories",
    "events",
    "input_sessions",
    "photos",
    "image_files",
    "duplicate_files",
    "session_errors",
    "collections",
    "text_items",
    "collection_items",
    "photo_corrections",
    "watched_folders",
    "sync_tombstones",
    "sync_targets",
    "sync_log",
    "registered_machines",
    "machine_tokens",
    "photo_holders",
    "ui_sessions",
    "installation_secret",
    "schema_migrations",
}


async def test_empty_database_gets_every_table(empty_database_url: str) -> None:
    conn = await asyncpg.connect(empty_database_url)
    try:
        applied = await migrate(conn)
        assert applied == [m.version for m in available()]
        tables = {
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        assert tables == CATALOG_TABLES
        recorded = await conn.fetch("SELECT version, name FROM schema_migrations ORDER BY 1")
        assert [(r["version"], r["name"]) for r in recorded] == [
            (m.version, m.name) for m in available()
        ]
    finally:
        await conn.close()


async def test_second_run_applies_nothing(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        assert await migrate(conn) == []
    finally:
        await conn.close()


async def test_concurrent_starts_migrate_once(empty_database_url: str) -> None:
    conns = [await asyncpg.connect(empty_database_url) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(c) for c in conns))
        assert sorted(len(r) for r in results) == [0, 0, len(available())]
        count = await conns[0].fetchval("SELECT count(*) FROM schema_migrations")
        assert count == len(available())
    finally:
        for conn in conns:
            await conn.close()


async def test_edited_migration_is_refused(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1")
        with pytest.raises(MigrationError, match="changed after it was applied"):
            await migrate(conn)
    finally:
        await conn.close()


async def test_database_from_a_newer_version_is_refused(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')"
        )
        with pytest.raises(MigrationError, match="newer version"):
            await migrate(conn)
    finally:
        await conn.close()


async def test_failed_migration_leaves_nothing_behind(empty_database_url: str) -> None:
    conn = await asyncpg.connect(empty_database_url)
    try:
        # An object the first migration creates already exists: that migration fails whole.
        await conn.execute("CREATE TABLE photos (x int)")
        with pytest.raises(asyncpg.DuplicateTableError):
            await migrate(conn)
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == 0
        assert await conn.fetchval("SELECT to_regclass('public.photographers')") is None
        # The advisory lock was released: another session can take it at once.
        other = await asyncpg.connect(empty_database_url)
        try:
            assert await other.fetchval("SELECT pg_try_advisory_lock($1)", 0x486F7450)
        finally:
            await other.close()
    finally:
        await conn.close()
