"""Rules for categories: names are unique; deleting one clears it from its photos."""

from __future__ import annotations

import uuid

import asyncpg

from daemon.errors import NotFound, found
from daemon.store import categories as store
from daemon.store.base import changes
from protocol.categories import Category, CategoryCreate, CategoryPatch


async def list_all(pool: asyncpg.Pool) -> list[Category]:
    """Every category in display order."""
    async with pool.acquire() as conn:
        return await store.list_all(conn)


async def get(pool: asyncpg.Pool, category_id: uuid.UUID) -> Category:
    """One category."""
    async with pool.acquire() as conn:
        return found(await store.get(conn, category_id), f"category {category_id}")


async def create(pool: asyncpg.Pool, data: CategoryCreate) -> Category:
    """Add a category (409 when the name is taken)."""
    async with pool.acquire() as conn:
        return await store.insert(conn, data)


async def update(pool: asyncpg.Pool, category_id: uuid.UUID, patch: CategoryPatch) -> Category:
    """Change a category."""
    values = changes(patch)
    async with pool.acquire() as conn:
        if not values:
            return found(await store.get(conn, category_id), f"category {category_id}")
        return found(await store.update(conn, category_id, values), f"category {category_id}")


async def delete(pool: asyncpg.Pool, category_id: uuid.UUID) -> None:
    """Remove a category; its photos keep everything else."""
    async with pool.acquire() as conn:
        if not await store.delete(conn, category_id):
            raise NotFound(f"category {category_id} not found")
