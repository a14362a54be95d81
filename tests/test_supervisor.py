"""Supervised background tasks: restarted after a crash, stopped in time."""

from __future__ import annotations

import asyncio

import pytest

from daemon.supervisor import Supervisor


async def test_a_crashing_worker_is_restarted_until_it_runs() -> None:
    runs = 0
    settled = asyncio.Event()

    async def flaky(stop: asyncio.Event) -> None:
        nonlocal runs
        runs += 1
        if runs < 3:
            raise RuntimeError("boom")
        settled.set()
        await stop.wait()

    supervisor = Supervisor(max_backoff=0.05)
    supervisor.start("flaky", flaky)
    await asyncio.wait_for(settled.wait(), 5)
    assert runs == 3
    await supervisor.stop(timeout=1)


async def test_a_worker_that_ignores_stop_is_cancelled(caplog: pytest.LogCaptureFixture) -> None:
    cancelled = asyncio.Event()

    async def stubborn(_stop: asyncio.Event) -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    supervisor = Supervisor()
    supervisor.start("stubborn", stubborn)
    await asyncio.sleep(0)
    await supervisor.stop(timeout=0.1)
    assert cancelled.is_set()
    assert "did not stop" in caplog.text


async def test_names_are_unique() -> None:
    async def idle(stop: asyncio.Event) -> None:
        await stop.wait()

    supervisor = Supervisor()
    supervisor.start("one", idle)
    with pytest.raises(ValueError, match="already running"):
        supervisor.start("one", idle)
    await supervisor.stop()
