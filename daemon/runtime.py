"""The one typed object a running daemon keeps: settings, database pool, identity."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg

from daemon.config import Settings
from daemon.registration.manager import Registrations
from daemon.services.central import Central
from daemon.services.collection_export import CollectionExport
from daemon.services.input_sessions import InputSessions
from daemon.services.photos import Photos
from daemon.services.settled import SettledCache
from daemon.services.ui_sessions import UiSessions
from daemon.services.uploads import Uploads
from daemon.services.watched_folders import WatchedFolders
from daemon.supervisor import Supervisor
from daemon.sync.runs import SyncRuns
from daemon.watching.manager import Watcher


@dataclass(slots=True)
class Runtime:
    """Built by the lifespan; handlers receive it as a dependency."""

    settings: Settings
    pool: asyncpg.Pool
    installation_id: uuid.UUID
    supervisor: Supervisor
    registrations: Registrations
    watcher: Watcher
    sync_runs: SyncRuns
    ui_sessions: UiSessions
    request_shutdown: Callable[[], None]
    # Services that hold more than the pool, built once; controllers get them injected.
    input_sessions: InputSessions
    watched_folders: WatchedFolders
    uploads: Uploads
    photos: Photos
    collection_export: CollectionExport
    central: Central
    # Figures GET /api/activity keeps between the tray's polls.
    settled: SettledCache = field(default_factory=SettledCache)
