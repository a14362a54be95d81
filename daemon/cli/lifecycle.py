"""`hotprevue run`, `status` and `stop`: the daemon in the foreground, whether it runs,
and stopping it."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from typing import TYPE_CHECKING

from daemon.cli import common
from daemon.config import Settings
from protocol.client import DaemonError, DaemonUnreachable
from protocol.local import RuntimeInfo
from protocol.system import Status

if TYPE_CHECKING:
    from daemon.cli.common import Commands

STOP_TIMEOUT = 60.0


def add_parser(commands: Commands, with_data_dir: argparse.ArgumentParser) -> None:
    """Add `run`, `status` and `stop`."""
    foreground = commands.add_parser(
        "run", parents=[with_data_dir], help="run the daemon in the foreground"
    )
    foreground.add_argument(
        "--central",
        action="store_true",
        help="central-server mode: no embedded database, DATABASE_URL required",
    )
    foreground.add_argument("--host", help="address to listen on (local mode: loopback only)")
    foreground.add_argument(
        "--port", type=int, help="port to listen on (default 8000; 0 = any free)"
    )
    foreground.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    foreground.set_defaults(handler=run)

    asked = commands.add_parser("status", parents=[with_data_dir], help="is the daemon running?")
    asked.set_defaults(handler=status)
    stopped = commands.add_parser("stop", parents=[with_data_dir], help="stop the running daemon")
    stopped.set_defaults(handler=stop)


def run(settings: Settings, _args: argparse.Namespace) -> int:
    """Run the daemon in the foreground until it is stopped; its exit code."""
    # Imported here, not at the top: the web stack costs 0.3 s of CPU that no other
    # command needs.
    from daemon import server
    from protocol import logs

    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    logs.configure(settings.paths.logs, settings.log_level)
    try:
        return server.run(settings)
    except server.StartError as exc:
        logging.getLogger("daemon").error("%s", exc)
        return 1


def status(settings: Settings, _args: argparse.Namespace) -> int:
    """Print what the running daemon says of itself; exit code 3 when none runs."""
    info = common.running_daemon(settings)
    if info is None:
        print(common.not_running(settings))
        return common.EXIT_NOT_RUNNING
    try:
        said = common.client(settings, info).get("/api/status", Status)
    except (DaemonUnreachable, DaemonError) as exc:
        print(f"Hotprevue (pid {info.pid}) is starting or not answering at {info.url}: {exc}")
        return 1
    rows = [
        ("status", "running"),
        ("url", info.url),
        ("mode", said.mode),
        ("version", said.version),
        ("pid", str(said.pid)),
        ("data dir", said.data_dir),
        ("coldpreviews", said.coldpreview_dir),
        ("database size", _human_bytes(said.database_size_bytes)),
        ("photos", f"{said.photo_count:,}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


def stop(settings: Settings, _args: argparse.Namespace) -> int:
    """Stop the running daemon and wait until it has; exit code 0 when none runs after."""
    info = RuntimeInfo.read(settings.paths.runtime)
    if not common.running(settings):
        if settings.embedded_database and _stop_abandoned_database(settings):
            print(
                f"Hotprevue was not running (data dir {settings.data_dir}); stopped the "
                "database it left running when it was killed"
            )
            return 0
        print(common.not_running(settings))
        return 0
    try:
        if info is None:
            raise DaemonUnreachable("daemon.json is missing")
        common.client(settings, info).post_empty("/api/shutdown")
    except (DaemonUnreachable, DaemonError) as exc:
        if info is None:
            print(f"Hotprevue holds {settings.paths.lock} but cannot be reached: {exc}")
            return 1
        # Still starting (no HTTP yet): a signal stops it just as cleanly.
        import signal

        os.kill(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while common.running(settings):
        if time.monotonic() > deadline:
            print(f"Hotprevue did not stop within {STOP_TIMEOUT:.0f} s", file=sys.stderr)
            return 1
        time.sleep(0.1)
    print("Hotprevue stopped")
    return 0


def _stop_abandoned_database(settings: Settings) -> bool:
    """Stop the embedded PostgreSQL a killed daemon left running; whether there was one."""
    from daemon.embedded_pg import EmbeddedPostgres

    database = EmbeddedPostgres(settings.paths.pgdata)
    if not database.processes():
        return False
    database.stop_abandoned()
    return True


def _human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"
