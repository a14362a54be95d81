"""`/api/watched-folders`."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from daemon.runtime import Runtime
from daemon.services.watched_folders import WatchedFolders
from protocol.watched_folders import WatchedFolder, WatchedFolderCreate, WatchedFolderPatch


def provide_watched_folders(runtime: NamedDependency[Runtime]) -> WatchedFolders:
    """The watched folders service the lifespan built."""
    return runtime.watched_folders


class WatchedFoldersController(Controller):
    """Folders the daemon registers new photos from by itself."""

    path = "/api/watched-folders"
    tags = ["watched folders"]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "watched_folders": Provide(provide_watched_folders, sync_to_thread=False)
    }

    @get()
    async def list_watched_folders(
        self, watched_folders: NamedDependency[WatchedFolders]
    ) -> list[WatchedFolder]:
        """Every watched folder with its live state, by path."""
        return await watched_folders.list_all()

    @post()
    async def create_watched_folder(
        self, watched_folders: NamedDependency[WatchedFolders], data: JSONBody[WatchedFolderCreate]
    ) -> WatchedFolder:
        """Watch a folder (422 for a path that is no readable folder, 409 for one already
        watched, inside or above a watched folder); its existing photos are registered too."""
        return await watched_folders.create(data)

    @get("/{folder_id:uuid}")
    async def get_watched_folder(
        self, watched_folders: NamedDependency[WatchedFolders], folder_id: FromPath[uuid.UUID]
    ) -> WatchedFolder:
        """One watched folder."""
        return await watched_folders.get(folder_id)

    @patch("/{folder_id:uuid}")
    async def update_watched_folder(
        self,
        watched_folders: NamedDependency[WatchedFolders],
        folder_id: FromPath[uuid.UUID],
        data: JSONBody[WatchedFolderPatch],
    ) -> WatchedFolder:
        """Change recursion, photographer or pause."""
        return await watched_folders.update(folder_id, data)

    @delete("/{folder_id:uuid}")
    async def delete_watched_folder(
        self, watched_folders: NamedDependency[WatchedFolders], folder_id: FromPath[uuid.UUID]
    ) -> None:
        """Stop watching a folder; its photos and their files stay in the catalog."""
        await watched_folders.delete(folder_id)

    @post("/{folder_id:uuid}/pause", status_code=200)
    async def pause_watched_folder(
        self, watched_folders: NamedDependency[WatchedFolders], folder_id: FromPath[uuid.UUID]
    ) -> WatchedFolder:
        """Stop following the folder until it is resumed."""
        return await watched_folders.update(folder_id, WatchedFolderPatch(paused=True))

    @post("/{folder_id:uuid}/resume", status_code=200)
    async def resume_watched_folder(
        self, watched_folders: NamedDependency[WatchedFolders], folder_id: FromPath[uuid.UUID]
    ) -> WatchedFolder:
        """Follow the folder again; what changed meanwhile is caught up."""
        return await watched_folders.update(folder_id, WatchedFolderPatch(paused=False))

    @post("/{folder_id:uuid}/rescan", status_code=202)
    async def rescan_watched_folder(
        self, watched_folders: NamedDependency[WatchedFolders], folder_id: FromPath[uuid.UUID]
    ) -> WatchedFolder:
        """Walk the folder again now, in the background (409 with the reason while it is
        paused, disabled or offline)."""
        return await watched_folders.rescan(folder_id)
