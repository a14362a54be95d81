"""One registration run: take groups from its source (a scan of a folder, or a watched
folder's feed), decode what is new, store it in batches.

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
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import asyncpg

from daemon.database import UNAVAILABLE, connection_lost
from daemon.imaging.grouping import FileGroup, ScanProblem, sidecar_for
from daemon.imaging.hothash import PreviewError, Previews
from daemon.registration import changes, storing
from daemon.registration.feed import GroupFeed
from daemon.registration.orphans import PendingFiles
from daemon.registration.progress import Progress
from daemon.registration.sources import FeedSource, GroupSource, ScanSource, Totals
from daemon.registration.storing import Found, Outcomes
from daemon.registration.workers import WorkerPool
from daemon.store import input_sessions as sessions_store
from daemon.store import registration as store
from daemon.store import system as system_store
from daemon.store.base import Conn

log = logging.getLogger(__name__)

BATCH = 32  # decoded photos stored per transaction
FLUSH_EVERY = 1.0  # seconds: a partial batch waits no longer than this
FINISH_RETRY_MAX = 5.0  # seconds between attempts to record the end while the database is down
DATABASE_LOST = "the database connection was lost"
STOPPED = "the daemon was stopped"


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


class RegistrationJob:
    """Registers one session's folder; `run` until done, cancelled or stopped."""

    def __init__(
        self,
        spec: JobSpec,
        pool: asyncpg.Pool,
        workers: WorkerPool,
        pending: PendingFiles,
        own_folders: tuple[Path, ...] = (),
        commit_delay: float = 0.0,
    ) -> None:
        self.spec = spec
        self.progress = Progress()
        totals = Totals(pool, spec.session_id, self.progress)
        self._source: GroupSource = (
            ScanSource(spec.source, spec.recursive, own_folders, pool, totals)
            if spec.feed is None
            else FeedSource(spec.feed, totals)
        )
        # Tests only (Settings.test_commit_delay): a window between writing a batch's
        # coldpreviews and committing its rows, to kill the daemon or its database in.
        self._commit_delay = commit_delay
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

    def cancel(self) -> None:
        """Ask the job to stop; what is decoded so far is kept."""
        self._cancelled.set()

    async def run(self, stop: asyncio.Event) -> str:
        """Register everything; return the final status."""
        source = self._source
        counter: asyncio.Task[None] | None = None
        status, failure = "completed", None
        try:
            async with self._pool.acquire() as conn:
                await sessions_store.start(conn, self.spec.session_id)
                self._server_started = await system_store.server_started(conn)
            counter = asyncio.create_task(source.count(), name=f"count-{self.spec.session_id}")
            async with source.taking():
                await self._register(stop)
            if self._cancelled.is_set():
                status = "cancelled"
            elif stop.is_set():
                status, failure = "interrupted", STOPPED + source.resume
            else:
                await source.completed()
        except Exception as exc:
            if connection_lost(exc) or await self._database_restarted():
                # Not the folder's fault, and nothing half-done: what was committed
                # stays, and registering again resumes (known paths are skipped).
                log.warning("registration of %s lost the database: %s", self.spec.source, exc)
                status, failure = "interrupted", DATABASE_LOST + source.resume
            else:
                log.exception("registration of %s failed", self.spec.source)
                status, failure = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            if counter is not None:
                counter.cancel()
                await asyncio.gather(counter, return_exceptions=True)
        source.ended(status)
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

    def _stopping(self, stop: asyncio.Event) -> bool:
        return stop.is_set() or self._cancelled.is_set()

    async def _register(self, stop: asyncio.Event) -> None:
        slots = asyncio.Semaphore(self._workers.size * 2)
        in_flight: set[asyncio.Task[None]] = set()
        flusher = asyncio.create_task(self._flush_when_due(), name="registration-flush")
        # A failed write or look-up ends the job too: decoding for it would be wasted.
        abandon = True
        try:
            while not self._stopping(stop):
                if flusher.done():
                    flusher.result()  # a failed write ends the job with its error
                chunk = await self._source.next_chunk()
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
            # Copies of one picture go in path order, not in the order their decodes
            # ended: the first path is the photo's file, the others its duplicates.
            decoded.sort(key=lambda item: (item[1].hothash, item[0].group.master.path))
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
                    if self._commit_delay and written:
                        await asyncio.sleep(self._commit_delay)
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
