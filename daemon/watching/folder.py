"""One watched folder: its OS watch, its scans, and the sessions its new photos go to.

Events arrive on watchdog's threads and are handed to the event loop; everything
else runs on the loop (disk look-ups on threads, their results applied on the
loop), so a folder's state has one writer. Nothing is registered straight from an
event: changed files wait in the `Settler` until they are quiet, and then go, a
photo's files together, to the folder's open session (its *burst*). Scans (at
start, when the folder comes back, hourly, and after the OS dropped events) find
what events missed and tell which known files are missing or back.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import math
import os
import stat as stat_module
import time
import uuid
from collections.abc import Coroutine, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

import asyncpg
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

from daemon.database import connection_lost
from daemon.errors import Conflict
from daemon.imaging.grouping import FileGroup, ScanProblem, group_directory, scan, unstorable
from daemon.paths import escaped, holder, own_folder_problem, storable_path
from daemon.registration import changes
from daemon.registration.feed import FeedClosed, GroupFeed
from daemon.registration.manager import Registrations
from daemon.services import input_sessions as sessions_service
from daemon.store import image_files
from daemon.store import registration as registration_store
from daemon.store import watching as store
from daemon.store.watching import WatchedFolderRow
from daemon.watching.rules import ignored, ignored_folder, photo_key
from daemon.watching.settle import Settler
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
# A burst's session stays open for this many quiet windows after its last photo was
# handed over: photos of one card import, arriving one after another, share a session.
BURST_GAP_QUIETS = 2.0
ROOT_CHECK = 2.0  # seconds between looks at whether the folder is still there
ROOT_CHECK_TIMEOUT = 10.0  # a network share that does not answer in this long is offline
ERROR_RETRY = 60.0  # seconds before a folder in error is tried again
POLL_INTERVAL = 10.0  # seconds between comparisons when the OS gives no watches
SCAN_CHUNK = 256
# A scan waits while this many of its files are still settling or queued for a session.
SCAN_BACKLOG = 2000
OVERFLOW_DETAIL = "the OS dropped file events (queue overflow); rescanning the folder"
NO_WATCHES = (
    "the system's limit of file watches is reached ({error}); comparing the folder every "
    f"{POLL_INTERVAL:.0f} s instead (raise fs.inotify.max_user_watches to watch it)"
)
LOGGED_PROBLEMS = 20  # a scan logs at most this many unreadable files and folders
OFFLINE = "the folder cannot be reached ({error}); waiting for it to come back"
UNMOUNTED = "its disk seems unmounted: an empty folder on another device is in its place"
NO_ANSWER = "no answer from the disk or share"


@dataclass(frozen=True, slots=True)
class Context:
    """What every folder of one watcher shares."""

    pool: asyncpg.Pool
    registrations: Registrations
    coldpreview_dir: Path
    data_dir: Path
    # Looks at folder roots: a share that hangs keeps one of these threads, never one
    # the rest of the daemon needs.
    probes: Executor


@dataclass(frozen=True, slots=True)
class _Root:
    """What one look at the folder itself found."""

    device: int
    inode: int
    empty: bool
    # Why the folder cannot be watched now that it leads where it does (a link into
    # the daemon's own folders put in its place); None when it can.
    refused: str | None = None


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


class FolderWatch:
    """Follows one enabled watched folder until `stop`."""

    def __init__(
        self, row: WatchedFolderRow, context: Context, quiet: float, rescan: float
    ) -> None:
        self.row = row
        self.state: WatchState = "starting"
        self.detail = ""
        self._context = context
        self._root = row.path
        self._prefix = row.path.rstrip(os.sep) + os.sep
        # The API refuses to watch them, but a data or coldpreview folder moved into a
        # watched folder later must still never have its previews registered as photos.
        self._own_folders = (context.data_dir, context.coldpreview_dir)
        self._own_prefixes = tuple(
            str(folder).rstrip(os.sep) + os.sep for folder in self._own_folders
        )
        self.settler = Settler(quiet, photo_key)
        self._rescan_every = rescan
        self._events: asyncio.Queue[FileSystemEvent] = asyncio.Queue()
        self._observer: BaseObserver | None = None
        self._polling = False
        self._watch_detail = ""  # why the folder is polled, while it is
        self._identity: _Root | None = None
        self._unmounted = False
        self._probe: asyncio.Future[_Root] | None = None
        self._probe_started = 0.0
        self._tasks: set[asyncio.Task[None]] = set()
        self._scan: asyncio.Task[None] | None = None
        self._rescan_wanted = False
        self._next_rescan = math.inf
        self._next_root_check = 0.0
        self._retry_at = math.inf
        # Deleted paths, when and whether a folder, until they are confirmed gone.
        self._gone: dict[str, tuple[float, bool]] = {}
        self._feed: GroupFeed | None = None  # the open burst
        self._feeds: list[GroupFeed] = []  # every burst whose job has not ended
        self._last_fed = 0.0
        # Paths the catalog cannot store that a session of this watch already lists.
        self._reported: set[str] = set()

    # Life cycle -----------------------------------------------------------------

    async def start(self) -> None:
        """Watch, then catch up with what happened while nobody watched."""
        try:
            self._identity = await asyncio.wait_for(self._look_at_root(), ROOT_CHECK_TIMEOUT)
        except TimeoutError:
            await self._go_offline(NO_ANSWER)
            return
        except OSError as exc:
            await self._go_offline(exc.strerror or str(exc))
            return
        if self._identity.refused is not None:
            await self._go_offline(self._identity.refused)
            return
        # Empty while the catalog has files from it: the folder left behind by a disk
        # that is not mounted (never "every photo deleted" without a look at the disk).
        self._unmounted = self._identity.empty and await self._known_files()
        if self._unmounted:
            await self._go_offline(UNMOUNTED)
            return
        self._spawn(self._consume(), "events")
        try:
            await self._start_observer()
        except OSError as exc:
            await self._stop_observer()
            self.fail(f"cannot watch the folder: {exc.strerror or exc}")
            return
        self._start_scan(full=True)

    def fail(self, detail: str) -> None:
        """Report the error, and try the folder again later."""
        log.error("%s: %s", self._root, detail)
        self.state, self.detail = "error", detail
        self._retry_at = time.monotonic() + ERROR_RETRY

    async def stop(self) -> None:
        """Stop watching; a session in progress registers what it was given."""
        await self._stop_observer()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self._close_burst()

    def retime(self, quiet: float, rescan: float) -> None:
        """New watch settings, taken on the fly."""
        self.settler.quiet = quiet
        if rescan != self._rescan_every and self._next_rescan != math.inf:
            self._next_rescan += rescan - self._rescan_every
        self._rescan_every = rescan

    def rescan(self) -> bool:
        """Walk the folder again as soon as possible; False when it is offline."""
        if self.state == "offline":
            return False
        self._rescan_wanted = True
        return True

    def overflowed(self) -> None:
        """The OS dropped events: only a scan can tell what they were."""
        if self._observer is not None and not self._polling:
            log.warning("%s: %s", self._root, OVERFLOW_DETAIL)
            self.detail = OVERFLOW_DETAIL
            self._rescan_wanted = True

    @property
    def pending_files(self) -> int:
        """Files seen changing and not yet taken by a session's job."""
        return len(self.settler) + sum(feed.backlog for feed in self._feeds)

    async def tick(self, now: float, wall_now: float) -> None:
        """Everything that is due: the folder's presence, rescans, quiet files, bursts."""
        if self.state == "error":
            if now >= self._retry_at:
                await self._restart()
            return
        if not await self._present(now) or self.state == "offline":
            return
        scanning = self._scan is not None and not self._scan.done()
        if not scanning and (self._rescan_wanted or now >= self._next_rescan):
            self._start_scan(full=True)
        if len(self.settler):
            # The look in a thread: stat calls on a slow disk must not hold up the loop.
            looks = await asyncio.to_thread(Settler.look, self.settler.paths())
            ready = self.settler.due(looks, now, wall_now)
            if ready:
                await self._hand_over(ready, now)
        if self._gone:
            await self._confirm_gone(now)
        self._follow_bursts(now)

    async def _restart(self) -> None:
        await self.stop()
        self.state, self.detail = "starting", ""
        await self.start()

    # The folder's presence --------------------------------------------------------

    async def _look_at_root(self) -> _Root:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._context.probes, _look_at_root, self._root, self._own_folders
        )

    async def _present(self, now: float) -> bool:
        """Follow the folder's presence with at most one look at a time: go offline
        when it is gone, unmounted or does not answer; come back with a catch-up scan
        (also when another folder now has its name). False once it went offline here."""
        if self._probe is None:
            if now >= self._next_root_check:
                self._probe = asyncio.ensure_future(self._look_at_root())
                self._probe_started = now
            return True
        if not self._probe.done():
            if now - self._probe_started > ROOT_CHECK_TIMEOUT and self.state != "offline":
                await self._go_offline(NO_ANSWER)
                return False
            return True
        probe, self._probe = self._probe, None
        self._next_root_check = now + ROOT_CHECK
        try:
            root = probe.result()
        except OSError as exc:
            if self.state != "offline":
                await self._go_offline(exc.strerror or str(exc))
            return False
        if root.refused is not None:
            if self.state != "offline":
                await self._go_offline(root.refused)
            return False
        known = self._identity
        if root.empty and (self._unmounted or (known is not None and root.device != known.device)):
            if self.state != "offline":
                self._unmounted = True
                await self._go_offline(UNMOUNTED)
            return False
        same = known is not None and (root.device, root.inode) == (known.device, known.inode)
        if self.state == "offline" or not same:
            log.info("%s is back; catching up", self._root)
            await self._restart()
        elif self._observer is not None and not self._observer.is_alive():
            log.warning("%s: the file watch stopped; starting it again", self._root)
            await self._restart()
        return True

    async def _go_offline(self, reason: str) -> None:
        log.warning("%s is offline: %s", self._root, reason)
        await self.stop()
        self.state, self.detail = "offline", OFFLINE.format(error=reason)
        self.settler.forget_under(self._prefix)
        self._gone.clear()
        async with self._context.pool.acquire() as conn:
            await image_files.set_state_under(conn, self._prefix, "offline", ["online"])

    async def _known_files(self) -> bool:
        async with self._context.pool.acquire() as conn:
            return await image_files.any_under(conn, self._prefix)

    # The OS watch -----------------------------------------------------------------

    async def _start_observer(self) -> None:
        handler = _Handler(asyncio.get_running_loop(), self._events)
        try:
            self._observer = await asyncio.to_thread(
                _observe, Observer(), handler, self._root, self.row.recursive
            )
            self._polling, self._watch_detail = False, ""
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EMFILE):
                raise
            await self._start_polling(handler, exc)
        self.detail = self._watch_detail
        self.state = "polling" if self._polling else "watching"

    async def _start_polling(self, handler: _Handler, why: OSError) -> None:
        self._watch_detail = NO_WATCHES.format(error=why.strerror)
        log.warning("%s: %s", self._root, self._watch_detail)
        self._observer = await asyncio.to_thread(
            _observe,
            PollingObserver(timeout=POLL_INTERVAL),
            handler,
            self._root,
            self.row.recursive,
        )
        self._polling = True

    async def _short_of_watches(self) -> None:
        """After a scan: watchdog drops a watch it cannot have for a new subfolder
        without a word, so compare, and poll the folder when watches are missing."""
        observer = self._observer
        if observer is None or self._polling or not self.row.recursive:
            return
        short = await asyncio.to_thread(lambda: _count_folders(self._root) - _watches(observer))
        if short > 0:
            await self._stop_observer()
            why = OSError(errno.ENOSPC, f"inotify watch limit reached ({short} folders)")
            await self._start_polling(_Handler(asyncio.get_running_loop(), self._events), why)

    async def _stop_observer(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            await asyncio.to_thread(_unobserve, observer)

    # Events -----------------------------------------------------------------------

    async def _consume(self) -> None:
        while True:
            event = await self._events.get()
            try:
                await self._on_event(event)
            except Exception as exc:
                if connection_lost(exc):
                    self._rescan_wanted = True  # the next scan settles what this missed
                    continue
                log.exception("%s: could not handle %r", self._root, event)

    async def _on_event(self, event: FileSystemEvent) -> None:
        if event.is_synthetic:
            # watchdog's own events for the contents of a folder moved or created: the
            # folder's move or its part-scan covers them.
            return
        now = time.monotonic()
        source = os.fsdecode(event.src_path)
        if not storable_path(source):
            await self._not_storable(event, source, now)
            return
        if isinstance(event, FileMovedEvent | DirMovedEvent):
            await self._moved(event, source, os.fsdecode(event.dest_path), now)
        elif isinstance(event, DirCreatedEvent):
            self._start_scan(full=False, under=source)
        elif isinstance(event, FileDeletedEvent | DirDeletedEvent):
            self.settler.forget(source)
            if event.is_directory:
                self.settler.forget_under(source + os.sep)
                self._gone[source] = (now, True)
            elif self._wanted(source):
                self._gone[source] = (now, False)
        elif self._wanted(source):
            self.settler.touch(source, now)

    async def _moved(
        self, event: FileSystemEvent, source: str, destination: str, now: float
    ) -> None:
        inside = self._inside(destination) and storable_path(destination)
        if not inside:
            await self._report_path(destination, is_dir=event.is_directory)
        if event.is_directory:
            self.settler.forget_under(source + os.sep)
            if not inside:
                self._gone[source] = (now, True)
                return
            # Paths already known there: the scan of the new place sorts them out.
            with contextlib.suppress(Conflict):
                async with self._context.pool.acquire() as conn, conn.transaction():
                    await image_files.move_folder(conn, source + os.sep, destination + os.sep)
            # Paths left behind (known there already, or too long at the new place) are
            # missing once the old folder stays gone.
            self._gone[source] = (now, True)
            self._start_scan(full=False, under=destination)
            return
        was_pending = source in self.settler
        self.settler.forget(source)
        if not inside or not self._wanted(destination):
            self._gone[source] = (now, False)  # renamed to a name ignored, or away
            return
        if was_pending or ignored(source, self._root):
            # A temp-then-rename writer (browser, rsync, sync tools): the new name is
            # the file's first appearance.
            self.settler.touch(destination, now)
            return
        async with self._context.pool.acquire() as conn, conn.transaction():
            moved = await image_files.move_file(conn, source, destination)
        if not moved:
            # Unknown before, or renamed over another known file: look at both.
            self._gone[source] = (now, False)
            self.settler.touch(destination, now)

    def _inside(self, path: str) -> bool:
        if not path.startswith(self._prefix):
            return False
        return self.row.recursive or os.path.dirname(path) == self._root

    def _wanted(self, path: str) -> bool:
        return (
            self._inside(path)
            and not path.startswith(self._own_prefixes)
            and not ignored(path, self._root)
            and storable_path(path)
        )

    async def _not_storable(self, event: FileSystemEvent, source: str, now: float) -> None:
        """An event for a path the catalog cannot store, so never registered and nothing
        to follow: a new one is listed as the folder's error; one renamed to a path the
        catalog can store (as that error advises) appears there for the first time."""
        if isinstance(event, FileMovedEvent | DirMovedEvent):
            destination = os.fsdecode(event.dest_path)
            if not storable_path(destination):
                await self._report_path(destination, is_dir=event.is_directory)
            elif event.is_directory:
                self._start_scan(full=False, under=destination)
            elif self._wanted(destination):
                self.settler.touch(destination, now)
        elif not isinstance(event, FileDeletedEvent | DirDeletedEvent):
            await self._report_path(source, is_dir=event.is_directory)

    async def _report_path(self, path: str, *, is_dir: bool) -> None:
        """List a file or folder whose path the catalog cannot store, if a scan would
        list it: inside the folder, not left out by the rules, under a folder that is
        not listed itself."""
        if not self._inside(path) or path.startswith(self._own_prefixes):
            return
        if is_dir:
            if not self.row.recursive or ignored_folder(path, self._root):
                return
        elif ignored(path, self._root):
            return
        parent = os.path.dirname(path)
        if parent != self._root and not storable_path(parent):
            return  # the folder's own entry is listed
        problem = unstorable(path, folder=is_dir)
        if problem is not None:
            await self._report([problem])

    async def _confirm_gone(self, now: float) -> None:
        """Deleted paths that stayed gone for the quiet window are missing files; a
        file replaced by a save (written beside, renamed over) is not."""
        due = [
            (path, is_dir)
            for path, (seen, is_dir) in self._gone.items()
            if now - seen >= self.settler.quiet
        ]
        if not due:
            return
        for path, _ in due:
            del self._gone[path]
        gone = await asyncio.to_thread(
            lambda: [(p, is_dir) for p, is_dir in due if not os.path.lexists(p)]
        )
        if not gone:
            return
        async with self._context.pool.acquire() as conn:
            await image_files.set_state(
                conn, [path for path, is_dir in gone if not is_dir], "missing"
            )
            for path, is_dir in gone:
                if is_dir:
                    await image_files.set_state_under(conn, path + os.sep, "missing", ["online"])

    # Scans ------------------------------------------------------------------------

    def _start_scan(self, *, full: bool, under: str | None = None) -> None:
        if full:
            if self._scan is not None and not self._scan.done():
                self._rescan_wanted = True
                return
            self._rescan_wanted = False
            self._next_rescan = math.inf
            self._scan = self._spawn(self._walk(Path(self._root), full=True), "scan")
        elif under is not None and self.row.recursive and under.startswith(self._prefix):
            self._spawn(self._walk(Path(under), full=False), "scan-part")

    async def _walk(self, top: Path, *, full: bool) -> None:
        """Find the files the catalog lacks; after a full walk, settle which known files
        are missing and which are back."""
        state_before = self.state
        if full:
            self.state = "scanning"
        seen: set[str] = set()
        problems: list[ScanProblem] = []
        items: Iterator[FileGroup | ScanProblem] = scan(
            top, recursive=self.row.recursive, own_folders=self._own_folders
        )
        try:
            while True:
                chunk = await asyncio.to_thread(lambda: list(islice(items, SCAN_CHUNK)))
                if not chunk:
                    break
                problems.extend(item for item in chunk if isinstance(item, ScanProblem))
                paths = [
                    ref.path
                    for group in chunk
                    if isinstance(group, FileGroup)
                    for ref in group.files
                ]
                seen.update(paths)
                for path in await self._unknown(paths):
                    self.settler.found(path)
                # Polled: the backlog shrinks in ticks and in the job, with no event of its own.
                while self.pending_files > SCAN_BACKLOG:  # noqa: ASYNC110
                    await asyncio.sleep(0.5)
            await self._report([problem for problem in problems if not problem.transient])
            if full:
                await self._reconcile(seen, problems)
                async with self._context.pool.acquire() as conn:
                    await store.scanned(conn, self.row.id)
        finally:
            if full:
                self.state = state_before if state_before != "scanning" else self._watch_state()
                self._next_rescan = time.monotonic() + self._rescan_every
        if full:
            await self._short_of_watches()
            self.state = self._watch_state()
            self.detail = _unreadable(problems) or self._watch_detail
            for problem in problems[:LOGGED_PROBLEMS]:
                log.warning("%s: %s", problem.path, problem.error)

    async def _unknown(self, paths: list[str]) -> list[str]:
        """The paths a scan should hand over: not in the catalog or written since it was
        read there (a reused name), not with a session's job already, and not a file
        that failed and is unchanged since (each scan would fail it again)."""
        # A feed whose job has ended (cancelled, say) holds nothing, even before the next
        # tick forgets it: a scan right after a cancel must hand its files over again.
        held = [feed for feed in self._feeds if feed.outcome is None]
        in_flight = [path for path in paths if any(path in feed.paths for feed in held)]
        async with self._context.pool.acquire() as conn:
            known = await registration_store.known_paths(conn, paths)
        rewritten = await changes.rewritten_masters(known)
        candidates = [
            path
            for path in paths
            if (path not in known or path in rewritten) and path not in in_flight
        ]
        async with self._context.pool.acquire() as conn:
            failed = await store.failed_since(conn, self.row.id, candidates)
        if not failed:
            return candidates
        changed = await asyncio.to_thread(_changed_since, failed)
        return [path for path in candidates if path not in failed or path in changed]

    def _watch_state(self) -> WatchState:
        return "polling" if self._polling else "watching"

    async def _reconcile(self, seen: set[str], problems: list[ScanProblem]) -> None:
        async with self._context.pool.acquire() as conn:
            known = await image_files.files_under(conn, self._prefix)
        if not self.row.recursive:
            known = {p: s for p, s in known.items() if os.path.dirname(p) == self._root}
        # A file under a folder the scan could not read is not known to be gone.
        unread = tuple(problem.path.rstrip(os.sep) + os.sep for problem in problems)
        back = [path for path, state in known.items() if path in seen and state != "online"]
        unseen = [
            path
            for path, state in known.items()
            if path not in seen and state != "missing" and not path.startswith(unread)
        ]

        def settle() -> tuple[list[str], list[str]]:
            return (
                [p for p in back if os.path.lexists(p)],
                [p for p in unseen if not os.path.lexists(p)],
            )

        back, gone = await asyncio.to_thread(settle)
        if back:
            # A name that is back with another picture in it is not its photo's file
            # back: the scan handed it over, and a session reads it again.
            async with self._context.pool.acquire() as conn:
                known_back = await registration_store.known_paths(conn, back)
            rewritten = await changes.rewritten_masters(known_back)
            back = [path for path in back if path not in rewritten]
        async with self._context.pool.acquire() as conn:
            if back:
                await image_files.set_state(conn, back, "online")
            if gone:
                await image_files.set_state(conn, gone, "missing")
        if back or gone:
            log.info("%s: %d file(s) back, %d missing", self._root, len(back), len(gone))

    # Handing photos to sessions ---------------------------------------------------

    async def _hand_over(self, ready: list[list[str]], now: float) -> None:
        """Quiet files → whole groups (every file of the photo on disk) → the burst."""
        keys_by_folder: dict[str, set[str]] = {}
        for paths in ready:
            folder, stem = photo_key(paths[0])
            keys_by_folder.setdefault(folder, set()).add(stem)
        groups = await asyncio.to_thread(_regroup, keys_by_folder, self._root, self._own_folders)
        groups = [group for group in groups if self._wanted(group.master.path)]
        if not groups:
            return
        async with self._context.pool.acquire() as conn:
            known = await registration_store.known_paths(
                conn, [ref.path for group in groups for ref in group.files]
            )
        # A known name written anew (a reused name, a file overwritten) may hold another
        # picture: a session reads it again, and only that says whose file it is.
        rewritten = await changes.rewritten_masters(known)
        back = [path for path, seen in known.items() if seen.is_file and path not in rewritten]
        if back:
            async with self._context.pool.acquire() as conn:
                await image_files.set_state(conn, back, "online")
        fresh = [
            group
            for group in groups
            if group.master.path in rewritten or any(ref.path not in known for ref in group.files)
        ]
        if fresh:
            await self._feed_burst(fresh)
            self._last_fed = now

    async def _report(self, problems: list[ScanProblem]) -> None:
        """List what the folder's sessions cannot register as an error of its burst, as
        a registration does: once, not again at every rescan or event."""
        fresh = {p.path: p for p in problems if p.path not in self._reported}
        if not fresh:
            return
        # Taken before the look-up: an event and a scan reporting one path at once list it once.
        self._reported.update(fresh)
        try:
            async with self._context.pool.acquire() as conn:
                listed = await store.failed_since(conn, self.row.id, list(fresh))
            unlisted = [problem for path, problem in fresh.items() if path not in listed]
            if unlisted:
                await self._feed_burst(unlisted)
                self._last_fed = time.monotonic()
        except BaseException:
            self._reported.difference_update(fresh)  # not listed: the next scan tries again
            raise

    async def _feed_burst(self, groups: Sequence[FileGroup | ScanProblem]) -> None:
        if self._feed is not None:
            try:
                self._feed.put(groups)
                return
            except FeedClosed:
                self._feed = None  # its job ended (cancelled, or the daemon stopping)
        feed = GroupFeed()
        feed.put(groups)
        name = f"{Path(self._root).name or self._root} (watched, {datetime.now():%Y-%m-%d %H:%M})"
        session_id: uuid.UUID = await sessions_service.start_fed(
            self._context.pool,
            self._context.registrations,
            self._context.coldpreview_dir,
            feed,
            name=name,
            folder=Path(self._root),
            recursive=self.row.recursive,
            photographer_id=self.row.photographer_id,
            watched_folder_id=self.row.id,
        )
        log.info("%s: new photos go to session %s", self._root, session_id)
        self._feed = feed
        self._feeds.append(feed)

    def _follow_bursts(self, now: float) -> None:
        """Close the open burst after its gap; act on bursts whose job has ended."""
        if (
            self._feed is not None
            and self._feed.backlog == 0
            and now - self._last_fed > BURST_GAP_QUIETS * self.settler.quiet
        ):
            self._close_burst()
        for feed in [feed for feed in self._feeds if feed.outcome is not None]:
            self._feeds.remove(feed)
            if feed is self._feed:
                self._feed = None
            if feed.outcome == "interrupted":
                # Its job lost the database: a scan finds what it did not store.
                self._rescan_wanted = True
            elif feed.outcome == "failed":
                self.fail("registering this folder's new photos failed; see the session")

    def _close_burst(self) -> None:
        if self._feed is not None:
            self._feed.close()
            self._feed = None

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(work, name=f"watch-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._task_ended)
        return task

    def _task_ended(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        if connection_lost(exc):
            self._rescan_wanted = True
            return
        log.error("%s: %s failed", self._root, task.get_name(), exc_info=exc)
        self.fail(f"{type(exc).__name__}: {exc}")


def _look_at_root(path: str, own_folders: tuple[Path, ...]) -> _Root:
    """The folder's device, inode and emptiness, and whether it now leads into or over
    the daemon's own folders; OSError when it is not a folder."""
    stat = os.stat(path)
    if not stat_module.S_ISDIR(stat.st_mode):
        raise OSError(errno.ENOTDIR, "not a folder any more")
    with os.scandir(path) as entries:
        empty = next(entries, None) is None
    real = os.path.realpath(path)
    refused = own_folder_problem(Path(real), own_folders)
    if refused is not None:
        refused = f"it now leads to {escaped(real)}, which {refused}"
    return _Root(stat.st_dev, stat.st_ino, empty, refused)


def _changed_since(failed: dict[str, float]) -> set[str]:
    """The files modified (or gone) after their last failure (Unix times)."""
    changed = set()
    for path, when in failed.items():
        try:
            if os.stat(path).st_mtime > when:
                changed.add(path)
        except OSError:
            changed.add(path)
    return changed


def _unreadable(problems: list[ScanProblem]) -> str:
    """The state detail for what a scan had to leave out."""
    if not problems:
        return ""
    first = problems[0]
    more = f" (and {len(problems) - 1} more; see the log)" if len(problems) > 1 else ""
    return f"cannot register everything: {first.path}: {first.error}{more}"


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


def _regroup(
    keys_by_folder: dict[str, set[str]], root: str, own_folders: tuple[Path, ...]
) -> list[FileGroup]:
    """The groups of these photos, from every file of theirs now in their folders (never
    from a folder that leads into the daemon's own, whatever link or mount led there)."""
    groups: list[FileGroup] = []
    for folder, stems in keys_by_folder.items():
        if holder(Path(os.path.realpath(folder)), own_folders) is not None:
            continue
        try:
            with os.scandir(folder) as entries:
                names = [
                    entry.name
                    for entry in entries
                    if not ignored(entry.path, root)
                    and photo_key(entry.path)[1] in stems
                    and storable_path(entry.path)
                    and entry.is_file(follow_symlinks=True)
                ]
        except OSError:
            continue  # the folder went meanwhile: its files are gone, not ready
        groups.extend(group_directory(folder, names))
    return groups
