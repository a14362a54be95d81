"""A process pool for decoding: sized to the cores and the memory budget; a crash or a
hang costs one file.

Memory (see budget.py): a worker first reads the file's header and estimates the
decode's peak. What fits its ordinary allowance it decodes at once; for a bigger
file it answers with the estimate, and the parent admits the file against the
shared budget and sends it again with that allowance. On Linux every worker runs
under a data-segment limit (RLIMIT_DATA) sized to what it was granted, so a wrong
estimate fails that one file instead of overrunning the budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError as FutureCancelled
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
import pebble
import psutil

from daemon.config import DEFAULT_DECODE_MEMORY_MB
from daemon.imaging import xmp
from daemon.imaging.decode_cost import decode_cost
from daemon.imaging.hothash import PreviewError, Previews
from daemon.imaging.previews import init_decoders, make_previews
from daemon.registration import budget
from daemon.registration.budget import MB, ORDINARY, MemoryPlan, SharedMemory

log = logging.getLogger(__name__)
T = TypeVar("T")

FILE_TIMEOUT = 120.0
# Replaced after this many files, so a slow leak in a decoder never accumulates.
TASKS_PER_WORKER = 500
# A worker's data limit is what it was granted plus this: libheif's decoding
# threads (their stacks count as data), the allocator's slack and codec tables.
CEILING_SLACK = 64 * MB
# glibc allocator settings (mallopt parameters and values).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
# Ordinary decodes keep their freed buffers for the next photo instead of returning
# them to the OS and faulting them back in (measured: ~9 % faster decodes).
_KEEP_MMAP_THRESHOLD, _KEEP_TRIM_THRESHOLD = 32 * MB, 256 * MB
# A big decode takes its buffers straight from the OS and gives them all back.
_BIG_MMAP_THRESHOLD = 1 * MB


@dataclass(frozen=True, slots=True)
class NeedsMemory:
    """A worker's answer for a file over its allowance: it needs this many bytes."""

    bytes: int


class _WorkerMemory:
    """Linux: the worker's data limit, following what the parent granted."""

    def __init__(self, libc: Any) -> None:
        self._libc = libc
        libc.mallopt(_M_MMAP_THRESHOLD, _KEEP_MMAP_THRESHOLD)
        libc.mallopt(_M_TRIM_THRESHOLD, _KEEP_TRIM_THRESHOLD)
        # Measured once the decoders are loaded: the ordinary ceiling never moves, so
        # buffers kept between photos can never grow past it.
        self._ordinary_ceiling = _data_size() + ORDINARY + CEILING_SLACK
        _limit_data(self._ordinary_ceiling)

    @contextlib.contextmanager
    def granted(self, allowance: int) -> Iterator[None]:
        """Raise the limit for one big decode, and leave nothing of it behind."""
        self._libc.malloc_trim(0)
        self._libc.mallopt(_M_MMAP_THRESHOLD, _BIG_MMAP_THRESHOLD)
        _limit_data(_data_size() + allowance + CEILING_SLACK)
        try:
            yield
        finally:
            self._libc.mallopt(_M_MMAP_THRESHOLD, _KEEP_MMAP_THRESHOLD)
            self._libc.malloc_trim(0)
            _limit_data(self._ordinary_ceiling)


# Set in each worker by _init_worker (a worker is one process); None elsewhere and off Linux.
_memory: _WorkerMemory | None = None


def _data_size() -> int:
    return int(psutil.Process().memory_info().data)


def _limit_data(size: int) -> None:
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        size = min(size, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (size, hard))


def _init_worker() -> None:
    # Ctrl+C in a terminal reaches the whole process group; the daemon stops workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    init_decoders()
    if sys.platform.startswith("linux"):
        import ctypes

        global _memory
        libc = ctypes.CDLL("libc.so.6")
        # A killed daemon takes its workers with it (no orphans decoding for nobody).
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
        _memory = _WorkerMemory(libc)


def _previews_task(
    path: str, coldpreview_max_px: int, quality: int, allowance: int, sidecar: str | None
) -> Previews | NeedsMemory:
    need = decode_cost(path, coldpreview_max_px=coldpreview_max_px)
    if need > allowance:
        return NeedsMemory(need)
    if allowance <= ORDINARY or _memory is None:
        previews = make_previews(path, coldpreview_max_px=coldpreview_max_px, quality=quality)
    else:
        with _memory.granted(allowance):
            previews = make_previews(path, coldpreview_max_px=coldpreview_max_px, quality=quality)
    return previews if sidecar is None else _with_sidecar(previews, sidecar)


def _with_sidecar(previews: Previews, sidecar: str) -> Previews:
    """The sidecar's XMP over the file's own, field by field; one that cannot be read
    leaves the file's own and becomes the photo's problem, never its failure."""
    try:
        found = xmp.read_sidecar(sidecar)
    except xmp.XmpError as exc:
        return msgspec.structs.replace(previews, xmp_problem=str(exc), xmp_problem_path=sidecar)
    return msgspec.structs.replace(previews, xmp=xmp.combined(found, previews.xmp))


class WorkerPool:
    """Decoding workers; `previews()` never raises anything but PreviewError for a file."""

    def __init__(
        self,
        workers: int | None = None,
        *,
        timeout: float = FILE_TIMEOUT,
        memory_budget: int = DEFAULT_DECODE_MEMORY_MB * MB,
    ) -> None:
        wanted = workers or os.cpu_count() or 2
        self.plan: MemoryPlan = budget.plan(memory_budget, wanted)
        self.size = self.plan.workers
        self.timeout = timeout
        self.shared = SharedMemory(self.plan.shared)
        if self.size < wanted:
            log.info(
                "decoding with %d of %d workers: the decode memory budget of %d MB "
                "affords no more (HOTPREVUE_DECODE_MEMORY_MB)",
                self.size,
                wanted,
                memory_budget // MB,
            )
        self._pool = pebble.ProcessPool(
            max_workers=self.size,
            max_tasks=TASKS_PER_WORKER,
            initializer=_init_worker,
            # spawn, not fork: forking a process with an event loop and threads is unsafe.
            context=multiprocessing.get_context("spawn"),
        )

    async def previews(
        self, path: str, *, coldpreview_max_px: int, quality: int, sidecar: str | None = None
    ) -> Previews:
        """Previews of one master file, decoded in a worker within the memory budget, with
        the XMP of its sidecar (if given) over the file's own."""
        args = (path, coldpreview_max_px, quality)
        answer = await self.call(_previews_task, *args, ORDINARY, sidecar)
        if not isinstance(answer, NeedsMemory):
            return answer
        need = answer.bytes
        if need > self.plan.largest:
            most, total = _size(self.plan.largest), _size(self.plan.budget)
            raise PreviewError(
                f"needs ~{_size(need)} of memory to decode, more than the {most} one image "
                f"may use within the decode memory budget of {total}; "
                "raise HOTPREVUE_DECODE_MEMORY_MB to register it"
            )
        extra = need - ORDINARY
        await self.shared.acquire(extra)
        answer = await self._run(_previews_task, (*args, need, sidecar), held=extra)
        if isinstance(answer, NeedsMemory):
            raise PreviewError("the file changed while it was being registered")
        return answer

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run a picklable function in a worker; any failure becomes a PreviewError."""
        return await self._run(function, args, held=0)

    async def _run(self, function: Callable[..., T], args: tuple[Any, ...], *, held: int) -> T:
        """Run a task; `held` bytes of the shared budget are released when it has ended."""
        try:
            future: Future[T] = self._pool.schedule(function, args=args, timeout=self.timeout)
        except BaseException:
            self.shared.release(held)
            raise
        if held:
            # Released when the task has truly ended (result, timeout or crash: pebble
            # reports those after the worker stopped), never while it may still decode.
            loop = asyncio.get_running_loop()
            future.add_done_callback(lambda _: _call_soon(loop, self.shared.release, held))
        try:
            # A big decode is never cancelled halfway: cancelling a pebble task reports
            # it done before its worker is stopped, which would free its memory early.
            outcome = asyncio.wrap_future(future)
            result: T = await (asyncio.shield(outcome) if held else outcome)
        except PreviewError:
            raise
        except TimeoutError:
            raise PreviewError(f"decoding took longer than {self.timeout:.0f} s; gave up") from None
        except pebble.ProcessExpired as exc:
            raise PreviewError(
                f"the decoder crashed on this file (exit code {exc.exitcode})"
            ) from None
        except (FutureCancelled, asyncio.CancelledError):
            if not held:
                future.cancel()
            raise asyncio.CancelledError from None
        except MemoryError:
            raise PreviewError("out of memory decoding the image") from None
        except Exception as exc:
            raise PreviewError(f"cannot decode image: {type(exc).__name__}: {exc}") from None
        return result

    def close(self) -> None:
        """Stop the workers (files being decoded are abandoned)."""
        self._pool.stop()  # type: ignore[no-untyped-call]
        self._pool.join(timeout=10)


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[[int], None], arg: int) -> None:
    """From pebble's thread into the event loop; a closed loop has no budget left to keep."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback, arg)


def _size(value: int) -> str:
    return f"{value / 1024**3:.1f} GB" if value >= 1024**3 else f"{value / MB:.0f} MB"
