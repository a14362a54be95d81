"""The worker pool: a crash, a hang or an exception costs one file, never the pool."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator

import pytest

from daemon.imaging.hothash import PreviewError
from daemon.registration.workers import WorkerPool
from tests.support.images import CORPUS


def crash() -> None:
    os._exit(70)


def hang() -> None:
    time.sleep(60)


def fail() -> None:
    raise RuntimeError("decoder bug")


def exhaust_memory() -> bytes:
    return bytes(8 * 1024**3)


def pid() -> int:
    return os.getpid()


@pytest.fixture
async def workers() -> AsyncIterator[WorkerPool]:
    pool = WorkerPool(2, timeout=3)
    yield pool
    pool.close()


async def test_a_crashing_decoder_costs_one_file(workers: WorkerPool) -> None:
    with pytest.raises(PreviewError, match="crashed"):
        await workers.call(crash)
    assert await workers.call(pid) != os.getpid()


@pytest.mark.slow
async def test_a_hanging_decoder_times_out(workers: WorkerPool) -> None:
    began = time.monotonic()
    with pytest.raises(PreviewError, match="longer than 3 s"):
        await workers.call(hang)
    assert time.monotonic() - began < 30
    assert isinstance(await workers.call(pid), int)


async def test_exceptions_become_file_errors(workers: WorkerPool) -> None:
    with pytest.raises(PreviewError, match="RuntimeError: decoder bug"):
        await workers.call(fail)


async def test_running_out_of_memory_fails_the_file_only(workers: WorkerPool) -> None:
    with pytest.raises(PreviewError, match="memory"):
        await workers.call(exhaust_memory)
    assert isinstance(await workers.call(pid), int)


async def test_previews_run_in_workers(workers: WorkerPool) -> None:
    result = await workers.previews(
        str(CORPUS / "jpg/Canon_40D.jpg"), coldpreview_max_px=1200, quality=85
    )
    assert result.hothash.startswith("76bd1ab7")
