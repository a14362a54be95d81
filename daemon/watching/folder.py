"""One watched folder: the state machine that follows it, from its OS watch and its
scans to the sessions its new photos go to.

Events arrive on watchdog's threads and are handed to the event loop; everything
else runs on the loop (disk look-ups on threads, their results applied on the
loop), so a folder's state has one writer. Nothing is registered straight from an
event: changed files wait in the `Settler` until they are quiet, and then go, a
photo's files together, to the folder's open session (its *burst*). Scans (at
start, when the folder comes back, hourly, and after the OS dropped events) find
what events missed and tell which known files are missing or back. The catalog is
reached through one port (`Catalog`), the folder's presence judged in `presence`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from daemon.database import connection_lost
from daemon.store.watching import WatchedFolderRow
from daemon.watching import scan
from daemon.watching.bursts import Bursts
from daemon.watching.catalog import Catalog
from daemon.watching.events import Deletions, EventSorter
from daemon.watching.observer import OsWatch
from daemon.watching.presence import OFFLINE, Offline, Presence, look
from daemon.watching.rules import Scope, photo_key
from daemon.watching.settle import Settler
from daemon.watching.tasks import Tasks
from protocol.watched_folders import WatchState

log = logging.getLogger(__name__)

ERROR_RETRY = 60.0  # seconds before a folder in error is tried again
OVERFLOW_DETAIL = "the OS dropped file events (queue overflow); rescanning the folder"


@dataclass(frozen=True, slots=True)
class Context:
    """What every folder of one watcher shares."""

    catalog: Catalog
    # The daemon's data and coldpreview folders: never registered, never watched into.
    own_folders: tuple[Path, ...]
    # Looks at folder roots: a share that hangs keeps one of these threads, never one
    # the rest of the daemon needs.
    probes: Executor
    # The OS watch of a folder (its root, recursive or not).
    os_watch: Callable[[str, bool], OsWatch] = OsWatch


class FolderWatch:
    """Follows one enabled watched folder until `stop`."""

    def __init__(
        self, row: WatchedFolderRow, context: Context, quiet: float, rescan: float
    ) -> None:
        self.row = row
        self.state: WatchState = "starting"
        self.detail = ""
        self._catalog = context.catalog
        self._scope = Scope(row.path, recursive=row.recursive, own_folders=context.own_folders)
        self.settler = Settler(quiet, photo_key)
        self._rescan_every = rescan
        self._watch = context.os_watch(row.path, row.recursive)
        self._presence = Presence(partial(look, context.probes, row.path, context.own_folders))
        self._deletions = Deletions()
        self._bursts = Bursts(row, self._scope, self._catalog)
        self._events = EventSorter(
            self._scope,
            self.settler,
            self._deletions,
            self._catalog,
            report=self._bursts.report,
            scan_under=self._scan_under,
        )
        self._tasks = Tasks(self._task_failed)
        self._scan: asyncio.Task[None] | None = None
        self._rescan_wanted = False
        self._next_rescan = math.inf
        self._retry_at = math.inf

    async def start(self) -> None:
        """Watch, then catch up with what happened while nobody watched."""
        offline = await self._presence.first(
            lambda: self._catalog.any_files_under(self._scope.prefix)
        )
        if offline is not None:
            await self._go_offline(offline.reason)
            return
        self._tasks.spawn(self._events.consume(self._watch.events, self._lost), "events")
        try:
            await self._watch.start()
        except OSError as exc:
            await self._watch.stop()
            self.fail(f"cannot watch the folder: {exc.strerror or exc}")
            return
        self.state, self.detail = self._watch.state, self._watch.detail
        self._start_scan()

    def fail(self, detail: str) -> None:
        """Report the error, and try the folder again later."""
        log.error("%s: %s", self.row.path, detail)
        self.state, self.detail = "error", detail
        self._retry_at = time.monotonic() + ERROR_RETRY

    async def stop(self) -> None:
        """Stop watching; a session in progress registers what it was given."""
        await self._watch.stop()
        await self._tasks.cancel()
        self._bursts.close()

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
        if self._watch.through_os:
            log.warning("%s: %s", self.row.path, OVERFLOW_DETAIL)
            self.detail = OVERFLOW_DETAIL
            self._rescan_wanted = True

    @property
    def pending_files(self) -> int:
        """Files seen changing and not yet taken by a session's job."""
        return len(self.settler) + self._bursts.backlog

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
            self._start_scan()
        if len(self.settler):
            # The look in a thread: stat calls on a slow disk must not hold up the loop.
            looks = await asyncio.to_thread(Settler.look, self.settler.paths())
            ready = self.settler.due(looks, now, wall_now)
            if ready:
                await self._bursts.hand_over(ready, now)
        if self._deletions:
            await self._deletions.confirm(now, self.settler.quiet, self._catalog)
        for outcome in self._bursts.follow(now, self.settler.quiet):
            if outcome == "interrupted":
                # Its job lost the database: a scan finds what it did not store.
                self._rescan_wanted = True
            elif outcome == "failed":
                self.fail("registering this folder's new photos failed; see the session")

    async def _restart(self) -> None:
        await self.stop()
        self.state, self.detail = "starting", ""
        await self.start()

    async def _present(self, now: float) -> bool:
        """Act on the verdict of the last look at the folder: go offline when it is
        gone, unmounted or does not answer; come back with a catch-up scan (also when
        another folder now has its name). False once it went offline here."""
        verdict = self._presence.check(now)
        if verdict is None:
            return True
        if isinstance(verdict, Offline):
            if self.state != "offline":
                if verdict.unmounted:
                    self._presence.unmounted = True
                await self._go_offline(verdict.reason)
            return False
        if self.state == "offline" or verdict == "other":
            log.info("%s is back; catching up", self.row.path)
            await self._restart()
        elif self._watch.died:
            log.warning("%s: the file watch stopped; starting it again", self.row.path)
            await self._restart()
        return True

    async def _go_offline(self, reason: str) -> None:
        log.warning("%s is offline: %s", self.row.path, reason)
        await self.stop()
        self.state, self.detail = "offline", OFFLINE.format(error=reason)
        self.settler.forget_under(self._scope.prefix)
        self._deletions.clear()
        await self._catalog.set_state_under(self._scope.prefix, "offline", ["online"])

    def _lost(self) -> None:
        """The database was lost midway: the next scan settles what was missed."""
        self._rescan_wanted = True

    def _start_scan(self) -> None:
        """A full scan, unless one runs (then another once it ends)."""
        if self._scan is not None and not self._scan.done():
            self._rescan_wanted = True
            return
        self._rescan_wanted = False
        self._next_rescan = math.inf
        self._scan = self._tasks.spawn(self._walk(Path(self.row.path), full=True), "scan")

    def _scan_under(self, folder: str) -> None:
        """A scan of a folder that appeared inside the watched one."""
        if self.row.recursive and folder.startswith(self._scope.prefix):
            self._tasks.spawn(self._walk(Path(folder), full=False), "scan-part")

    async def _walk(self, top: Path, *, full: bool) -> None:
        """Find the files the catalog lacks; after a full walk, settle which known files
        are missing and which are back."""
        state_before = self.state
        if full:
            self.state = "scanning"
        try:
            problems = await scan.run(
                top,
                self._scope,
                self._catalog,
                self.row.id,
                full=full,
                found=self._found,
                backlog=lambda: self.pending_files,
                report=self._bursts.report,
            )
        finally:
            if full:
                self.state = state_before if state_before != "scanning" else self._watch.state
                self._next_rescan = time.monotonic() + self._rescan_every
        if full:
            await self._watch.short_of_watches()
            self.state = self._watch.state
            self.detail = scan.unreadable(problems) or self._watch.detail

    async def _found(self, paths: list[str]) -> None:
        """Paths a scan found: those the catalog lacks go to the settler."""
        in_flight = self._bursts.in_flight(paths)
        for path in await scan.unknown(self._catalog, self.row.id, paths, in_flight):
            self.settler.found(path)

    def _task_failed(self, task: asyncio.Task[None], exc: BaseException) -> None:
        if connection_lost(exc):
            self._lost()
            return
        log.error("%s: %s failed", self.row.path, task.get_name(), exc_info=exc)
        self.fail(f"{type(exc).__name__}: {exc}")
