"""Health and status of a running daemon."""

from __future__ import annotations

import uuid

from protocol.base import Response
from protocol.input_sessions import InputSession
from protocol.sync_targets import SyncStatus
from protocol.watched_folders import WatchedFolder


class Health(Response):
    """`GET /health`: 200 only while the database answers."""

    status: str
    mode: str
    version: str
    installation_id: uuid.UUID


class Status(Response):
    """`GET /api/status`: what `hotprevue status` shows."""

    status: str
    mode: str
    version: str
    installation_id: uuid.UUID
    pid: int
    data_dir: str
    coldpreview_dir: str
    database_size_bytes: int
    photo_count: int


class Activity(Response):
    """`GET /api/activity`: what the tray shows, in one request cheap enough for every second."""

    photo_count: int
    # Known files whose folder is there but the file is gone, and files whose folder
    # cannot be reached (a disk unplugged).
    files_missing: int
    files_offline: int
    # Registration sessions not finished yet (pending, running, uploading), oldest
    # first, with rate and ETA while they run.
    sessions: list[InputSession]
    watched_folders: list[WatchedFolder]
    sync: SyncStatus
