"""Cost of GET /api/activity, which the tray asks every second, on a catalog of 100,000 photos.

Run: python -m tests.benchmarks.activity [--photos 100000] [--repeat 300]

Starts the real daemon, bulk-inserts photos (rows only) into its embedded database,
watches one folder, then times GET /api/activity over one kept-alive connection, as
the tray polls it: latency p50/p95, and CPU per request of the daemon and of its
PostgreSQL. Twice: without sync targets, and with one that has received nothing yet
(its pending counts are the dearest part). The endpoint keeps the photo count and
the pending counts until the catalog changes; what they cost afresh is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import statistics
import tempfile
import time
from pathlib import Path

import asyncpg
import psutil

from daemon.store import sync as sync_store
from daemon.store import system as system_store
from tests.benchmarks.http_latency import percentile
from tests.benchmarks.sync import fill
from tests.support.daemon_process import DaemonProcess
from tests.support.images import jpeg_bytes, photo_like
from tests.sync.flows import catalog_dsn


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User and system CPU the processes have used so far."""
    total = 0.0
    for process in processes:
        times = process.cpu_times()
        total += times.user + times.system
    return total


def measure(daemon: DaemonProcess, repeat: int) -> tuple[list[float], float, float]:
    """Milliseconds per request, and CPU milliseconds per request of the daemon and of
    PostgreSQL (its server processes, the pool's backends among them)."""
    assert daemon.proc is not None
    host, port = daemon.url.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {"X-API-Key": daemon.api_key}

    def get() -> float:
        began = time.perf_counter()
        connection.request("GET", "/api/activity", headers=headers)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, body[:200]
        return (time.perf_counter() - began) * 1000

    for _ in range(20):  # warm: connections of the pool, plans, the kept count
        get()
    own = [psutil.Process(daemon.proc.pid)]
    postgres = daemon.postgres()
    own_before, postgres_before = cpu_seconds(own), cpu_seconds(postgres)
    timings = [get() for _ in range(repeat)]
    own_cpu = (cpu_seconds(own) - own_before) * 1000 / repeat
    postgres_cpu = (cpu_seconds(postgres) - postgres_before) * 1000 / repeat
    connection.close()
    return timings, own_cpu, postgres_cpu


def report(name: str, timings: list[float], own_cpu: float, postgres_cpu: float) -> None:
    print(
        f"{name:<34} p50 {statistics.median(timings):6.2f} ms  p95 {percentile(timings, 0.95):6.2f}"
        f" ms  CPU/request: daemon {own_cpu:5.2f} ms, PostgreSQL {postgres_cpu:5.2f} ms"
    )


async def afresh(dsn: str, query: str, *args: object, repeat: int = 20) -> float:
    """Median milliseconds of a figure the endpoint keeps between changes, computed afresh."""
    conn = await asyncpg.connect(dsn)
    try:
        timings = []
        for _ in range(repeat):
            began = time.perf_counter()
            await conn.fetch(query, *args)
            timings.append((time.perf_counter() - began) * 1000)
        return statistics.median(timings)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        daemon = DaemonProcess(root / "data").start()
        try:
            daemon.wait_healthy()
            dsn = catalog_dsn(daemon)
            previews = [jpeg_bytes(photo_like(150, 150, seed)) for seed in range(20)]
            began = time.perf_counter()
            asyncio.run(fill(dsn, root, 0, args.photos, previews, None))
            print(f"filled {args.photos} photos in {time.perf_counter() - began:.0f} s")
            (root / "watched").mkdir()
            status, body = daemon.request(
                "POST", "/api/watched-folders", {"path": str(root / "watched")}
            )
            assert status == 201, body

            report("no sync target", *measure(daemon, args.repeat))
            status, body = daemon.request(
                "POST",
                "/api/sync/targets",
                {"url": "http://127.0.0.1:9", "token": "hpm_" + "b" * 43, "name": "bench"},
            )
            assert status == 201, body
            report("one target that has nothing yet", *measure(daemon, args.repeat))
            # What a poll costs PostgreSQL after a change, when the kept figures are stale.
            count = asyncio.run(afresh(dsn, system_store.PHOTO_COUNT))
            pending = asyncio.run(afresh(dsn, sync_store.PENDING, 0, None, sync_store.PENDING_CAP))
            print(
                f"computed afresh after a change: photo count {count:.2f} ms, "
                f"pending counts of that target {pending:.2f} ms"
            )
        finally:
            daemon.kill_all()


if __name__ == "__main__":
    main()
