"""Rules for input sessions: what may be registered, and the session's lifecycle."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import asyncpg

from daemon.errors import Conflict, Invalid, found
from daemon.registration.job import JobSpec
from daemon.registration.manager import Registrations
from daemon.store import events as events_store
from daemon.store import input_sessions as store
from daemon.store import photographers as photographers_store
from daemon.store import settings as settings_store
from protocol.input_sessions import (
    FINISHED,
    InputSession,
    InputSessionCreate,
    SessionError,
    SessionPhoto,
)


def readable_folder(raw: str) -> Path:
    """The folder to register, or Invalid saying exactly what is wrong with it."""
    path = Path(raw).expanduser()
    if not path.is_absolute():
        raise Invalid(f"source_path must be an absolute path, not {raw!r}")
    if not path.exists():
        raise Invalid(f"source_path: folder not found: {path}")
    if not path.is_dir():
        raise Invalid(f"source_path is a file, not a folder: {path}")
    try:
        with os.scandir(path) as entries:
            next(entries, None)
    except OSError as exc:
        raise Invalid(f"source_path cannot be read: {path}: {exc.strerror or exc}") from None
    return path


async def create(
    pool: asyncpg.Pool,
    registrations: Registrations,
    coldpreview_dir: Path,
    data: InputSessionCreate,
) -> InputSession:
    """Check the request, record the session and start registering in the background."""
    source = readable_folder(data.source_path)
    async with pool.acquire() as conn:
        if data.default_photographer_id is None:
            photographer_id = (await photographers_store.get_default(conn)).id
        elif await photographers_store.get(conn, data.default_photographer_id) is None:
            raise Invalid(
                f"default_photographer_id: no photographer {data.default_photographer_id}"
            )
        else:
            photographer_id = data.default_photographer_id
        if data.default_event_id is not None and not await events_store.exists(
            conn, data.default_event_id
        ):
            raise Invalid(f"default_event_id: no event {data.default_event_id}")
        system = await settings_store.get(conn)
        session = await store.insert(
            conn,
            name=data.name.strip(),
            source_path=str(source),
            recursive=data.recursive,
            photographer_id=photographer_id,
            event_id=data.default_event_id,
        )
    registrations.start(
        JobSpec(
            session_id=session.id,
            source=source,
            recursive=data.recursive,
            photographer_id=photographer_id,
            event_id=data.default_event_id,
            coldpreview_dir=coldpreview_dir,
            coldpreview_max_px=system.coldpreview_max_px,
            coldpreview_quality=system.coldpreview_quality,
        )
    )
    return session


async def get(
    pool: asyncpg.Pool, registrations: Registrations, session_id: uuid.UUID
) -> InputSession:
    """A session with live rate and ETA while it runs."""
    async with pool.acquire() as conn:
        session = found(await store.get(conn, session_id), f"input session {session_id}")
    progress = registrations.progress(session_id)
    if progress is not None and session.status not in FINISHED:
        session.rate = round(progress.rate, 2)
        eta = progress.eta_seconds
        session.eta_seconds = round(eta, 1) if eta is not None else None
    return session


async def list_recent(pool: asyncpg.Pool, limit: int, offset: int) -> list[InputSession]:
    """Sessions, newest first."""
    async with pool.acquire() as conn:
        return await store.list_recent(conn, limit, offset)


async def cancel(
    pool: asyncpg.Pool, registrations: Registrations, session_id: uuid.UUID
) -> InputSession:
    """Stop a running session; what it registered so far stays."""
    session = await get(pool, registrations, session_id)
    if not registrations.cancel(session_id):
        raise Conflict(f"input session {session_id} is not running (status {session.status})")
    await registrations.wait(session_id)
    return await get(pool, registrations, session_id)


async def delete(pool: asyncpg.Pool, registrations: Registrations, session_id: uuid.UUID) -> None:
    """Forget a finished session and its errors; its photos stay in the catalog."""
    session = await get(pool, registrations, session_id)
    if session.status not in FINISHED:
        raise Conflict(f"input session {session_id} is still {session.status}; cancel it first")
    async with pool.acquire() as conn:
        await store.delete(conn, session_id)


async def errors(
    pool: asyncpg.Pool, session_id: uuid.UUID, limit: int, offset: int
) -> list[SessionError]:
    """The files a session could not register."""
    async with pool.acquire() as conn:
        found(await store.get(conn, session_id), f"input session {session_id}")
        return await store.errors(conn, session_id, limit, offset)


async def photos(
    pool: asyncpg.Pool, session_id: uuid.UUID, limit: int, offset: int
) -> list[SessionPhoto]:
    """The photos a session registered."""
    async with pool.acquire() as conn:
        found(await store.get(conn, session_id), f"input session {session_id}")
        return await store.photos(conn, session_id, limit, offset)


async def mark_interrupted(pool: asyncpg.Pool) -> list[uuid.UUID]:
    """At start-up: no session can still be running; say which were cut short."""
    async with pool.acquire() as conn:
        return await store.mark_interrupted(conn)
