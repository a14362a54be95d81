"""Rules for events: one level of nesting, no deleting parents, covers that exist."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from daemon.errors import Conflict, NotFound, found
from daemon.store import events as store
from daemon.store.base import Conn, changes
from protocol.events import Event, EventCreate, EventPatch


async def tree(pool: asyncpg.Pool, *, covers: bool = True) -> list[Event]:
    """Root events, each with its children; without covers when `covers` is false."""
    async with pool.acquire() as conn:
        events = await store.list_all(conn, covers=covers)
    roots = [e for e in events if e.parent_id is None]
    by_id = {e.id: e for e in roots}
    for event in events:
        if event.parent_id is not None and event.parent_id in by_id:
            by_id[event.parent_id].children.append(event)
    return roots


async def get(pool: asyncpg.Pool, event_id: uuid.UUID) -> Event:
    """One event."""
    async with pool.acquire() as conn:
        return await _event(conn, event_id)


async def create(pool: asyncpg.Pool, data: EventCreate) -> Event:
    """Add an event, under a root event or as a root."""
    async with pool.acquire() as conn, conn.transaction():
        if data.parent_id is not None:
            await _check_parent(conn, data.parent_id, None)
        event_id = await store.insert(conn, data)
        return await _event(conn, event_id)


async def update(pool: asyncpg.Pool, event_id: uuid.UUID, patch: EventPatch) -> Event:
    """Change an event; moving it keeps the tree one level deep."""
    values: dict[str, Any] = changes(patch)
    async with pool.acquire() as conn, conn.transaction():
        await _event(conn, event_id)
        if values.get("parent_id") is not None:
            await _check_parent(conn, values["parent_id"], event_id)
        if values:
            await store.update(conn, event_id, values)
        return await _event(conn, event_id)


async def delete(pool: asyncpg.Pool, event_id: uuid.UUID) -> None:
    """Remove an event without children (its parent key refuses otherwise); its
    photos stay, event-less."""
    async with pool.acquire() as conn:
        if not await store.delete(conn, event_id):
            raise NotFound(f"event {event_id} not found")


async def _event(conn: Conn, event_id: uuid.UUID) -> Event:
    return found(await store.get(conn, event_id), f"event {event_id}")


async def _check_parent(conn: Conn, parent_id: uuid.UUID, child_id: uuid.UUID | None) -> None:
    # A parent that does not exist, or the event itself, is refused by the table's keys.
    if await store.parent_of(conn, parent_id) is not None:
        raise Conflict("events nest one level only: the parent is itself a sub-event")
    if child_id is not None and await store.has_children(conn, child_id):
        raise Conflict("an event with sub-events cannot become a sub-event")
