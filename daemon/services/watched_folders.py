"""Rules for watched folders: real, readable folders, never nested, never the daemon's own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from pathlib import Path, PurePath

import asyncpg

from daemon.errors import Conflict, Invalid, NotFound, found
from daemon.paths import MAX_PATH_BYTES, own_folder_problem, path_bytes, readable_folder, too_long
from daemon.services.ports import Watcher
from daemon.store import watched_folders as store
from daemon.store.base import Conn, changes
from daemon.store.watched_folders import StoredFolder
from protocol.watched_folders import (
    WatchedFolder,
    WatchedFolderCreate,
    WatchedFolderPatch,
    WatchState,
)


class WatchedFolders:
    """The watched folders' rules, built once at start-up with the pool, the watcher
    that follows the folders, and the daemon's own folders (never watched)."""

    def __init__(self, pool: asyncpg.Pool, watcher: Watcher, own_folders: Sequence[Path]) -> None:
        self._pool = pool
        self._watcher = watcher
        self._own_folders = own_folders

    async def list_all(self) -> list[WatchedFolder]:
        """Every watched folder with what its watcher is doing."""
        async with self._pool.acquire() as conn:
            folders = await store.list_all(conn)
        return [_shown(folder, self._watcher) for folder in folders]

    async def get(self, folder_id: uuid.UUID) -> WatchedFolder:
        """One watched folder."""
        async with self._pool.acquire() as conn:
            return _shown(await _folder(conn, folder_id), self._watcher)

    async def create(self, data: WatchedFolderCreate) -> WatchedFolder:
        """Watch a folder: canonical, readable, neither inside nor above the daemon's own
        folders, and neither inside nor above another watched folder (a file would belong
        to two watches)."""
        path = await asyncio.to_thread(_watchable, data.path, self._own_folders)
        async with self._pool.acquire() as conn, conn.transaction():
            await store.lock(conn)
            _check_apart(path, await store.paths(conn))
            folder_id = await store.insert(conn, str(path), data)
            folder = await _folder(conn, folder_id)
        self._watcher.reload()
        return _shown(folder, self._watcher)

    async def update(self, folder_id: uuid.UUID, patch: WatchedFolderPatch) -> WatchedFolder:
        """Change a watched folder's settings (its path never changes: add another)."""
        values = changes(patch)
        async with self._pool.acquire() as conn:
            if values and not await store.update(conn, folder_id, values):
                raise NotFound(f"watched folder {folder_id} not found")
            folder = await _folder(conn, folder_id)
        if values:
            self._watcher.reload()
        return _shown(folder, self._watcher)

    async def rescan(self, folder_id: uuid.UUID) -> WatchedFolder:
        """Ask the watcher to walk the folder again now; 409 when it is not being watched."""
        async with self._pool.acquire() as conn:
            folder = await _folder(conn, folder_id)
        if not folder.watching_enabled:
            raise Conflict("watching is switched off in the settings (watching_enabled)")
        if folder.paused:
            raise Conflict(f"{folder.path} is paused; resume it first")
        if not self._watcher.rescan(folder_id):
            status = self._watcher.status(folder_id)
            reason = f"{status.state}: {status.detail}" if status.detail else status.state
            raise Conflict(f"{folder.path} is not being watched right now ({reason})")
        return _shown(folder, self._watcher)

    async def delete(self, folder_id: uuid.UUID) -> None:
        """Stop watching a folder; every photo and file registered from it stays."""
        async with self._pool.acquire() as conn:
            if not await store.delete(conn, folder_id):
                raise NotFound(f"watched folder {folder_id} not found")
        self._watcher.reload()


async def _folder(conn: Conn, folder_id: uuid.UUID) -> StoredFolder:
    return found(await store.get(conn, folder_id), f"watched folder {folder_id}")


def _watchable(raw: str, daemon_folders: Sequence[Path]) -> Path:
    path = readable_folder(raw, "path")
    # Watching these would register the daemon's own previews, over and over.
    problem = own_folder_problem(path, daemon_folders)
    if problem is not None:
        raise Invalid(f"path {path} {problem}")
    if too_long(str(path)):
        raise Invalid(
            f"path {path} is too long for the catalog ({path_bytes(str(path))} bytes; the "
            f"paths of its files can have at most {MAX_PATH_BYTES}): watch a folder with a "
            "shorter path"
        )
    return path


def _check_apart(path: Path, watched: list[str]) -> None:
    # Canonical paths compared by their parts: /a/b is not inside /a/bc.
    for other in map(PurePath, watched):
        if other == path:
            raise Conflict(f"{path} is already watched")
        if path.is_relative_to(other):
            raise Conflict(f"{path} is inside the watched folder {other}")
        if other.is_relative_to(path):
            raise Conflict(f"{path} contains the watched folder {other}")


def _shown(folder: StoredFolder, watcher: Watcher) -> WatchedFolder:
    status = watcher.status(folder.id)
    state: WatchState
    if not folder.watching_enabled:
        state = "disabled"
    elif folder.paused:
        state = "paused"
    else:
        state = status.state
    return WatchedFolder(
        id=folder.id,
        path=folder.path,
        recursive=folder.recursive,
        photographer_id=folder.photographer_id,
        paused=folder.paused,
        state=state,
        state_detail=status.detail,
        pending_files=status.pending_files,
        last_scan_at=folder.last_scan_at,
        created_at=folder.created_at,
    )
