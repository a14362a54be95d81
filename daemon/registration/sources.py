"""Where a registration job's groups come from: a scan of its folder, or the groups a
watched folder feeds it. The job asks its source for chunks and tells it how it ended;
what differs between the two stays here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import AsyncIterator
from itertools import islice
from pathlib import Path
from typing import Protocol

import asyncpg

from daemon.imaging.grouping import DirectoryCounts, FileGroup, ScanProblem, scan
from daemon.registration.feed import GroupFeed
from daemon.registration.progress import Progress
from daemon.store import input_sessions as sessions_store
from daemon.store import stacks as stacks_store

log = logging.getLogger(__name__)

CHUNK = 64  # groups read from the scan and checked against the catalog at once
FEED_WAIT = 0.5  # seconds a fed job waits for groups before it looks at stop and cancel
# How the rest gets registered: a folder by registering it again (known files are
# skipped); a watched folder's burst by the watcher's next scan, which comes by itself.
RESUME = "; register the folder again to resume"
RESUME_WATCHED = "; the watched folder is scanned again, which registers the rest"

Chunk = list[FileGroup | ScanProblem]


class GroupSource(Protocol):
    """What a job needs of where its groups come from."""

    # Said after an interrupted session's failure: how the rest gets registered.
    resume: str

    async def count(self) -> None:
        """Record the session's totals, beside the registering (cancelled at the job's end)."""

    def taking(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Around the registering: the source gives no group after it."""

    async def next_chunk(self) -> Chunk | None:
        """The next groups to look at: [] at the end, None when none came yet."""

    async def completed(self) -> None:
        """The job registered everything, neither cancelled nor stopped."""

    def ended(self, status: str) -> None:
        """The job's final status, before it is recorded."""


class Totals:
    """The session's totals, in its live progress and in its row."""

    def __init__(self, pool: asyncpg.Pool, session_id: uuid.UUID, progress: Progress) -> None:
        self._pool = pool
        self._session_id = session_id
        self.progress = progress

    async def record(self, *, files: int, ignored: int, groups: int) -> None:
        """The session's totals, once known (a fed session's: what it was given)."""
        self.progress.groups_total = groups
        self.progress.files_found = files
        async with self._pool.acquire() as conn:
            await sessions_store.set_scan_totals(
                conn, self._session_id, files=files, ignored=ignored, groups=groups
            )


class ScanSource:
    """A folder, scanned as the job goes; counted beside it for a total and an ETA."""

    resume = RESUME

    def __init__(
        self,
        folder: Path,
        recursive: bool,
        own_folders: tuple[Path, ...],
        pool: asyncpg.Pool,
        totals: Totals,
    ) -> None:
        self._folder = folder
        self._recursive = recursive
        self._own_folders = own_folders  # never walked: the daemon's data and previews
        self._pool = pool
        self._totals = totals
        self._items = scan(folder, recursive=recursive, own_folders=own_folders)

    async def count(self) -> None:
        """Count the folder beside the real scan, so progress has a total and an ETA."""
        counts = DirectoryCounts()

        def count() -> int:
            return sum(
                isinstance(item, FileGroup)
                for item in scan(
                    self._folder,
                    recursive=self._recursive,
                    counts=counts,
                    own_folders=self._own_folders,
                )
            )

        groups = await asyncio.to_thread(count)
        await self._totals.record(files=counts.files, ignored=counts.ignored, groups=groups)

    @contextlib.asynccontextmanager
    async def taking(self) -> AsyncIterator[None]:
        """A scan ends by itself."""
        yield

    async def next_chunk(self) -> Chunk | None:
        """The scan's next groups; [] when it has walked the whole folder."""
        return await asyncio.to_thread(lambda: list(islice(self._items, CHUNK)))

    async def completed(self) -> None:
        """Duplicate rows are passive: one whose file is gone from the folder goes too."""
        folder = str(self._folder).rstrip(os.sep) + os.sep
        async with self._pool.acquire() as conn:
            rows = await stacks_store.duplicates_under(conn, folder)

        def vanished() -> list[uuid.UUID]:
            return [
                row_id
                for row_id, path in rows
                if (self._recursive or Path(path).parent == self._folder)
                and not os.path.lexists(path)
            ]

        gone = await asyncio.to_thread(vanished)
        if gone:
            async with self._pool.acquire() as conn:
                await stacks_store.delete_duplicates(conn, gone)
            log.info("forgot %d duplicate(s) whose file is gone", len(gone))

    def ended(self, status: str) -> None:
        """Nobody waits for a scan's end but the job."""


class FeedSource:
    """A watched folder's burst: the groups its watcher hands over until the job ends."""

    resume = RESUME_WATCHED

    def __init__(self, feed: GroupFeed, totals: Totals) -> None:
        self._feed = feed
        self._totals = totals

    async def count(self) -> None:
        """A feed's totals are what it was given: recorded as the registering ends."""

    @contextlib.asynccontextmanager
    async def taking(self) -> AsyncIterator[None]:
        """Close the feed whatever happens; then, unless the registering failed, record
        what it was given."""
        try:
            yield
        finally:
            self._feed.close()  # whatever arrives now goes to a new session
        feed = self._feed
        await self._totals.record(files=feed.files_fed, ignored=0, groups=feed.groups_fed)

    async def next_chunk(self) -> Chunk | None:
        """Groups given since the last chunk; [] once the feed is closed and drained."""
        taken = await self._feed.take(CHUNK, FEED_WAIT)
        if taken:
            self._totals.progress.groups_total = self._feed.groups_fed
            self._totals.progress.files_found = self._feed.files_fed
        return list(taken) if taken is not None else None

    async def completed(self) -> None:
        """A burst's duplicates are left to the watcher's scans of the folder."""

    def ended(self, status: str) -> None:
        """Tell the watcher how its burst ended: groups still in the feed were never
        registered."""
        self._feed.outcome = status
