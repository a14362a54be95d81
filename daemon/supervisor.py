"""Supervised background tasks: named, kept referenced, restarted on crash, stopped in time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Worker = Callable[[asyncio.Event], Awaitable[None]]


class Supervisor:
    """Runs each worker as `run(stop_event)`; a crash is logged and restarted with backoff."""

    def __init__(self, *, max_backoff: float = 30.0) -> None:
        self._stop = asyncio.Event()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._max_backoff = max_backoff

    def start(self, name: str, worker: Worker) -> None:
        """Start a named worker; names are unique."""
        if name in self._tasks:
            raise ValueError(f"a task named {name!r} is already running")
        self._tasks[name] = asyncio.create_task(self._keep_running(name, worker), name=name)

    async def stop(self, timeout: float = 10.0) -> None:
        """Ask every worker to stop; cancel those still running after the timeout."""
        self._stop.set()
        if not self._tasks:
            return
        _, pending = await asyncio.wait(self._tasks.values(), timeout=timeout)
        for task in pending:
            log.warning(
                "task %s did not stop within %.0f s; cancelling it", task.get_name(), timeout
            )
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _keep_running(self, name: str, worker: Worker) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                await worker(self._stop)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background task %s crashed; restarting in %.1f s", name, backoff)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), backoff)
            backoff = min(backoff * 2, self._max_backoff)
