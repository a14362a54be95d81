"""A process pool for decoding: sized to the cores, a crash or a hang costs one file."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import CancelledError as FutureCancelled
from typing import Any, TypeVar

import pebble

from daemon.imaging.previews import PreviewError, Previews, init_decoders, make_previews

log = logging.getLogger(__name__)
T = TypeVar("T")

FILE_TIMEOUT = 120.0
# Replaced after this many files, so a slow leak in a decoder never accumulates.
TASKS_PER_WORKER = 500
# Address space per worker: an image that needs more fails alone instead of
# waking the OS's out-of-memory killer, which might pick the daemon or PostgreSQL.
WORKER_MEMORY_LIMIT = 3 * 1024**3


def _init_worker() -> None:
    # Ctrl+C in a terminal reaches the whole process group; the daemon stops workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes
        import resource

        # glibc returns big freed image buffers to the OS and faults them back in for
        # the next photo; fixed thresholds keep them (measured: ~9 % faster decodes).
        libc = ctypes.CDLL("libc.so.6")
        # A killed daemon takes its workers with it (no orphans decoding for nobody).
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)
        libc.mallopt(m_trim_threshold, 256 * 1024 * 1024)
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_LIMIT, WORKER_MEMORY_LIMIT))
    init_decoders()


def _previews_task(path: str, coldpreview_max_px: int, quality: int) -> Previews:
    return make_previews(path, coldpreview_max_px=coldpreview_max_px, quality=quality)


class WorkerPool:
    """Decoding workers; `previews()` never raises anything but PreviewError for a file."""

    def __init__(self, workers: int | None = None, *, timeout: float = FILE_TIMEOUT) -> None:
        self.size = workers or os.cpu_count() or 2
        self.timeout = timeout
        self._pool = pebble.ProcessPool(
            max_workers=self.size,
            max_tasks=TASKS_PER_WORKER,
            initializer=_init_worker,
            # spawn, not fork: forking a process with an event loop and threads is unsafe.
            context=multiprocessing.get_context("spawn"),
        )

    async def previews(self, path: str, *, coldpreview_max_px: int, quality: int) -> Previews:
        """Previews of one master file, decoded in a worker."""
        return await self.call(_previews_task, path, coldpreview_max_px, quality)

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run a picklable function in a worker; any failure becomes a PreviewError."""
        future = self._pool.schedule(function, args=args, timeout=self.timeout)
        try:
            result: T = await asyncio.wrap_future(future)
        except PreviewError:
            raise
        except TimeoutError:
            raise PreviewError(f"decoding took longer than {self.timeout:.0f} s; gave up") from None
        except pebble.ProcessExpired as exc:
            raise PreviewError(
                f"the decoder crashed on this file (exit code {exc.exitcode})"
            ) from None
        except (FutureCancelled, asyncio.CancelledError):
            future.cancel()  # type: ignore[no-untyped-call]
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
