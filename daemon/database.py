"""Connecting to the catalog database: creating it, the pool, and type codecs."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec

from daemon.migrate import migrate
from daemon.store.base import decode_date, decode_wall_time, encode_date, encode_wall_time
from daemon.store.errors import CatalogConnection

log = logging.getLogger(__name__)

CATALOG_DATABASE = "hotprevue"


class DatabaseUnavailable(Exception):
    """The database cannot be reached right now (down or restarting); retry later."""


# What a call raises while the database is down, restarting or gone mid-query: the
# client gets 503, a registration ends `interrupted`. InternalClientError is asyncpg's
# protocol state machine tripping over a connection whose server died under it.
UNAVAILABLE: tuple[type[Exception], ...] = (
    DatabaseUnavailable,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.InternalClientError,
)


# Raised by a connection that died under its user; the API answers 503 for those that
# `connection_lost` recognises, 500 for the rest (an InterfaceError can also be a bug).
CONNECTION_ERRORS: tuple[type[Exception], ...] = (*UNAVAILABLE, asyncpg.InterfaceError)


def connection_lost(exc: BaseException) -> bool:
    """True when the error, or one it was raised while handling, says the database went
    away (a transaction's rollback on a dead connection raises an InterfaceError)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, UNAVAILABLE):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


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
    # Wall times and dates exactly, with no aliasing: asyncpg's own codecs write Python's
    # first and last instants and days as -infinity and infinity, which are no times.
    for name, encoder, decoder in (
        ("timestamp", encode_wall_time, decode_wall_time),
        ("date", encode_date, decode_date),
    ):
        await conn.set_type_codec(
            name, encoder=encoder, decoder=decoder, schema="pg_catalog", format="tuple"
        )


async def _connect(dsn: str | None = None, **kwargs: Any) -> asyncpg.Connection:
    # A refused or timed-out connect says "down", not "bug": name it so callers can tell.
    try:
        return await asyncpg.connect(dsn, **kwargs)
    except (OSError, TimeoutError) as exc:
        raise DatabaseUnavailable(f"cannot connect to the database: {exc}") from exc


async def create_pool(dsn: str, *, max_size: int = 10) -> asyncpg.Pool:
    """A connection pool with Hotprevue's codecs."""
    pool: asyncpg.Pool = await asyncpg.create_pool(
        dsn,
        min_size=1,
        max_size=max_size,
        init=_init_connection,
        command_timeout=60,
        connect=_connect,
        # Constraint violations leave every statement as NotFound/Conflict/Invalid.
        connection_class=CatalogConnection,
    )
    return pool


async def close_pool(pool: asyncpg.Pool, timeout: float = 10.0) -> None:
    """Close gracefully; after the timeout, terminate connections still in use."""
    try:
        await asyncio.wait_for(pool.close(), timeout)
    except TimeoutError:
        log.warning("database connections still busy after %.0f s; terminating them", timeout)
        pool.terminate()
