"""`/api/events`."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from daemon.api.params import Covers
from daemon.runtime import Runtime
from daemon.services import events as service
from protocol.events import Event, EventCreate, EventPatch


class EventsController(Controller):
    """Events as a tree of roots and their sub-events."""

    path = "/api/events"
    tags = ["events"]  # noqa: RUF012

    @get()
    async def list_events(
        self, runtime: NamedDependency[Runtime], covers: Covers = True
    ) -> list[Event]:
        """Root events with their children, each with photo_count and cover
        (`covers=false`: cover left out, cover_hothash kept)."""
        return await service.tree(runtime.pool, covers=covers)

    @post()
    async def create_event(
        self, runtime: NamedDependency[Runtime], data: JSONBody[EventCreate]
    ) -> Event:
        """Add an event (409 if the parent is itself a sub-event)."""
        return await service.create(runtime.pool, data)

    @get("/{event_id:uuid}")
    async def get_event(
        self, runtime: NamedDependency[Runtime], event_id: FromPath[uuid.UUID]
    ) -> Event:
        """One event."""
        return await service.get(runtime.pool, event_id)

    @patch("/{event_id:uuid}")
    async def update_event(
        self,
        runtime: NamedDependency[Runtime],
        event_id: FromPath[uuid.UUID],
        data: JSONBody[EventPatch],
    ) -> Event:
        """Change an event (409 for moves that would nest two levels deep)."""
        return await service.update(runtime.pool, event_id, data)

    @delete("/{event_id:uuid}")
    async def delete_event(
        self, runtime: NamedDependency[Runtime], event_id: FromPath[uuid.UUID]
    ) -> None:
        """Remove an event (409 while it has sub-events); its photos stay."""
        await service.delete(runtime.pool, event_id)
