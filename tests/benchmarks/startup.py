"""Start-up times of the real daemon: first start, warm start, and after crashes.

Run: python -m tests.benchmarks.startup [--runs N]
Targets (issue: daemon foundation): /health 200 within 10 s on first start, 3 s warm.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.daemon_process import DaemonProcess


def timed_start(data_dir: Path) -> tuple[DaemonProcess, float]:
    """Start a daemon and return it with the seconds until /health answered 200."""
    began = time.monotonic()
    daemon = DaemonProcess(data_dir).start()
    daemon.wait_healthy()
    return daemon, time.monotonic() - began


def stop(daemon: DaemonProcess) -> None:
    daemon.signal(signal.SIGTERM)


def kill_daemon(daemon: DaemonProcess) -> None:
    daemon.kill_daemon()


def kill_everything(daemon: DaemonProcess) -> None:
    daemon.kill_daemon()
    for proc in daemon.postgres():
        proc.kill()
    while daemon.postgres():
        time.sleep(0.05)


def scenario(root: Path, before: Callable[[DaemonProcess], None] | None) -> float:
    """Time one start; `before` prepares the data dir from a running daemon first."""
    data = root / "data"
    if before is not None:
        daemon, _ = timed_start(data)
        before(daemon)
    daemon, seconds = timed_start(data)
    stop(daemon)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    cases: dict[str, Callable[[DaemonProcess], None] | None] = {
        "first start (initdb + migrations)": None,
        "warm start (clean stop before)": stop,
        "after kill -9 of the daemon": kill_daemon,
        "after kill -9 of daemon and postgres": kill_everything,
    }
    print(f"{'scenario':<40} {'median s':>9} {'max s':>7}  (runs: {runs})")
    for name, before in cases.items():
        times = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as tmp:
                times.append(scenario(Path(tmp), before))
        print(f"{name:<40} {statistics.median(times):>9.2f} {max(times):>7.2f}")


if __name__ == "__main__":
    main()
