"""Decode memory: how a budget is spent, and the admission of big decodes against it.

The budget covers the daemon process and its decoding workers (PostgreSQL, whose
memory its own configuration sets and no image changes, is outside it). It is
spent in three parts:

- the daemon's own share (DAEMON_SHARE);
- per worker, its idle size plus an ordinary allowance: a file whose estimated
  peak fits the allowance is decoded at once, with no bookkeeping, so ordinary
  photos cost nothing extra;
- the shared rest, from which a bigger decode takes what it needs beyond the
  allowance before it starts, waiting in line while others hold it.

The parent keeps these books, so a worker that crashes or is killed cannot leak
them; the workers' ceilings (workers.py) keep a wrong estimate from overrunning.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from dataclasses import dataclass

MB = 1024 * 1024
# Measured resident sizes (Linux): the daemon ~60 MB while registering, plus the
# ~12 MB multiprocessing resource tracker; an idle worker with every decoder
# loaded ~50 MB.
DAEMON_SHARE = 128 * MB
WORKER_SHARE = 64 * MB
# Enough for ordinary photos (a 24 MP JPEG needs ~20 MB, a 45 MP one ~30 MB);
# a 12 MP HEIC (~140 MB) or a 20 MP TIFF asks the shared part first.
ORDINARY = 64 * MB
# At most this share of the budget goes to workers: the rest keeps room for one big image.
WORKERS_SHARE_OF_BUDGET = 2 / 3


@dataclass(frozen=True, slots=True)
class MemoryPlan:
    """How one decode memory budget is spent."""

    budget: int
    workers: int
    shared: int

    @property
    def largest(self) -> int:
        """The most one image may need: a worker's allowance plus all of the shared part."""
        return ORDINARY + self.shared


def plan(budget: int, workers: int) -> MemoryPlan:
    """Spend a budget (bytes) on at most `workers` workers, keeping room for big images."""
    per_worker = WORKER_SHARE + ORDINARY
    usable = budget - DAEMON_SHARE
    if usable < per_worker:
        raise ValueError(
            f"a decode memory budget of {budget // MB} MB is too small: the daemon and one "
            f"worker need {(DAEMON_SHARE + per_worker) // MB} MB"
        )
    affordable = int(usable * WORKERS_SHARE_OF_BUDGET) // per_worker
    count = max(1, min(workers, affordable))
    return MemoryPlan(budget=budget, workers=count, shared=usable - count * per_worker)


class SharedMemory:
    """The shared part: granted first come, first served, released by its holder.

    First come, first served: a big decode waiting for room is not overtaken by
    smaller ones arriving later, so it cannot starve.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.free = capacity
        self._queue: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()

    async def acquire(self, amount: int) -> None:
        """Wait until `amount` bytes (at most the capacity) are free and take them."""
        if amount > self.capacity:
            raise ValueError(f"{amount} bytes is more than the capacity of {self.capacity}")
        if not self._queue and amount <= self.free:
            self.free -= amount
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (amount, waiter)
        self._queue.append(entry)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.cancelled():
                with contextlib.suppress(ValueError):  # _grant may have dropped it already
                    self._queue.remove(entry)
                self._grant()  # those behind it may fit now
            else:
                self.release(amount)  # granted just as it was cancelled
            raise

    def release(self, amount: int) -> None:
        """Give back bytes taken by acquire."""
        self.free += amount
        self._grant()

    def _grant(self) -> None:
        while self._queue:
            amount, waiter = self._queue[0]
            if waiter.cancelled():
                self._queue.popleft()
                continue
            if amount > self.free:
                return
            self._queue.popleft()
            self.free -= amount
            waiter.set_result(None)
