"""The daemon's watcher: one per daemon, following every enabled watched folder."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import asyncpg

from daemon.config import Settings
from daemon.database import connection_lost
from daemon.registration.manager import Registrations
from daemon.store import settings as settings_store
from daemon.store import watching as store
from daemon.watching.catalog import StoreCatalog
from daemon.watching.folder import Context, FolderWatch
from protocol.watched_folders import WatchState

log = logging.getLogger(__name__)

TICK = 0.5  # seconds between looks at quiet files, bursts and folders
PROBE_THREADS = 4  # looks at folder roots at once (a hung share holds one)
# watchdog logs the kernel's queue overflow here (and rebuilds its watches): the
# events in between are lost, so every folder watched through inotify is rescanned.
INOTIFY_LOGGER = "watchdog.observers.inotify_c"
OVERFLOW_MESSAGE = "queue overflowed"


@dataclass(frozen=True, slots=True)
class FolderStatus:
    """What the watcher is doing with one folder, for the API."""

    state: WatchState
    detail: str = ""
    pending_files: int = 0


class _OverflowSignal(logging.Handler):
    """Turns watchdog's overflow warning into a rescan of every inotify-watched folder."""

    def __init__(self, loop: asyncio.AbstractEventLoop, watcher: Watcher) -> None:
        super().__init__(logging.WARNING)
        self._loop = loop
        self._watcher = watcher

    def emit(self, record: logging.LogRecord) -> None:
        """Called on watchdog's thread."""
        if OVERFLOW_MESSAGE in record.getMessage():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._watcher.overflowed)


class Watcher:
    """Follows the watched folders in the database; `reload()` after any change to them."""

    def __init__(
        self, pool: asyncpg.Pool, registrations: Registrations, settings: Settings
    ) -> None:
        self._pool = pool
        self._context = Context(
            StoreCatalog(pool, registrations, settings.coldpreview_dir),
            (settings.data_dir, settings.coldpreview_dir),
            ThreadPoolExecutor(PROBE_THREADS, thread_name_prefix="watch-probe"),
        )
        self._reload = asyncio.Event()
        self._folders: dict[uuid.UUID, FolderWatch] = {}

    def reload(self) -> None:
        """Read the folders and the watch settings again (they changed)."""
        self._reload.set()

    def status(self, folder_id: uuid.UUID) -> FolderStatus:
        """The folder's live state; `starting` until the watcher has taken it up."""
        folder = self._folders.get(folder_id)
        if folder is None:
            return FolderStatus("starting")
        return FolderStatus(folder.state, folder.detail, folder.pending_files)

    def rescan(self, folder_id: uuid.UUID) -> bool:
        """Walk the folder again now; False when it is not being watched (paused, offline)."""
        folder = self._folders.get(folder_id)
        return folder is not None and folder.rescan()

    def overflowed(self) -> None:
        """The OS dropped events somewhere: rescan every folder it was watching."""
        for folder in self._folders.values():
            folder.overflowed()

    async def run(self, stop: asyncio.Event) -> None:
        """Watch until the daemon stops (after a crash the supervisor runs it again,
        and it starts from the database anew)."""
        self._reload.set()
        signal = _OverflowSignal(asyncio.get_running_loop(), self)
        inotify_log = logging.getLogger(INOTIFY_LOGGER)
        # Its warning is the only sign of an overflow: keep it whatever the log level.
        inotify_log.setLevel(logging.WARNING)
        inotify_log.addHandler(signal)
        try:
            while not stop.is_set():
                try:
                    await self._step()
                except Exception as exc:
                    if not connection_lost(exc):
                        raise
                    # Files taken from a settler may have been lost with the database:
                    # once it is back, read everything again and walk every folder.
                    self._reload.set()
                    for folder in self._folders.values():
                        folder.rescan()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), TICK)
        finally:
            inotify_log.removeHandler(signal)
            await self._stop_all()

    async def _step(self) -> None:
        if self._reload.is_set():
            self._reload.clear()
            await self._follow_database()
        now, wall_now = time.monotonic(), time.time()
        for folder in list(self._folders.values()):
            await _guarded(folder, folder.tick(now, wall_now))

    async def _follow_database(self) -> None:
        """Start what is new or changed, stop what is gone, paused or switched off."""
        async with self._pool.acquire() as conn:
            watch = await settings_store.get(conn)
            rows = await store.folders(conn)
        wanted = {row.id: row for row in rows if watch.watching_enabled and not row.paused}
        quiet, rescan = watch.watch_quiet_seconds, watch.watch_rescan_minutes * 60.0
        for folder_id, folder in list(self._folders.items()):
            row = wanted.get(folder_id)
            if row is None or row != folder.row:
                del self._folders[folder_id]
                await folder.stop()
            else:
                folder.retime(quiet, rescan)
        for folder_id, row in wanted.items():
            if folder_id not in self._folders:
                folder = FolderWatch(row, self._context, quiet=quiet, rescan=rescan)
                self._folders[folder_id] = folder
                await _guarded(folder, folder.start())

    async def _stop_all(self) -> None:
        folders, self._folders = list(self._folders.values()), {}
        for folder in folders:
            await folder.stop()


async def _guarded(folder: FolderWatch, step: Awaitable[None]) -> None:
    """One folder's trouble is that folder's error, never every folder's: it is
    reported in its state and tried again later. A lost database is everyone's."""
    try:
        await step
    except Exception as exc:
        if connection_lost(exc):
            raise
        log.exception("%s failed", folder.row.path)
        folder.fail(f"{type(exc).__name__}: {exc}")
