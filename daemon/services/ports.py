"""What the services need of the daemon's parts that live below them and are built in
its wiring: the watcher, as the rules for watched folders and settings use it."""

from __future__ import annotations

import uuid
from typing import Protocol

from protocol.watched_folders import WatchState


class FolderStatus(Protocol):
    """What the watcher is doing with one folder."""

    @property
    def state(self) -> WatchState:
        """The folder's live state."""

    @property
    def detail(self) -> str:
        """Why it is in that state, when that needs saying."""

    @property
    def pending_files(self) -> int:
        """Files seen changing and not yet registered."""


class Watcher(Protocol):
    """The daemon's watcher, which follows the watched folders in the database."""

    def reload(self) -> None:
        """Read the folders and the watch settings again (they changed)."""

    def status(self, folder_id: uuid.UUID) -> FolderStatus:
        """The folder's live state."""

    def rescan(self, folder_id: uuid.UUID) -> bool:
        """Walk the folder again now; False when it is not being watched."""
