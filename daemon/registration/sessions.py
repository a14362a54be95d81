"""Starting an input session's registration job, and the sessions a watched folder
opens for the photos it hands over (its bursts)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from daemon.registration.feed import GroupFeed
from daemon.registration.job import JobSpec
from daemon.registration.manager import Registrations
from daemon.store import input_sessions as store
from daemon.store import photographers as photographers_store
from daemon.store import settings as settings_store
from protocol.input_sessions import InputSession
from protocol.settings import SystemSettings


@dataclass(frozen=True)
class Burst:
    """A session a watched folder opens for the photos it hands over."""

    name: str
    folder: Path
    recursive: bool
    photographer_id: uuid.UUID | None
    watched_folder_id: uuid.UUID


async def start_fed(
    pool: asyncpg.Pool,
    registrations: Registrations,
    coldpreview_dir: Path,
    feed: GroupFeed,
    burst: Burst,
) -> uuid.UUID:
    """Open a session that registers the groups a watched folder hands it through `feed`."""
    photographer_id = burst.photographer_id
    async with pool.acquire() as conn:
        # The folder's photographer may have been deleted since the watcher read it.
        if photographer_id is None or await photographers_store.get(conn, photographer_id) is None:
            photographer_id = (await photographers_store.get_default(conn)).id
        system = await settings_store.get(conn)
        session = await store.insert(
            conn,
            name=burst.name,
            source_path=str(burst.folder),
            recursive=burst.recursive,
            photographer_id=photographer_id,
            event_id=None,
            watched_folder_id=burst.watched_folder_id,
        )
    start_job(registrations, session, system, coldpreview_dir, feed)
    return session.id


def start_job(
    registrations: Registrations,
    session: InputSession,
    system: SystemSettings,
    coldpreview_dir: Path,
    feed: GroupFeed | None = None,
) -> None:
    """Start registering the session's files in the background (fed ones: from `feed`)."""
    registrations.start(
        JobSpec(
            session_id=session.id,
            source=Path(session.source_path),
            recursive=session.recursive,
            photographer_id=session.default_photographer_id,
            event_id=session.default_event_id,
            coldpreview_dir=coldpreview_dir,
            coldpreview_max_px=system.coldpreview_max_px,
            coldpreview_quality=system.coldpreview_quality,
            feed=feed,
        )
    )
