"""Connecting to the catalog database: creating it, the pool, and type codecs."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec

from daemon.migrate import migrate

log = logging.getLogger(__name__)

CATALOG_DATABASE = "hotprevue"


def with_database(dsn: str, database: str) -> str:
    """The same server URL, naming another database."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + database))


async def ensure_database(admin_dsn: str, database: str = CATALOG_DATABASE) -> str:
    """Create the catalog database on first start; return its URL."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            log.info("creating database %s", database)
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
    return with_database(admin_dsn, database)


async def run_migrations(dsn: str) -> list[int]:
    """Bring the schema up to date on a connection of its own."""
    conn = await asyncpg.connect(dsn)
    try:
        return await migrate(conn)
    finally:
        await conn.close()


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb as Python values, encoded by msgspec (fast, and the same encoder the API uses).
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda value: msgspec.json.encode(value).decode(),
        decoder=msgspec.json.decode,
        schema="pg_catalog",
    )


async def create_pool(dsn: str, *, max_size: int = 10) -> asyncpg.Pool:
    """A connection pool with Hotprevue's codecs."""
    pool: asyncpg.Pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=max_size, init=_init_connection, command_timeout=60
    )
    return pool


async def close_pool(pool: asyncpg.Pool, timeout: float = 10.0) -> None:
    """Close gracefully; after the timeout, terminate connections still in use."""
    try:
        await asyncio.wait_for(pool.close(), timeout)
    except TimeoutError:
        log.warning("database connections still busy after %.0f s; terminating them", timeout)
        pool.terminate()
