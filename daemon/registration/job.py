"""One registration run: scan a folder, decode what is new, store it in batches.

Crash safety comes from the order of writes: a batch's coldpreview files are
written (atomically) before the transaction that inserts their rows and adds the
batch's counts commits. A kill between the two leaves files whose rows the next
registration of the folder inserts; a row never exists without its file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import asyncpg

from daemon.imaging import coldpreviews
from daemon.imaging.grouping import DirectoryCounts, FileGroup, ScanProblem, scan
from daemon.imaging.previews import PreviewError, Previews
from daemon.registration.workers import WorkerPool
from daemon.store import input_sessions as sessions_store
from daemon.store import registration as store
from daemon.store.base import Conn

log = logging.getLogger(__name__)

CHUNK = 64  # groups read from the scan and checked against the catalog at once
BATCH = 32  # decoded photos stored per transaction
FLUSH_EVERY = 1.0  # seconds: a partial batch waits no longer than this


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


@dataclass(slots=True)
class _Outcomes:
    """What a batch will add to the session's counts."""

    registered: int = 0
    duplicates: int = 0
    already_registered: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    groups: int = 0


class RegistrationJob:
    """Registers one session's folder; `run` until done, cancelled or stopped."""

    def __init__(self, spec: JobSpec, pool: asyncpg.Pool, workers: WorkerPool) -> None:
        self.spec = spec
        self.progress = Progress()
        self._pool = pool
        self._workers = workers
        self._cancelled = asyncio.Event()
        self._decoded: list[tuple[FileGroup, Previews]] = []
        self._failed: list[tuple[str, str]] = []
        self._write_lock = asyncio.Lock()
        self._batch_full = asyncio.Event()
        self._all_decoded = False

    def cancel(self) -> None:
        """Ask the job to stop; what is decoded so far is kept."""
        self._cancelled.set()

    async def run(self, stop: asyncio.Event) -> str:
        """Register everything; return the final status."""
        async with self._pool.acquire() as conn:
            await sessions_store.start(conn, self.spec.session_id)
        counter = asyncio.create_task(self._count(), name=f"count-{self.spec.session_id}")
        status, failure = "completed", None
        try:
            await self._register(stop)
            if self._cancelled.is_set():
                status = "cancelled"
            elif stop.is_set():
                status, failure = "interrupted", "the daemon was stopped; register again to resume"
        except Exception as exc:
            log.exception("registration of %s failed", self.spec.source)
            status, failure = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            counter.cancel()
            await asyncio.gather(counter, return_exceptions=True)
        async with self._pool.acquire() as conn:
            await sessions_store.finish(conn, self.spec.session_id, status, failure)
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

    async def _count(self) -> None:
        """Count the folder beside the real scan, so progress has a total and an ETA."""
        counts = DirectoryCounts()

        def count() -> int:
            return sum(
                isinstance(item, FileGroup)
                for item in scan(self.spec.source, recursive=self.spec.recursive, counts=counts)
            )

        groups = await asyncio.to_thread(count)
        self.progress.groups_total = groups
        self.progress.files_found = counts.files
        async with self._pool.acquire() as conn:
            await sessions_store.set_scan_totals(
                conn,
                self.spec.session_id,
                files=counts.files,
                ignored=counts.ignored,
                groups=groups,
            )

    def _stopping(self, stop: asyncio.Event) -> bool:
        return stop.is_set() or self._cancelled.is_set()

    async def _register(self, stop: asyncio.Event) -> None:
        items: Iterator[FileGroup | ScanProblem] = scan(
            self.spec.source, recursive=self.spec.recursive
        )
        slots = asyncio.Semaphore(self._workers.size * 2)
        in_flight: set[asyncio.Task[None]] = set()
        flusher = asyncio.create_task(self._flush_when_due(), name="registration-flush")
        try:
            while not self._stopping(stop):
                if flusher.done():
                    flusher.result()  # a failed write ends the job with its error
                chunk = await asyncio.to_thread(lambda: list(islice(items, CHUNK)))
                if not chunk:
                    break
                for group in await self._new_groups(chunk):
                    await slots.acquire()
                    if self._stopping(stop):
                        slots.release()
                        break
                    task = asyncio.create_task(self._decode(group, slots))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
            if self._stopping(stop):
                for task in in_flight:
                    task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)
        finally:
            # Never cancel the flusher: cancelled inside a flush, it would drop a batch.
            self._all_decoded = True
            self._batch_full.set()
            await asyncio.gather(flusher, return_exceptions=True)
        await self._flush()
        flusher.result()

    async def _new_groups(self, chunk: list[FileGroup | ScanProblem]) -> list[FileGroup]:
        """Settle what needs no decoding: unreadable folders and already known paths."""
        outcomes = _Outcomes()
        groups = [item for item in chunk if isinstance(item, FileGroup)]
        for item in chunk:
            if isinstance(item, ScanProblem):
                outcomes.errors.append((item.path, item.error))
        self.progress.groups_found += len(groups)
        fresh = []
        async with self._write_lock, self._pool.acquire() as conn, conn.transaction():
            known = await store.known_paths(conn, [g.master.path for g in groups])
            restore = []
            for group in groups:
                seen = known.get(group.master.path)
                if seen is None:
                    fresh.append(group)
                    continue
                outcomes.already_registered += 1
                outcomes.groups += 1
                if seen.deleted:
                    restore.append(seen.photo_id)
                if seen.is_file and group.companions:
                    # A sidecar or RAW that appeared next to a known master joins its photo.
                    await store.add_files(
                        conn,
                        seen.photo_id,
                        [(f.path, f.file_type, False) for f in group.companions],
                    )
            await store.restore(conn, restore)
            await self._add_outcomes(conn, outcomes)
        return fresh

    async def _decode(self, group: FileGroup, slots: asyncio.Semaphore) -> None:
        try:
            previews = await self._workers.previews(
                group.master.path,
                coldpreview_max_px=self.spec.coldpreview_max_px,
                quality=self.spec.coldpreview_quality,
            )
        except PreviewError as exc:
            self._failed.append((group.master.path, str(exc)))
        else:
            self._decoded.append((group, previews))
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
            outcomes = _Outcomes(errors=failed, groups=len(decoded) + len(failed))
            async with self._pool.acquire() as conn, conn.transaction():
                written: list[tuple[str, bytes]] = []
                for group, previews in decoded:
                    if await self._store_photo(conn, group, previews, outcomes):
                        written.append((previews.hothash, previews.coldpreview))
                await asyncio.to_thread(self._write_coldpreviews, written)
                await self._add_outcomes(conn, outcomes)

    def _write_coldpreviews(self, files: list[tuple[str, bytes]]) -> None:
        for hothash, data in files:
            coldpreviews.write(self.spec.coldpreview_dir, hothash, data)

    async def _store_photo(
        self, conn: Conn, group: FileGroup, previews: Previews, outcomes: _Outcomes
    ) -> bool:
        """Insert one decoded group; True when it is a new photo (its coldpreview is due)."""
        fields = previews.fields
        photo_id = await store.insert_photo(
            conn,
            store.NewPhoto(
                hothash=previews.hothash,
                hotpreview_b64=previews.hotpreview_b64,
                coldpreview_path=coldpreviews.relative_path(previews.hothash),
                exif_data=previews.exif_data,
                taken_at=fields.taken_at,
                taken_at_offset=fields.taken_at_offset,
                location_lat=fields.location_lat,
                location_lng=fields.location_lng,
                camera_make=fields.camera_make,
                camera_model=fields.camera_model,
                lens_model=fields.lens_model,
                iso=fields.iso,
                shutter_speed=fields.shutter_speed,
                aperture=fields.aperture,
                focal_length=fields.focal_length,
                photographer_id=self.spec.photographer_id,
                input_session_id=self.spec.session_id,
                event_id=self.spec.event_id,
            ),
        )
        if photo_id is not None:
            await store.add_files(
                conn, photo_id, [(f.path, f.file_type, f is group.master) for f in group.files]
            )
            outcomes.registered += 1
            return True
        existing = await store.photo_by_hothash(conn, previews.hothash)
        if existing is None:  # hard-deleted between the insert and this look-up
            outcomes.errors.append(
                (
                    group.master.path,
                    "the matching photo was just deleted; register the folder again",
                )
            )
            return False
        if existing.deleted:
            await store.restore(conn, [existing.photo_id])
        await store.add_duplicate(conn, existing.photo_id, group.master.path, self.spec.session_id)
        outcomes.duplicates += 1
        return False

    async def _add_outcomes(self, conn: Conn, outcomes: _Outcomes) -> None:
        if outcomes.errors:
            await sessions_store.add_errors(conn, self.spec.session_id, outcomes.errors)
        await sessions_store.add_progress(
            conn,
            self.spec.session_id,
            registered=outcomes.registered,
            duplicates=outcomes.duplicates,
            already_registered=outcomes.already_registered,
            errors=len(outcomes.errors),
            groups=outcomes.groups,
        )
        # Live figures follow the committed ones (the transaction commits right after).
        progress = self.progress
        progress.registered += outcomes.registered
        progress.duplicates += outcomes.duplicates
        progress.already_registered += outcomes.already_registered
        progress.errors += len(outcomes.errors)
        progress.groups_done += outcomes.groups
