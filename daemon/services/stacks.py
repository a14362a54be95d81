"""Rules for stacks: one stack per photo, exactly one cover, gone when empty."""

from __future__ import annotations

import uuid

import asyncpg

from daemon.errors import Conflict, Invalid, NotFound
from daemon.store import photos as photos_store
from daemon.store import stacks as store
from daemon.store.base import Conn
from protocol.stacks import DuplicateFile, Stack


async def create(pool: asyncpg.Pool, hothashes: list[str]) -> Stack:
    """Stack photos; the first by registration becomes the cover."""
    stack_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        await _join(conn, stack_id, hothashes)
        first = await store.first(conn, stack_id)
        assert first is not None
        await store.set_cover(conn, stack_id, first)
        return await _stack(conn, stack_id)


async def get(pool: asyncpg.Pool, stack_id: uuid.UUID) -> Stack:
    """A stack with its photos."""
    async with pool.acquire() as conn:
        return await _stack(conn, stack_id)


async def add(pool: asyncpg.Pool, stack_id: uuid.UUID, hothashes: list[str]) -> Stack:
    """Add photos to a stack; its cover stays."""
    async with pool.acquire() as conn, conn.transaction():
        await _stack(conn, stack_id)
        await _join(conn, stack_id, hothashes)
        return await _stack(conn, stack_id)


async def remove(pool: asyncpg.Pool, stack_id: uuid.UUID, hothash: str) -> Stack | None:
    """Take a photo out; a removed cover passes to the first photo left, and a stack
    left empty is gone (None)."""
    async with pool.acquire() as conn, conn.transaction():
        await _stack(conn, stack_id)
        if not await store.leave(conn, stack_id, hothash):
            raise NotFound(f"photo {hothash} is not in stack {stack_id}")
        await repair(conn, [stack_id])
        if await store.first(conn, stack_id) is None:
            return None
        return await _stack(conn, stack_id)


async def set_cover(pool: asyncpg.Pool, stack_id: uuid.UUID, hothash: str) -> Stack:
    """Choose the cover among the stack's photos."""
    async with pool.acquire() as conn, conn.transaction():
        stack = await _stack(conn, stack_id)
        if hothash not in {p.hothash for p in stack.photos}:
            raise Conflict(f"photo {hothash} is not in stack {stack_id}")
        await store.set_cover(conn, stack_id, hothash)
        return await _stack(conn, stack_id)


async def dissolve(pool: asyncpg.Pool, stack_id: uuid.UUID) -> None:
    """Free every photo of the stack."""
    async with pool.acquire() as conn, conn.transaction():
        await _stack(conn, stack_id)
        await store.dissolve(conn, stack_id)


async def repair(conn: Conn, stack_ids: list[uuid.UUID]) -> None:
    """After photos left: give each stack that lost its cover the first photo left."""
    for stack_id in stack_ids:
        if await store.cover(conn, stack_id) is None:
            first = await store.first(conn, stack_id)
            if first is not None:
                await store.set_cover(conn, stack_id, first)


async def duplicates(
    pool: asyncpg.Pool, session_id: uuid.UUID | None, hothash: str | None, limit: int, offset: int
) -> list[DuplicateFile]:
    """Duplicate files, by session or by photo."""
    async with pool.acquire() as conn:
        return await store.duplicates(conn, session_id, hothash, limit, offset)


async def delete_duplicate(pool: asyncpg.Pool, duplicate_id: uuid.UUID) -> None:
    """Forget a duplicate row (the file itself is never touched)."""
    async with pool.acquire() as conn:
        if not await store.delete_duplicate(conn, duplicate_id):
            raise NotFound(f"duplicate {duplicate_id} not found")


async def _join(conn: Conn, stack_id: uuid.UUID, hothashes: list[str]) -> None:
    known = await photos_store.existing(conn, hothashes)
    missing = [h for h in hothashes if h not in known]
    if missing:
        raise Invalid(f"hothashes: no photo {missing[0]}")
    taken = await store.in_other_stacks(conn, hothashes, stack_id)
    if taken:
        raise Conflict(f"photo {taken[0]} is already in another stack")
    await store.join(conn, hothashes, stack_id)


async def _stack(conn: Conn, stack_id: uuid.UUID) -> Stack:
    photos = await store.members(conn, stack_id)
    if not photos:
        raise NotFound(f"stack {stack_id} not found")
    cover = next((p.hothash for p in photos if p.is_stack_cover), photos[0].hothash)
    return Stack(id=stack_id, cover_hothash=cover, photos=photos)
