"""The OS watch of one folder: watchdog's observer on its own threads, and polling
instead when the system has no watches left. Its events arrive on the event loop,
in `OsWatch.events`."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from protocol.watched_folders import WatchState

log = logging.getLogger(__name__)

# The OS events the watcher acts on; opening and reading (the decoder's own reads
# among them) are left out at the source.
EVENTS = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileClosedEvent,
    FileMovedEvent,
    FileDeletedEvent,
    DirCreatedEvent,
    DirMovedEvent,
    DirDeletedEvent,
]
POLL_INTERVAL = 10.0  # seconds between comparisons when the OS gives no watches
NO_WATCHES = (
    "the system's limit of file watches is reached ({error}); comparing the folder every "
    f"{POLL_INTERVAL:.0f} s instead (raise fs.inotify.max_user_watches to watch it)"
)


class _Handler(FileSystemEventHandler):
    """watchdog's thread → the event loop."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[FileSystemEvent]
    ) -> None:
        self._loop = loop
        self._queue = queue

    def on_any_event(self, event: FileSystemEvent) -> None:
        """Hand the event over; a loop already closed has no use for it."""
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._queue.put_nowait, event)


class OsWatch:
    """One folder's observer, started and stopped as its watch goes on and off."""

    def __init__(self, root: str, recursive: bool) -> None:
        self.events: asyncio.Queue[FileSystemEvent] = asyncio.Queue()
        self._root = root
        self._recursive = recursive
        self._observer: BaseObserver | None = None
        self.polling = False
        self.detail = ""  # why the folder is polled, while it is

    @property
    def state(self) -> WatchState:
        """How the folder is followed."""
        return "polling" if self.polling else "watching"

    @property
    def through_os(self) -> bool:
        """Whether the OS's own watches follow the folder (their queue can overflow)."""
        return self._observer is not None and not self.polling

    @property
    def died(self) -> bool:
        """Whether the observer stopped on its own."""
        return self._observer is not None and not self._observer.is_alive()

    async def start(self) -> None:
        """Watch through the OS, or poll when it has no watches left; OSError when the
        folder cannot be watched at all."""
        handler = _Handler(asyncio.get_running_loop(), self.events)
        try:
            self._observer = await asyncio.to_thread(
                _observe, Observer(), handler, self._root, self._recursive
            )
            self.polling, self.detail = False, ""
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EMFILE):
                raise
            await self._poll(handler, exc)

    async def short_of_watches(self) -> None:
        """After a scan: watchdog drops a watch it cannot have for a new subfolder
        without a word, so compare, and poll the folder when watches are missing."""
        observer = self._observer
        if observer is None or self.polling or not self._recursive:
            return
        short = await asyncio.to_thread(lambda: _count_folders(self._root) - _watches(observer))
        if short > 0:
            await self.stop()
            why = OSError(errno.ENOSPC, f"inotify watch limit reached ({short} folders)")
            await self._poll(_Handler(asyncio.get_running_loop(), self.events), why)

    async def stop(self) -> None:
        """Stop the observer, if one runs."""
        observer, self._observer = self._observer, None
        if observer is not None:
            await asyncio.to_thread(_unobserve, observer)

    async def _poll(self, handler: _Handler, why: OSError) -> None:
        self.detail = NO_WATCHES.format(error=why.strerror)
        log.warning("%s: %s", self._root, self.detail)
        self._observer = await asyncio.to_thread(
            _observe,
            PollingObserver(timeout=POLL_INTERVAL),
            handler,
            self._root,
            self._recursive,
        )
        self.polling = True


def _observe(
    observer: BaseObserver, handler: FileSystemEventHandler, path: str, recursive: bool
) -> BaseObserver:
    inotify = not isinstance(observer, PollingObserver)
    folders = _count_folders(path) if recursive and inotify else 1
    observer.schedule(handler, path, recursive=recursive, event_filter=EVENTS)
    try:
        observer.start()
        short = folders - _watches(observer) if inotify else 0
        if short > 0:
            # watchdog gives up on a subfolder it cannot watch without a word: events
            # there would never come.
            raise OSError(errno.ENOSPC, f"inotify watch limit reached ({short} folders)")
    except BaseException:
        _unobserve(observer)
        raise
    return observer


def _count_folders(path: str) -> int:
    """The folders an inotify observer of `path` needs a watch for (as watchdog walks)."""
    return 1 + sum(
        sum(not os.path.islink(os.path.join(root, name)) for name in names)
        for root, names, _ in os.walk(path)
    )


def _watches(observer: BaseObserver) -> int:
    """The inotify watches the observer holds (watchdog 7 keeps no public count; the
    version is pinned, and the watch-limit test fails if this stops counting)."""
    return sum(
        len(getattr(getattr(emitter, "_inotify", None), "_active_callbacks_by_path", ()))
        for emitter in observer.emitters
    )


def _unobserve(observer: BaseObserver) -> None:
    with contextlib.suppress(Exception):
        observer.stop()
        observer.join(timeout=10)
