"""Latency of small API answers on one kept-alive connection, as the tray and a web UI see it.

Run: python -m tests.benchmarks.http_latency [--repeat 200] [--patches 2000]

Starts the real daemon, registers a few generated photos, then times small GETs, PATCHes
and POSTs over one kept-alive connection, against the same calls each on a new
connection (the baseline: a first request never waits for a delayed ACK). Target
(hardening issue): p50 < 3 ms on the kept-alive connection; Nagle's algorithm against
delayed ACKs made it 42-48 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.daemon_process import DaemonProcess
from tests.support.factories import register_measured
from tests.support.images import write_jpeg

Call = Callable[[int], tuple[str, str, Any]]


def percentile(timings: list[float], share: float) -> float:
    """The nearest-rank percentile of millisecond timings."""
    ordered = sorted(timings)
    return ordered[max(0, round(share * len(ordered)) - 1)]


def timed(
    connect: Callable[[], http.client.HTTPConnection],
    key: str,
    call: Call,
    repeat: int,
    *,
    reuse: bool,
) -> list[float]:
    """Milliseconds per call, on one connection (reuse) or a new one per call."""
    connection = connect()
    timings = []
    for i in range(repeat):
        if not reuse:
            connection.close()
            connection = connect()
        method, path, body = call(i)
        data = None if body is None else json.dumps(body).encode()
        headers = {"X-API-Key": key, "Content-Type": "application/json"}
        began = time.perf_counter()
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status < 300, (method, path, response.status, payload[:200])
    connection.close()
    return timings


def register_photos(daemon: DaemonProcess, folder: Path) -> str:
    """Register three generated photos and return one hothash."""
    for seed in range(3):
        write_jpeg(folder / f"p{seed}.jpg", 800, 600, seed=seed)
    register_measured(daemon, folder)
    _, page = daemon.request("GET", "/api/photos?limit=1")
    hothash: str = page[0]["hothash"]
    return hothash


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--patches", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        daemon = DaemonProcess(Path(tmp) / "data").start()
        try:
            daemon.wait_healthy()
            hothash = register_photos(daemon, Path(tmp) / "photos")
            host, port = daemon.url.removeprefix("http://").rsplit(":", 1)

            def connect() -> http.client.HTTPConnection:
                return http.client.HTTPConnection(host, int(port), timeout=10)

            calls: dict[str, Call] = {
                "GET /api/photos/{hothash}": lambda i: ("GET", f"/api/photos/{hothash}", None),
                "GET /api/settings": lambda i: ("GET", "/api/settings", None),
                "PATCH /api/photos/{hothash}": lambda i: (
                    "PATCH",
                    f"/api/photos/{hothash}",
                    {"rating": i % 5 + 1},
                ),
                "POST /api/events": lambda i: ("POST", "/api/events", {"name": f"event {i}"}),
            }
            print(f"{'call':<30} {'kept-alive p50/p95 ms':>22} {'new connection p50/p95 ms':>26}")
            worst = 0.0
            for name, call in calls.items():
                timed(connect, daemon.api_key, call, 10, reuse=True)  # warm
                kept = timed(connect, daemon.api_key, call, args.repeat, reuse=True)
                fresh = timed(connect, daemon.api_key, call, args.repeat, reuse=False)
                worst = max(worst, statistics.median(kept))
                print(
                    f"{name:<30} {statistics.median(kept):>11.2f} / {percentile(kept, 0.95):<8.2f}"
                    f" {statistics.median(fresh):>13.2f} / {percentile(fresh, 0.95):<8.2f}"
                )
            patch = calls["PATCH /api/photos/{hothash}"]
            began = time.perf_counter()
            timed(connect, daemon.api_key, patch, args.patches, reuse=True)
            rate = args.patches / (time.perf_counter() - began)
            print(f"{args.patches} sequential PATCHes on one connection: {rate:.0f}/s")
            print(f"worst kept-alive p50: {worst:.2f} ms (target < 3)")
        finally:
            daemon.kill_all()


if __name__ == "__main__":
    main()
