"""The running registration jobs of a daemon, and the worker pool they share."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg

from daemon.config import DEFAULT_DECODE_MEMORY_MB
from daemon.registration.budget import MB
from daemon.registration.job import JobSpec, RegistrationJob
from daemon.registration.orphans import PendingFiles
from daemon.registration.progress import Progress
from daemon.registration.workers import WorkerPool

log = logging.getLogger(__name__)


class Registrations:
    """Starts jobs, keeps them referenced, and stops them (with the pool) on shutdown.

    A job that ends interrupted or failed may leave coldpreviews its rows never got:
    `after_interrupt` is called then (the lifespan asks for an orphan sweep)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        workers: int | None = None,
        pending: PendingFiles | None = None,
        after_interrupt: Callable[[], None] | None = None,
        memory_budget: int = DEFAULT_DECODE_MEMORY_MB * MB,
        own_folders: tuple[Path, ...] = (),
        commit_delay: float = 0.0,
    ) -> None:
        self._pool = pool
        # The daemon's data and coldpreview folders: never registered, however reached.
        self.own_folders = own_folders
        self._worker_count = workers
        self._memory_budget = memory_budget
        self.pending = pending or PendingFiles()
        self._after_interrupt = after_interrupt
        self._commit_delay = commit_delay  # tests only: see RegistrationJob
        self._upload_calls: Counter[uuid.UUID] = Counter()
        self._workers: WorkerPool | None = None
        self._jobs: dict[uuid.UUID, tuple[RegistrationJob, asyncio.Task[str]]] = {}
        self._stop = asyncio.Event()

    @property
    def workers(self) -> WorkerPool:
        """The decoding pool, started on first use: a daemon that only browses has none."""
        if self._workers is None:
            self._workers = WorkerPool(self._worker_count, memory_budget=self._memory_budget)
        return self._workers

    def start(self, spec: JobSpec) -> None:
        """Run a session's job in the background."""
        job = RegistrationJob(
            spec,
            self._pool,
            self.workers,
            self.pending,
            self.own_folders,
            commit_delay=self._commit_delay,
        )
        task = asyncio.create_task(job.run(self._stop), name=f"registration-{spec.session_id}")
        self._jobs[spec.session_id] = (job, task)
        task.add_done_callback(lambda done: self._ended(spec.session_id, done))

    def _ended(self, session_id: uuid.UUID, task: asyncio.Task[str]) -> None:
        self._jobs.pop(session_id, None)
        if task.cancelled() or self._stop.is_set():
            return  # the daemon is stopping: the next start sweeps
        if task.exception() is not None:
            log.error("registration %s crashed", session_id, exc_info=task.exception())
            status = "failed"
        else:
            status = task.result()
        if status in ("interrupted", "failed") and self._after_interrupt is not None:
            self._after_interrupt()

    @contextlib.contextmanager
    def upload_call(self, session_id: uuid.UUID) -> Iterator[None]:
        """An upload session's call in progress: its session is busy, never idle."""
        self._upload_calls[session_id] += 1
        try:
            yield
        finally:
            self._upload_calls[session_id] -= 1
            if self._upload_calls[session_id] <= 0:
                del self._upload_calls[session_id]

    def busy_uploads(self) -> list[uuid.UUID]:
        """Upload sessions with a call in progress."""
        return list(self._upload_calls)

    def progress(self, session_id: uuid.UUID) -> Progress | None:
        """Live figures of a running session."""
        entry = self._jobs.get(session_id)
        return entry[0].progress if entry else None

    def cancel(self, session_id: uuid.UUID) -> bool:
        """Ask a running session to stop; False when it is not running here."""
        entry = self._jobs.get(session_id)
        if entry is None:
            return False
        entry[0].cancel()
        return True

    async def wait(self, session_id: uuid.UUID) -> None:
        """Until the session's job has finished (tests and cancel use it)."""
        entry = self._jobs.get(session_id)
        if entry is not None:
            await asyncio.gather(entry[1], return_exceptions=True)

    async def stop(self, timeout: float = 15.0) -> None:
        """Stop every job (their sessions end 'interrupted'), then the workers."""
        self._stop.set()
        tasks = [task for _, task in self._jobs.values()]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                log.warning("registration %s did not stop in time; cancelling", task.get_name())
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._workers is not None:
            await asyncio.to_thread(self._workers.close)
            self._workers = None
