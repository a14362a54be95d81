"""The pushes this daemon runs: at most one per target, each a background task kept here."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg

from daemon import database
from daemon.errors import Conflict, DomainError
from daemon.store import sync as sync_store
from daemon.sync import failures
from daemon.sync.pusher import Progress, Push, PushSpec, SyncCancelled, SyncFailed
from protocol.sync import MAX_BATCH_ROWS
from protocol.sync_targets import FailureKind, RunState, SyncRun

if TYPE_CHECKING:
    from daemon.store.sync import Target

log = logging.getLogger(__name__)

# Finished runs kept for `GET /api/sync/runs/{id}` (a client polls until it sees the end).
KEEP_FINISHED = 50


@dataclass(slots=True)
class _Run:
    id: uuid.UUID
    target_id: uuid.UUID
    target_name: str
    target_url: str
    started_at: datetime
    progress: Progress
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    state: RunState = "running"
    finished_at: datetime | None = None
    error: str | None = None
    error_kind: FailureKind | None = None
    error_message: str | None = None
    task: asyncio.Task[None] | None = None

    def snapshot(self) -> SyncRun:
        figures = self.progress
        return SyncRun(
            id=self.id,
            target_id=self.target_id,
            target_name=self.target_name,
            state=self.state,
            started_at=self.started_at,
            finished_at=self.finished_at,
            rows_total=max(figures.rows_total, figures.rows_sent),
            rows_sent=figures.rows_sent,
            photos_sent=figures.photos_sent,
            coldpreviews_wanted=figures.coldpreviews_wanted,
            coldpreviews_sent=figures.coldpreviews_sent,
            bytes_sent=figures.bytes_sent,
            retries=figures.retries,
            refused=list(figures.refused),
            error=self.error,
            photos_total=max(figures.photos_total, figures.photos_sent),
            error_message=self.error_message,
            error_kind=self.error_kind,
            retry_at=self.retry_at(),
        )

    def retry_at(self) -> datetime | None:
        """When the running push tries again, while it waits to."""
        return self.progress.retry_at if self.state == "running" else None


class SyncRuns:
    """Starts, tracks and cancels pushes; keeps the recent ones for `GET /api/sync/runs/{id}`."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        installation_id: uuid.UUID,
        coldpreview_root: Path,
        batch_rows: int = MAX_BATCH_ROWS,
    ) -> None:
        self._pool = pool
        self._installation_id = installation_id
        self._coldpreview_root = coldpreview_root
        self._batch_rows = batch_rows
        self._runs: OrderedDict[uuid.UUID, _Run] = OrderedDict()

    def start(self, target: Target, *, full: bool) -> SyncRun:
        """Start a push to the target; Conflict if one is already running for it."""
        running = self.running_for(target.id)
        if running is not None:
            raise Conflict(f"a sync to {target.name} is already running (run {running})")
        run = _Run(
            id=uuid.uuid4(),
            target_id=target.id,
            target_name=target.name,
            target_url=target.url,
            started_at=datetime.now(UTC),
            progress=Progress(),
        )
        spec = PushSpec(
            target_id=target.id,
            installation_id=self._installation_id,
            coldpreview_root=self._coldpreview_root,
            batch_rows=self._batch_rows,
            full=full,
        )
        push = Push(spec, self._pool, run.progress, run.stop)
        run.task = asyncio.create_task(self._run(run, push), name=f"sync-{run.id}")
        self._runs[run.id] = run
        self._forget_old()
        return run.snapshot()

    async def _run(self, run: _Run, push: Push) -> None:
        log.info("sync to %s started (run %s)", run.target_name, run.id)
        try:
            await push.run()
        except SyncCancelled:
            run.state, run.error = "cancelled", None
        except asyncio.CancelledError:
            run.state, run.error = "cancelled", "the daemon stopped during the sync"
        except SyncFailed as exc:
            run.state, run.error, run.error_kind = "failed", str(exc), exc.kind
        except DomainError as exc:
            run.state, run.error = "failed", str(exc)
        except Exception as exc:
            if database.connection_lost(exc):
                run.state, run.error = "failed", "the catalog database stopped answering"
            else:
                log.exception("sync to %s crashed", run.target_name)
                run.state, run.error = (
                    "failed",
                    f"internal error ({type(exc).__name__}); see the log",
                )
        else:
            run.state = "succeeded"
        run.finished_at = datetime.now(UTC)
        self._explain(run)
        if run.state == "failed" and run.error is not None:
            await self._record_failure(run)
        figures = run.progress
        log.info(
            "sync to %s %s: %d rows, %d coldpreviews, %.1f MB%s",
            run.target_name,
            run.state,
            figures.rows_sent,
            figures.coldpreviews_sent,
            figures.bytes_sent / 1e6,
            f" ({run.error})" if run.error else "",
        )

    def _explain(self, run: _Run) -> None:
        """Give a failed run, or one central refused photos in, its sentence (and log it)."""
        server = failures.server_label(run.target_name, run.target_url)
        if run.state == "failed" and run.error is not None:
            run.error_kind = run.error_kind or "other"
            run.error_message = failures.sentence(run.error_kind, server)
        elif run.state == "succeeded" and run.progress.refused:
            refused = len({photo.hothash for photo in run.progress.refused})
            run.error_kind = "refused_photos"
            run.error_message = failures.sentence(run.error_kind, server, refused=refused)
        else:
            return
        log.warning("sync to %s: %s (%s)", run.target_name, run.error_message, run.error)

    async def _record_failure(self, run: _Run) -> None:
        assert run.error is not None
        try:
            async with self._pool.acquire() as conn:
                await sync_store.record_failure(
                    conn,
                    run.target_id,
                    run.error,
                    datetime.now(UTC),
                    kind=run.error_kind,
                    message=run.error_message,
                )
        except Exception as exc:
            if not database.connection_lost(exc):
                raise
            log.warning("could not record the sync failure: the database is not answering")

    def _forget_old(self) -> None:
        finished = [run_id for run_id, run in self._runs.items() if run.state != "running"]
        for run_id in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._runs[run_id]

    def get(self, run_id: uuid.UUID) -> SyncRun | None:
        """A run's progress, or None for an unknown id."""
        run = self._runs.get(run_id)
        return run.snapshot() if run else None

    def cancel(self, run_id: uuid.UUID) -> SyncRun | None:
        """Ask a run to stop; it ends `cancelled` at its next request."""
        run = self._runs.get(run_id)
        if run is None:
            return None
        run.stop.set()
        return run.snapshot()

    async def wait(self, run_id: uuid.UUID) -> SyncRun | None:
        """Until the run has ended (tests use it)."""
        run = self._runs.get(run_id)
        if run is None:
            return None
        if run.task is not None:
            await asyncio.gather(run.task, return_exceptions=True)
        return run.snapshot()

    def running_for(self, target_id: uuid.UUID) -> uuid.UUID | None:
        """The id of the run pushing to this target now, if any."""
        run = self._running(target_id)
        return run.id if run else None

    def retry_at_for(self, target_id: uuid.UUID) -> datetime | None:
        """When the push to this target tries again, while it waits to."""
        run = self._running(target_id)
        return run.retry_at() if run else None

    def _running(self, target_id: uuid.UUID) -> _Run | None:
        for run in self._runs.values():
            if run.target_id == target_id and run.state == "running":
                return run
        return None

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop every run at its next request (acknowledged batches stay), then cancel."""
        running = [run for run in self._runs.values() if run.task and not run.task.done()]
        for run in running:
            run.stop.set()
        tasks = [run.task for run in running if run.task is not None]
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
