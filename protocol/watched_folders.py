"""Watched folders: folders the daemon registers new photos from by itself."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from protocol.base import Request, Response

# disabled: watching is switched off in the settings; paused: this folder is paused;
# starting: its watch is being set up; scanning: a catch-up scan or rescan is walking
# it; watching: the OS reports its changes; polling: the OS could not give watches
# (limit reached), so the folder is compared with itself every few seconds; offline:
# the folder cannot be reached (a disk unplugged); error: see `state_detail`.
WatchState = Literal[
    "disabled", "paused", "starting", "scanning", "watching", "polling", "offline", "error"
]
FolderPath = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]


class WatchedFolderCreate(Request):
    """`POST /api/watched-folders`: watch a folder (its existing photos are registered too)."""

    path: FolderPath
    recursive: bool = True
    # None: the default photographer when each photo is registered.
    photographer_id: uuid.UUID | None = None
    paused: bool = False


class WatchedFolderPatch(Request):
    """`PATCH /api/watched-folders/{id}`: only the fields given change."""

    recursive: bool | msgspec.UnsetType = msgspec.UNSET
    photographer_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    paused: bool | msgspec.UnsetType = msgspec.UNSET


class WatchedFolder(Response):
    """A watched folder with what its watcher is doing now."""

    id: uuid.UUID
    path: str
    recursive: bool
    photographer_id: uuid.UUID | None
    paused: bool
    state: WatchState
    # Why the folder is offline, polling or in error; empty otherwise.
    state_detail: str
    # Files seen changing that are not yet quiet long enough to register.
    pending_files: int
    last_scan_at: datetime | None
    created_at: datetime
