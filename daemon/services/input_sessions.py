"""Rules for input sessions: what may be registered, and the session's lifecycle
(uploads.py: the sessions a client sends files to)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg

from daemon.errors import Conflict, Invalid, found
from daemon.paths import inside_own_folder, readable_folder
from daemon.registration import messages
from daemon.registration.manager import Registrations
from daemon.registration.sessions import start_job
from daemon.store import input_sessions as store
from daemon.store import photographers as photographers_store
from daemon.store import settings as settings_store
from daemon.store.base import Conn
from protocol.input_sessions import (
    FINISHED,
    InputSession,
    InputSessionCreate,
    SessionError,
    SessionPhoto,
)


class InputSessions:
    """The session rules that start, follow and stop registration jobs: built once at
    start-up with the pool, the registrations and the coldpreview folder."""

    def __init__(
        self, pool: asyncpg.Pool, registrations: Registrations, coldpreview_dir: Path
    ) -> None:
        self._pool = pool
        self._registrations = registrations
        self._coldpreview_dir = coldpreview_dir

    async def create(self, data: InputSessionCreate) -> InputSession:
        """Check the request, record the session and start registering in the background.

        An upload session only records itself: its client sends the groups."""
        source = (
            Path(data.source_path)
            if data.upload
            else await asyncio.to_thread(readable_folder, data.source_path)
        )
        own_folders = self._registrations.own_folders
        if not data.upload and (inside := inside_own_folder(source, own_folders)):
            raise Invalid(f"source_path {source} {inside}")
        async with self._pool.acquire() as conn:
            # Defaults that point nowhere are refused by the session's foreign keys (422).
            photographer_id = (
                data.default_photographer_id or (await photographers_store.get_default(conn)).id
            )
            system = await settings_store.get(conn)
            session = await store.insert(
                conn,
                name=data.name.strip(),
                source_path=str(source),
                recursive=data.recursive,
                photographer_id=photographer_id,
                event_id=data.default_event_id,
            )
            if data.upload:
                await store.start(conn, session.id, "uploading")
                return await fetch(conn, session.id)
        start_job(self._registrations, session, system, self._coldpreview_dir)
        return session

    async def get(self, session_id: uuid.UUID) -> InputSession:
        """A session with live rate and ETA while it runs."""
        async with self._pool.acquire() as conn:
            session = await fetch(conn, session_id)
        return _with_progress(session, self._registrations)

    async def cancel(self, session_id: uuid.UUID) -> InputSession:
        """Stop a running session; what it registered so far stays."""
        session = await self.get(session_id)
        if not self._registrations.cancel(session_id):
            raise Conflict(f"input session {session_id} is not running (status {session.status})")
        await self._registrations.wait(session_id)
        return await self.get(session_id)

    async def unfinished(self, limit: int) -> list[InputSession]:
        """Sessions not finished yet, oldest first, with live rate and ETA while they run."""
        async with self._pool.acquire() as conn:
            sessions = await store.unfinished(conn, limit)
        return [_with_progress(session, self._registrations) for session in sessions]

    async def delete(self, session_id: uuid.UUID) -> None:
        """Forget a finished session and its errors; its photos stay in the catalog."""
        session = await self.get(session_id)
        if session.status not in FINISHED:
            raise Conflict(f"input session {session_id} is still {session.status}; cancel it first")
        async with self._pool.acquire() as conn:
            await store.delete(conn, session_id)


def _with_progress(session: InputSession, registrations: Registrations) -> InputSession:
    progress = registrations.progress(session.id)
    if progress is not None and session.status not in FINISHED:
        session.rate = round(progress.rate, 2)
        eta = progress.eta_seconds
        session.eta_seconds = round(eta, 1) if eta is not None else None
    return session


async def list_recent(pool: asyncpg.Pool, limit: int, offset: int) -> list[InputSession]:
    """Sessions, newest first."""
    async with pool.acquire() as conn:
        return await store.list_recent(conn, limit, offset)


async def errors(
    pool: asyncpg.Pool, session_id: uuid.UUID, limit: int, offset: int
) -> list[SessionError]:
    """The files a session could not register, each with its sentence for photographers."""
    async with pool.acquire() as conn:
        await fetch(conn, session_id)
        recorded = await store.errors(conn, session_id, limit, offset)
    for error in recorded:
        error.message = messages.for_photographers(error.error)
        error.detail = error.error
    return recorded


async def photos(
    pool: asyncpg.Pool, session_id: uuid.UUID, limit: int, offset: int
) -> list[SessionPhoto]:
    """The photos a session registered."""
    async with pool.acquire() as conn:
        await fetch(conn, session_id)
        return await store.photos(conn, session_id, limit, offset)


async def mark_interrupted(pool: asyncpg.Pool) -> list[uuid.UUID]:
    """At start-up: no session can still be running; say which were cut short."""
    async with pool.acquire() as conn:
        return await store.mark_interrupted(conn)


async def fetch(conn: Conn, session_id: uuid.UUID) -> InputSession:
    """The session, or NotFound."""
    return found(await store.get(conn, session_id), f"input session {session_id}")
