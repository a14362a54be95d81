"""`/api/input-sessions`: registration runs."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from daemon.runtime import Runtime
from daemon.services import input_sessions as service
from protocol.input_sessions import InputSession, InputSessionCreate, SessionError, SessionPhoto

Limit = Annotated[int, QueryParameter(ge=1, le=1000)]
Offset = Annotated[int, QueryParameter(ge=0)]


class InputSessionsController(Controller):
    """Register a folder, follow its progress, see what it found."""

    path = "/api/input-sessions"
    tags = ["input-sessions"]  # noqa: RUF012

    @post()
    async def create_session(
        self, runtime: NamedDependency[Runtime], data: JSONBody[InputSessionCreate]
    ) -> InputSession:
        """Start registering source_path in the background (422 if it cannot be read)."""
        return await service.create(
            runtime.pool, runtime.registrations, runtime.settings.coldpreview_dir, data
        )

    @get()
    async def list_sessions(
        self, runtime: NamedDependency[Runtime], limit: Limit = 100, offset: Offset = 0
    ) -> list[InputSession]:
        """Sessions, newest first."""
        return await service.list_recent(runtime.pool, limit, offset)

    @get("/{session_id:uuid}")
    async def get_session(
        self, runtime: NamedDependency[Runtime], session_id: FromPath[uuid.UUID]
    ) -> InputSession:
        """A session with its counts, and rate and ETA while it runs."""
        return await service.get(runtime.pool, runtime.registrations, session_id)

    @post("/{session_id:uuid}/cancel", status_code=200)
    async def cancel_session(
        self, runtime: NamedDependency[Runtime], session_id: FromPath[uuid.UUID]
    ) -> InputSession:
        """Stop a running session; photos registered so far stay (409 if not running)."""
        return await service.cancel(runtime.pool, runtime.registrations, session_id)

    @get("/{session_id:uuid}/photos")
    async def session_photos(
        self,
        runtime: NamedDependency[Runtime],
        session_id: FromPath[uuid.UUID],
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[SessionPhoto]:
        """Photos the session registered."""
        return await service.photos(runtime.pool, session_id, limit, offset)

    @get("/{session_id:uuid}/errors")
    async def session_errors(
        self,
        runtime: NamedDependency[Runtime],
        session_id: FromPath[uuid.UUID],
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[SessionError]:
        """Files the session could not register, and why."""
        return await service.errors(runtime.pool, session_id, limit, offset)

    @delete("/{session_id:uuid}")
    async def delete_session(
        self, runtime: NamedDependency[Runtime], session_id: FromPath[uuid.UUID]
    ) -> None:
        """Forget a finished session; its photos stay."""
        await service.delete(runtime.pool, runtime.registrations, session_id)
