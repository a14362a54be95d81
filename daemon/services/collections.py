"""Rules for collections: items in an order only `reorder` rewrites; clones copy cards."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import asyncpg

from daemon.errors import Invalid, NotFound, found
from daemon.store import collections as store
from daemon.store.base import Conn, changes
from protocol.collections import (
    Collection,
    CollectionCreate,
    CollectionItem,
    CollectionPatch,
    ItemCreate,
    ItemPosition,
    ItemsMove,
    TextItem,
    TextItemCreate,
    TextItemPatch,
)

# One past the largest position an int column holds.
_POSITION_END = 2**31


async def list_all(pool: asyncpg.Pool, *, covers: bool = True) -> list[Collection]:
    """Every collection; without covers when `covers` is false."""
    async with pool.acquire() as conn:
        return await store.list_all(conn, covers=covers)


async def get(pool: asyncpg.Pool, collection_id: uuid.UUID) -> Collection:
    """One collection."""
    async with pool.acquire() as conn:
        return await _collection(conn, collection_id)


async def create(pool: asyncpg.Pool, data: CollectionCreate) -> Collection:
    """Add a collection."""
    async with pool.acquire() as conn:
        collection_id = await store.insert(conn, data.name, data.description, data.cover_hothash)
        return await _collection(conn, collection_id)


async def update(
    pool: asyncpg.Pool, collection_id: uuid.UUID, patch: CollectionPatch
) -> Collection:
    """Change a collection's name, description or cover."""
    values: dict[str, Any] = changes(patch)
    async with pool.acquire() as conn:
        await _collection(conn, collection_id)
        if values:
            await store.update(conn, collection_id, values)
        return await _collection(conn, collection_id)


async def delete(pool: asyncpg.Pool, collection_id: uuid.UUID) -> None:
    """Remove a collection; its photos stay in the catalog."""
    async with pool.acquire() as conn:
        if not await store.delete(conn, collection_id):
            raise NotFound(f"collection {collection_id} not found")


async def items(
    pool: asyncpg.Pool, collection_id: uuid.UUID, limit: int | None = None, offset: int = 0
) -> list[CollectionItem]:
    """The items in order: all of them, or a page of `limit` from `offset` on."""
    async with pool.acquire() as conn:
        if not await store.exists(conn, collection_id):
            raise NotFound(f"collection {collection_id} not found")
        return await store.items(conn, collection_id, limit, offset)


async def add_item(
    pool: asyncpg.Pool, collection_id: uuid.UUID, data: ItemCreate
) -> CollectionItem:
    """Add a photo or a text card (an existing one, or a new one from title and body).

    A collection, photo or card that does not exist is answered by the item's keys."""
    kinds = [
        data.hothash is not None,
        data.text_item_id is not None,
        data.title is not None or data.body is not None,
    ]
    if sum(kinds) != 1:
        raise Invalid("give exactly one of hothash, text_item_id, or title/body")
    async with pool.acquire() as conn, conn.transaction():
        # Locked like a move: two additions at the end never take the same position. A
        # collection that is not there is answered by the item's key.
        await store.lock(conn, collection_id)
        position = (
            data.position
            if data.position is not None
            else (await store.next_position(conn, collection_id))
        )
        if data.hothash is not None:
            (item_id,) = await store.add_photos(
                conn, collection_id, [data.hothash], position, data.caption
            )
        else:
            card_id = data.text_item_id
            if card_id is None:
                card_id = (await store.insert_text(conn, data.title or "", data.body or "")).id
            item_id = await store.add_text(conn, collection_id, card_id, position, data.caption)
        return await store.item(conn, collection_id, item_id)


async def add_photos(
    pool: asyncpg.Pool, collection_id: uuid.UUID, hothashes: list[str], position: int | None
) -> list[CollectionItem]:
    """Add many photos, in order, at one position (default: the end)."""
    async with pool.acquire() as conn, conn.transaction():
        await store.lock(conn, collection_id)
        at = position if position is not None else await store.next_position(conn, collection_id)
        await store.add_photos(conn, collection_id, hothashes, at, "")
        return await store.items(conn, collection_id)


async def reorder(
    pool: asyncpg.Pool, collection_id: uuid.UUID, ordered: list[uuid.UUID]
) -> list[CollectionItem]:
    """Rewrite every position from the full list of item ids."""
    async with pool.acquire() as conn, conn.transaction():
        await _lock(conn, collection_id)
        current = await store.item_ids(conn, collection_id)
        if len(ordered) != len(set(ordered)) or set(ordered) != current:
            raise Invalid(
                f"item_ids must list each of the collection's {len(current)} items exactly once"
            )
        await store.reorder(conn, collection_id, ordered)
        return await store.items(conn, collection_id)


async def move(pool: asyncpg.Pool, collection_id: uuid.UUID, data: ItemsMove) -> list[ItemPosition]:
    """Move items, in the order given, to just before `data.before` (None: to the end);
    returns their new positions. Every other item keeps its place in the order.

    Usually only the moved rows are written, into the gap ahead of `before`; when the
    gap is too narrow, every item is numbered afresh with gaps (one statement)."""
    moved = data.item_ids
    twice = sorted(str(item) for item, times in Counter(moved).items() if times > 1)
    if twice:
        raise Invalid(f"item_ids: each item may be listed once; listed twice: {', '.join(twice)}")
    if data.before in moved:
        raise Invalid(f"before: item {data.before} is one of the items being moved")
    async with pool.acquire() as conn, conn.transaction():
        # Two moves of one collection run one after the other, each seeing the other's
        # result: neither loses the other's positions.
        await _lock(conn, collection_id)
        missing = set(moved) - await store.present(conn, collection_id, moved)
        if missing:
            listed = ", ".join(sorted(map(str, missing))[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            raise Invalid(f"item_ids: not items of this collection: {listed}{more}")
        slots = await _free_slots(conn, collection_id, moved, data.before)
        if slots is None:
            await store.renumber(conn, collection_id, moved, data.before)
        else:
            await store.set_positions(conn, collection_id, moved, slots)
        return await store.positions(conn, collection_id, moved)


async def _free_slots(
    conn: Conn, collection_id: uuid.UUID, moved: list[uuid.UUID], before: uuid.UUID | None
) -> list[int] | None:
    """Positions for the moved items where they go, none of them taken; None when the
    gap there is too narrow."""
    if before is None:
        last = await store.last_position(conn, collection_id, moved)
        low = 0 if last is None else last
        # Spaced like a renumbering, so that later moves find room between them too.
        high = min(low + store.SPACING * (len(moved) + 1), _POSITION_END)
        return _between(low, high, len(moved))
    place = await store.place(conn, collection_id, before)
    if place is None:
        raise Invalid(f"before: item {before} is not in this collection")
    previous = await store.previous_position(conn, collection_id, place, moved)
    return _between(0 if previous is None else previous, place.position, len(moved))


def _between(low: int, high: int, count: int) -> list[int] | None:
    """`count` positions spread evenly strictly between low and high, or None."""
    if high - low - 1 < count:
        return None
    step = (high - low) // (count + 1)
    return [low + step * n for n in range(1, count + 1)]


async def set_caption(
    pool: asyncpg.Pool, collection_id: uuid.UUID, item_id: uuid.UUID, caption: str
) -> CollectionItem:
    """Change one item's caption."""
    async with pool.acquire() as conn:
        await _collection(conn, collection_id)
        if not await store.set_caption(conn, collection_id, item_id, caption):
            raise NotFound(f"item {item_id} is not in collection {collection_id}")
        return await store.item(conn, collection_id, item_id)


async def remove(
    pool: asyncpg.Pool, collection_id: uuid.UUID, item_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    """Remove items; 404 when none of them is in the collection."""
    async with pool.acquire() as conn, conn.transaction():
        await _collection(conn, collection_id)
        removed = await store.remove(conn, collection_id, item_ids)
        if not removed:
            raise NotFound(f"none of these items is in collection {collection_id}")
        return removed


async def clone(pool: asyncpg.Pool, collection_id: uuid.UUID) -> Collection:
    """A copy with the same items; text cards are copied, not shared."""
    async with pool.acquire() as conn, conn.transaction():
        original = await _collection(conn, collection_id)
        copy_id = await store.clone(conn, collection_id, f"{original.name} (copy)")
        return await _collection(conn, copy_id)


async def text_items(pool: asyncpg.Pool) -> list[TextItem]:
    """Every text card."""
    async with pool.acquire() as conn:
        return await store.text_items(conn)


async def create_text(pool: asyncpg.Pool, data: TextItemCreate) -> TextItem:
    """Add a text card."""
    async with pool.acquire() as conn:
        return await store.insert_text(conn, data.title, data.body)


async def get_text(pool: asyncpg.Pool, text_item_id: uuid.UUID) -> TextItem:
    """One text card."""
    async with pool.acquire() as conn:
        return found(await store.text_item(conn, text_item_id), f"text item {text_item_id}")


async def update_text(
    pool: asyncpg.Pool, text_item_id: uuid.UUID, patch: TextItemPatch
) -> TextItem:
    """Change a text card (everywhere it is shown)."""
    values = changes(patch)
    async with pool.acquire() as conn:
        found(await store.text_item(conn, text_item_id), f"text item {text_item_id}")
        if values:
            await store.update_text(conn, text_item_id, values)
        return found(await store.text_item(conn, text_item_id), f"text item {text_item_id}")


async def delete_text(pool: asyncpg.Pool, text_item_id: uuid.UUID) -> None:
    """Remove a text card and the items that show it."""
    async with pool.acquire() as conn:
        if not await store.delete_text(conn, text_item_id):
            raise NotFound(f"text item {text_item_id} not found")


async def _lock(conn: Conn, collection_id: uuid.UUID) -> None:
    if not await store.lock(conn, collection_id):
        raise NotFound(f"collection {collection_id} not found")


async def _collection(conn: Conn, collection_id: uuid.UUID) -> Collection:
    return found(await store.get(conn, collection_id), f"collection {collection_id}")
