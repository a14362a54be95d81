"""What one folder's OS events mean: files to settle, paths deleted (missing once they
stay gone), known files and folders renamed, and paths the catalog cannot store.

Nothing is registered from an event: a changed file goes to the `Settler`, and a
folder created or moved in is walked by a scan of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileSystemEvent,
)

from daemon.database import connection_lost
from daemon.errors import Conflict
from daemon.imaging.grouping import ScanProblem, unstorable
from daemon.paths import storable_path
from daemon.watching.catalog import Catalog
from daemon.watching.rules import Scope, ignored
from daemon.watching.settle import Settler

log = logging.getLogger(__name__)


class Deletions:
    """Deleted paths, with when and whether a folder, until they are confirmed gone."""

    def __init__(self) -> None:
        self._paths: dict[str, tuple[float, bool]] = {}

    def __bool__(self) -> bool:
        return bool(self._paths)

    def note(self, path: str, now: float, *, is_dir: bool) -> None:
        """The path was deleted or renamed away now."""
        self._paths[path] = (now, is_dir)

    def clear(self) -> None:
        """Forget every deletion (the folder went offline: nothing is known to be gone)."""
        self._paths.clear()

    async def confirm(self, now: float, quiet: float, catalog: Catalog) -> None:
        """Deleted paths that stayed gone for the quiet window are missing files; a
        file replaced by a save (written beside, renamed over) is not."""
        due = [
            (path, is_dir) for path, (seen, is_dir) in self._paths.items() if now - seen >= quiet
        ]
        if not due:
            return
        for path, _ in due:
            del self._paths[path]
        gone = await asyncio.to_thread(
            lambda: [(p, is_dir) for p, is_dir in due if not os.path.lexists(p)]
        )
        if not gone:
            return
        await catalog.set_state([path for path, is_dir in gone if not is_dir], "missing")
        for path, is_dir in gone:
            if is_dir:
                await catalog.set_state_under(path + os.sep, "missing", ["online"])


class EventSorter:
    """Sorts one folder's events into the settler, its deletions, the catalog's renames,
    part-scans of folders that appear and the problems to list."""

    def __init__(
        self,
        scope: Scope,
        settler: Settler,
        deletions: Deletions,
        catalog: Catalog,
        *,
        report: Callable[[list[ScanProblem]], Awaitable[None]],
        scan_under: Callable[[str], None],
    ) -> None:
        self._scope = scope
        self._settler = settler
        self._deletions = deletions
        self._catalog = catalog
        self._report = report
        self._scan_under = scan_under

    async def consume(
        self, events: asyncio.Queue[FileSystemEvent], lost: Callable[[], None]
    ) -> None:
        """Sort the events as they come, until cancelled; `lost`: the database was lost
        while one was sorted."""
        while True:
            event = await events.get()
            try:
                await self.sort(event)
            except Exception as exc:
                if connection_lost(exc):
                    lost()
                    continue
                log.exception("%s: could not handle %r", self._scope.root, event)

    async def sort(self, event: FileSystemEvent) -> None:
        """Act on one event."""
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
            self._scan_under(source)
        elif isinstance(event, FileDeletedEvent | DirDeletedEvent):
            self._settler.forget(source)
            if event.is_directory:
                self._settler.forget_under(source + os.sep)
                self._deletions.note(source, now, is_dir=True)
            elif self._scope.wanted(source):
                self._deletions.note(source, now, is_dir=False)
        elif self._scope.wanted(source):
            self._settler.touch(source, now)

    async def _moved(
        self, event: FileSystemEvent, source: str, destination: str, now: float
    ) -> None:
        inside = self._scope.inside(destination) and storable_path(destination)
        if not inside:
            await self._report_path(destination, is_dir=event.is_directory)
        if event.is_directory:
            self._settler.forget_under(source + os.sep)
            if not inside:
                self._deletions.note(source, now, is_dir=True)
                return
            # Paths already known there: the scan of the new place sorts them out.
            with contextlib.suppress(Conflict):
                await self._catalog.move_folder(source + os.sep, destination + os.sep)
            # Paths left behind (known there already, or too long at the new place) are
            # missing once the old folder stays gone.
            self._deletions.note(source, now, is_dir=True)
            self._scan_under(destination)
            return
        was_pending = source in self._settler
        self._settler.forget(source)
        if not inside or not self._scope.wanted(destination):
            self._deletions.note(source, now, is_dir=False)  # renamed to a name ignored, or away
            return
        if was_pending or ignored(source, self._scope.root):
            # A temp-then-rename writer (browser, rsync, sync tools): the new name is
            # the file's first appearance.
            self._settler.touch(destination, now)
            return
        if not await self._catalog.move_file(source, destination):
            # Unknown before, or renamed over another known file: look at both.
            self._deletions.note(source, now, is_dir=False)
            self._settler.touch(destination, now)

    async def _not_storable(self, event: FileSystemEvent, source: str, now: float) -> None:
        """An event for a path the catalog cannot store, so never registered and nothing
        to follow: a new one is listed as the folder's error; one renamed to a path the
        catalog can store (as that error advises) appears there for the first time."""
        if isinstance(event, FileMovedEvent | DirMovedEvent):
            destination = os.fsdecode(event.dest_path)
            if not storable_path(destination):
                await self._report_path(destination, is_dir=event.is_directory)
            elif event.is_directory:
                self._scan_under(destination)
            elif self._scope.wanted(destination):
                self._settler.touch(destination, now)
        elif not isinstance(event, FileDeletedEvent | DirDeletedEvent):
            await self._report_path(source, is_dir=event.is_directory)

    async def _report_path(self, path: str, *, is_dir: bool) -> None:
        """List a file or folder whose path the catalog cannot store, if a scan would."""
        if not self._scope.listed(path, is_dir=is_dir):
            return
        problem = unstorable(path, folder=is_dir)
        if problem is not None:
            await self._report([problem])
