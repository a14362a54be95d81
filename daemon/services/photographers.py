"""Rules for photographers: the default and unknown rows are protected; merging one
photographer into another moves everything that names it."""

from __future__ import annotations

import uuid

import asyncpg

from daemon.errors import Conflict, Invalid, found
from daemon.services.ports import Watcher
from daemon.store import photographers as store
from daemon.store.base import changes
from protocol.photographers import Photographer, PhotographerCreate, PhotographerPatch


async def list_all(pool: asyncpg.Pool) -> list[Photographer]:
    """Every photographer."""
    async with pool.acquire() as conn:
        return await store.list_all(conn)


async def get(pool: asyncpg.Pool, photographer_id: uuid.UUID) -> Photographer:
    """One photographer."""
    async with pool.acquire() as conn:
        return found(await store.get(conn, photographer_id), f"photographer {photographer_id}")


async def create(pool: asyncpg.Pool, data: PhotographerCreate) -> Photographer:
    """Add a photographer."""
    async with pool.acquire() as conn:
        return await store.insert(conn, data)


async def update(
    pool: asyncpg.Pool, photographer_id: uuid.UUID, patch: PhotographerPatch
) -> Photographer:
    """Change a photographer's details (the special rows may be renamed too)."""
    values = changes(patch)
    async with pool.acquire() as conn:
        if not values:
            return found(await store.get(conn, photographer_id), f"photographer {photographer_id}")
        return found(
            await store.update(conn, photographer_id, values), f"photographer {photographer_id}"
        )


async def delete(pool: asyncpg.Pool, photographer_id: uuid.UUID) -> None:
    """Remove a photographer no photo refers to; the special rows stay."""
    async with pool.acquire() as conn, conn.transaction():
        photographer = found(
            await store.get(conn, photographer_id), f"photographer {photographer_id}"
        )
        if photographer.is_default or photographer.is_unknown:
            raise Conflict(
                f"'{photographer.name}' is a built-in photographer and cannot be deleted"
            )
        # The foreign keys refuse too, but cannot say how many photos are concerned.
        count = await store.photo_count(conn, photographer_id)
        if count:
            raise Conflict(
                f"'{photographer.name}' is the photographer of {count} photo(s); "
                "move them to another photographer first"
            )
        await store.delete(conn, photographer_id)


async def merge(
    pool: asyncpg.Pool, watcher: Watcher, photographer_id: uuid.UUID, into: uuid.UUID
) -> Photographer:
    """Give every photo, session and watched folder of one photographer to another, and
    remove the first, all in one transaction; returns the one that stays."""
    if photographer_id == into:
        raise Invalid("into: a photographer cannot be merged into itself")
    async with pool.acquire() as conn, conn.transaction():
        locked = await store.lock(conn, [photographer_id, into])
        source = found(locked.get(photographer_id), f"photographer {photographer_id}")
        target = found(locked.get(into), f"photographer {into}")
        if source.is_default or source.is_unknown:
            raise Conflict(
                f"'{source.name}' is a built-in photographer and cannot be merged away; "
                "merge the other photographer into it instead"
            )
        running = await store.registering(conn, photographer_id)
        if running:
            raise Conflict(
                f"{running} registration(s) still running give their photos to "
                f"'{source.name}'; merge when they have finished"
            )
        await store.reassign(conn, photographer_id, into)
        await store.delete(conn, photographer_id)
    # The watcher keeps each folder's photographer: it reads them again.
    watcher.reload()
    return target
