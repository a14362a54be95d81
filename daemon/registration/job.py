"""One registration run: scan a folder, decode what is new, store it in batches.

Crash safety comes from the order of writes: a batch's coldpreview files are
written (atomically) before the transaction that inserts their rows and adds the
batch's counts commits, so a row never exists without its file. A kill, or a lost
database, between the two leaves files without rows: the job holds its files in
`PendingFiles` until the commit, and the orphan sweep removes what was never committed.
A database that goes away ends the session `interrupted` once it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path

import asyncpg

from daemon.database import UNAVAILABLE, connection_lost
from daemon.imaging.grouping import DirectoryCounts, FileGroup, ScanProblem, scan, sidecar_for
from daemon.imaging.hothash import PreviewError, Previews
from daemon.registration import changes, storing
from daemon.registration.feed import GroupFeed
from daemon.registration.orphans import PendingFiles
from daemon.registration.storing import Found, Outcomes
from daemon.registration.workers import WorkerPool
from daemon.store import input_sessions as sessions_store
from daemon.store import registration as store
from daemon.store import stacks as stacks_store
from daemon.store import system as system_store
from daemon.store.base import Conn

log = logging.getLogger(__name__)

CHUNK = 64  # groups read from the scan and checked against the catalog at once
BATCH = 32  # decoded photos stored per transaction
FLUSH_EVERY = 1.0  # seconds: a partial batch waits no longer than this
FEED_WAIT = 0.5  # seconds a fed job waits for groups before it looks at stop and cancel
FINISH_RETRY_MAX = 5.0  # seconds between attempts to record the end while the database is down
DATABASE_LOST = "the database connection was lost"
STOPPED = "the daemon was stopped"
# How the rest gets registered: a folder by registering it again (known files are
# skipped); a watched folder's burst by the watcher's next scan, which comes by itself.
RESUME = "; register the folder again to resume"
RESUME_WATCHED = "; the watched folder is scanned again, which registers the rest"
# For tests only: seconds to wait between writing a batch's coldpreviews and committing
# its rows, so that a test can kill the daemon (or its database) inside that window.
TEST_COMMIT_DELAY = float(os.environ.get("HOTPREVUE_TEST_COMMIT_DELAY") or 0)


@dataclass(frozen=True, slots=True)
class JobSpec:
    """What to register and with which defaults."""

    session_id: uuid.UUID
    source: Path
    recursive: bool
    photographer_id: uuid.UUID
    event_id: uuid.UUID | None
    coldpreview_dir: Path
    coldpreview_max_px: int
    coldpreview_quality: int
    # A watched folder's burst: the groups come from here, not from a scan of `source`.
    feed: GroupFeed | None = None


@dataclass(slots=True)
class Progress:
    """Live figures, newer than the database's by at most one batch."""

    started: float = field(default_factory=time.monotonic)
    files_found: int = 0
    groups_found: int = 0
    groups_total: int | None = None
    groups_done: int = 0
    registered: int = 0
    duplicates: int = 0
    already_registered: int = 0
    errors: int = 0

    @property
    def rate(self) -> float:
        """Groups finished per second since the start."""
        elapsed = time.monotonic() - self.started
        return self.groups_done / elapsed if elapsed > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left at the current rate; None until the folder is counted."""
        if self.groups_total is None or self.rate <= 0:
            return None
        return max(self.groups_total - self.groups_done, 0) / self.rate


class RegistrationJob:
    """Registers one session's folder; `run` until done, cancelled or stopped."""

    def __init__(
        self,
        spec: JobSpec,
        pool: asyncpg.Pool,
        workers: WorkerPool,
        pending: PendingFiles,
        own_folders: tuple[Path, ...] = (),
    ) -> None:
        self.spec = spec
        self._own_folders = own_folders  # never walked: the daemon's data and previews
        self.progress = Progress()
        self._pool = pool
        self._workers = workers
        self._pending = pending
        self._cancelled = asyncio.Event()
        self._decoded: list[tuple[Found, Previews]] = []
        self._failed: list[tuple[str, str]] = []
        self._write_lock = asyncio.Lock()
        self._batch_full = asyncio.Event()
        self._defaults = storing.PhotoDefaults(
            session_id=spec.session_id, photographer_id=spec.photographer_id, event_id=spec.event_id
        )
        self._all_decoded = False
        self._server_started: datetime | None = None

    @property
    def _resume(self) -> str:
        return RESUME if self.spec.feed is None else RESUME_WATCHED

    def cancel(self) -> None:
        """Ask the job to stop; what is decoded so far is kept."""
        self._cancelled.set()

    async def run(self, stop: asyncio.Event) -> str:
        """Register everything; return the final status."""
        counter: asyncio.Task[None] | None = None
        status, failure = "completed", None
        try:
            async with self._pool.acquire() as conn:
                await sessions_store.start(conn, self.spec.session_id)
                self._server_started = await system_store.server_started(conn)
            if self.spec.feed is None:
                counter = asyncio.create_task(self._count(), name=f"count-{self.spec.session_id}")
            try:
                await self._register(stop)
            finally:
                if self.spec.feed is not None:
                    self.spec.feed.close()  # whatever arrives now goes to a new session
            if (feed := self.spec.feed) is not None:
                await self._record_totals(files=feed.files_fed, ignored=0, groups=feed.groups_fed)
            if self._cancelled.is_set():
                status = "cancelled"
            elif stop.is_set():
                status, failure = "interrupted", STOPPED + self._resume
            elif self.spec.feed is None:
                await self._forget_vanished_duplicates()
        except Exception as exc:
            if connection_lost(exc) or await self._database_restarted():
                # Not the folder's fault, and nothing half-done: what was committed
                # stays, and registering again resumes (known paths are skipped).
                log.warning("registration of %s lost the database: %s", self.spec.source, exc)
                status, failure = "interrupted", DATABASE_LOST + self._resume
            else:
                log.exception("registration of %s failed", self.spec.source)
                status, failure = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            if counter is not None:
                counter.cancel()
                await asyncio.gather(counter, return_exceptions=True)
        if self.spec.feed is not None:
            self.spec.feed.outcome = status
        await self._finish(stop, status, failure)
        p = self.progress
        log.info(
            "session %s %s: %d registered, %d duplicates, %d already registered, %d errors",
            self.spec.session_id,
            status,
            p.registered,
            p.duplicates,
            p.already_registered,
            p.errors,
        )
        return status

    async def _database_restarted(self) -> bool:
        """After an error: did the database go away under the job? A connection held
        across a restart fails with a plain InterfaceError, naming no lost connection."""
        if self._server_started is None:
            return False
        try:
            async with self._pool.acquire() as conn:
                return await system_store.server_started(conn) != self._server_started
        except UNAVAILABLE:
            return True

    async def _finish(self, stop: asyncio.Event, status: str, failure: str | None) -> None:
        """Record the end, waiting for a database that is down to come back: a session
        must never stay `running` with no job behind it."""
        delay = 0.5
        while True:
            try:
                async with self._pool.acquire() as conn:
                    await sessions_store.finish(conn, self.spec.session_id, status, failure)
                return
            except Exception as exc:
                if not connection_lost(exc):
                    raise
                if stop.is_set():
                    # The next start marks every unfinished session interrupted.
                    log.warning("session %s left unfinished: %s", self.spec.session_id, exc)
                    return
                log.info(
                    "session %s waits for the database to record its end", self.spec.session_id
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, FINISH_RETRY_MAX)

    async def _count(self) -> None:
        """Count the folder beside the real scan, so progress has a total and an ETA."""
        counts = DirectoryCounts()

        def count() -> int:
            return sum(
                isinstance(item, FileGroup)
                for item in scan(
                    self.spec.source,
                    recursive=self.spec.recursive,
                    counts=counts,
                    own_folders=self._own_folders,
                )
            )

        groups = await asyncio.to_thread(count)
        await self._record_totals(files=counts.files, ignored=counts.ignored, groups=groups)

    async def _record_totals(self, *, files: int, ignored: int, groups: int) -> None:
        """The session's totals, once known (a fed session's: what it was given)."""
        self.progress.groups_total = groups
        self.progress.files_found = files
        async with self._pool.acquire() as conn:
            await sessions_store.set_scan_totals(
                conn, self.spec.session_id, files=files, ignored=ignored, groups=groups
            )

    async def _forget_vanished_duplicates(self) -> None:
        """Duplicate rows are passive: one whose file is gone from the folder goes too."""
        folder = str(self.spec.source).rstrip(os.sep) + os.sep
        async with self._pool.acquire() as conn:
            rows = await stacks_store.duplicates_under(conn, folder)

        def vanished() -> list[uuid.UUID]:
            return [
                row_id
                for row_id, path in rows
                if (self.spec.recursive or Path(path).parent == self.spec.source)
                and not os.path.lexists(path)
            ]

        gone = await asyncio.to_thread(vanished)
        if gone:
            async with self._pool.acquire() as conn:
                await stacks_store.delete_duplicates(conn, gone)
            log.info("forgot %d duplicate(s) whose file is gone", len(gone))

    def _stopping(self, stop: asyncio.Event) -> bool:
        return stop.is_set() or self._cancelled.is_set()

    async def _register(self, stop: asyncio.Event) -> None:
        items: Iterator[FileGroup | ScanProblem] = (
            iter(())
            if self.spec.feed is not None
            else scan(
                self.spec.source, recursive=self.spec.recursive, own_folders=self._own_folders
            )
        )
        slots = asyncio.Semaphore(self._workers.size * 2)
        in_flight: set[asyncio.Task[None]] = set()
        flusher = asyncio.create_task(self._flush_when_due(), name="registration-flush")
        # A failed write or look-up ends the job too: decoding for it would be wasted.
        abandon = True
        try:
            while not self._stopping(stop):
                if flusher.done():
                    flusher.result()  # a failed write ends the job with its error
                chunk = await self._next_chunk(items)
                if chunk is None:
                    continue  # a feed with nothing new yet: look at stop and cancel again
                if not chunk:
                    break
                for found in await self._new_groups(chunk):
                    await slots.acquire()
                    if self._stopping(stop):
                        slots.release()
                        break
                    task = asyncio.create_task(self._decode(found, slots))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
            abandon = self._stopping(stop)
        finally:
            if abandon:
                for task in in_flight:
                    task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)
            # Never cancel the flusher: cancelled inside a flush, it would drop a batch.
            self._all_decoded = True
            self._batch_full.set()
            await asyncio.gather(flusher, return_exceptions=True)
        await self._flush()
        flusher.result()

    async def _next_chunk(
        self, items: Iterator[FileGroup | ScanProblem]
    ) -> list[FileGroup | ScanProblem] | None:
        """The next groups to look at: [] at the end, None when a feed has none yet."""
        feed = self.spec.feed
        if feed is None:
            return await asyncio.to_thread(lambda: list(islice(items, CHUNK)))
        taken = await feed.take(CHUNK, FEED_WAIT)
        if taken:
            self.progress.groups_total = feed.groups_fed
            self.progress.files_found = feed.files_fed
        return list(taken) if taken is not None else None

    async def _new_groups(self, chunk: list[FileGroup | ScanProblem]) -> list[Found]:
        """Settle what needs no decoding: unreadable folders and known paths whose file
        is the one the catalog read there."""
        outcomes = Outcomes()
        groups = [item for item in chunk if isinstance(item, FileGroup)]
        for item in chunk:
            if isinstance(item, ScanProblem):
                outcomes.errors.append((item.path, item.error))
        self.progress.groups_found += len(groups)
        # Looked at before they are read: a file written meanwhile then differs from
        # what is recorded, and is read again next time.
        looks = await asyncio.to_thread(
            changes.look, [ref.path for group in groups for ref in group.files]
        )
        fresh = []
        async with self._write_lock, self._pool.acquire() as conn, conn.transaction():
            known = await store.known_paths(conn, [g.master.path for g in groups])
            for group in groups:
                own = {ref.path: looks[ref.path] for ref in group.files if ref.path in looks}
                seen = known.get(group.master.path)
                if seen is None:
                    fresh.append(Found(group, own))
                elif seen.is_master and changes.rewritten(seen, own.get(group.master.path)):
                    fresh.append(Found(group, own, seen))
                else:
                    await storing.known_group(conn, Found(group, own), seen, outcomes)
            await self._commit(conn, outcomes)
        return fresh

    async def _decode(self, found: Found, slots: asyncio.Semaphore) -> None:
        group = found.group
        try:
            previews = await self._workers.previews(
                group.master.path,
                coldpreview_max_px=self.spec.coldpreview_max_px,
                quality=self.spec.coldpreview_quality,
                sidecar=sidecar_for(group),
            )
        except PreviewError as exc:
            self._failed.append((group.master.path, str(exc)))
        else:
            self._decoded.append((found, previews))
        finally:
            slots.release()
        if len(self._decoded) + len(self._failed) >= BATCH:
            self._batch_full.set()

    async def _flush_when_due(self) -> None:
        """Store a batch when it is full, and a partial one at least every FLUSH_EVERY."""
        while not self._all_decoded:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._batch_full.wait(), FLUSH_EVERY)
            self._batch_full.clear()
            await self._flush()

    async def _flush(self) -> None:
        """Store what was decoded: files first, then one transaction for rows and counts."""
        async with self._write_lock:
            decoded, self._decoded = self._decoded, []
            failed, self._failed = self._failed, []
            if not decoded and not failed:
                return
            # Every batch inserts its photos in hothash order: two sessions over the same
            # files then wait on each other's rows in one order, never in a deadlock.
            decoded.sort(key=lambda item: item[1].hothash)
            outcomes = Outcomes(errors=failed, groups=len(decoded) + len(failed))
            # The files are this job's until the transaction has ended, committed or not.
            with contextlib.ExitStack() as owned:
                async with self._pool.acquire() as conn, conn.transaction():
                    new = await storing.store_groups(conn, self._defaults, decoded, outcomes)
                    written = [
                        (previews.hothash, previews.coldpreview)
                        for (_, previews), is_new in zip(decoded, new, strict=True)
                        if is_new
                    ]
                    await storing.write_coldpreviews(
                        owned, self._pending, self.spec.coldpreview_dir, written
                    )
                    if TEST_COMMIT_DELAY and written:
                        await asyncio.sleep(TEST_COMMIT_DELAY)
                    await self._commit(conn, outcomes)

    async def _commit(self, conn: Conn, outcomes: Outcomes) -> None:
        await storing.add_outcomes(conn, self.spec.session_id, outcomes)
        # Live figures follow the committed ones (the transaction commits right after).
        progress = self.progress
        progress.registered += outcomes.registered
        progress.duplicates += outcomes.duplicates
        progress.already_registered += outcomes.already_registered
        progress.errors += len(outcomes.errors)
        progress.groups_done += outcomes.groups
