"""The daemon process: one per data directory, its port, its server, its clean exit."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import signal
import socket
from datetime import UTC, datetime
from types import FrameType

import filelock
import uvicorn

from daemon import permissions
from daemon.app import create_app
from daemon.config import Settings
from protocol.local import RuntimeInfo

log = logging.getLogger(__name__)


class StartError(Exception):
    """The daemon cannot start; the message tells the user why and what to do."""


def run(settings: Settings) -> int:
    """Serve until stopped by a signal or `hotprevue stop`; return the exit code."""
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Not a non-blocking try: `status` and the tray probe the lock for an instant, and a
    # start at that instant must not take the probe for a running daemon.
    lock = filelock.FileLock(settings.paths.lock, mode=0o600, timeout=0.5)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise StartError(_already_running(settings)) from None
    try:
        _make_private(settings)
        sock = _bind(settings)
        settings = dataclasses.replace(settings, port=sock.getsockname()[1])
        info = RuntimeInfo(
            pid=os.getpid(),
            url=settings.url,
            mode=settings.mode.value,
            data_dir=str(settings.data_dir),
            started_at=datetime.now(UTC),
        )
        info.write(settings.paths.runtime)
        try:
            return _serve(settings, sock)
        finally:
            settings.paths.runtime.unlink(missing_ok=True)
            sock.close()
    finally:
        lock.release()


def _serve(settings: Settings, sock: socket.socket) -> int:
    server: uvicorn.Server | None = None

    def request_shutdown() -> None:
        assert server is not None
        server.should_exit = True

    app = create_app(settings, request_shutdown=request_shutdown)
    config = uvicorn.Config(
        app,
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=10,
        server_header=False,
        # A TLS proxy's X-Forwarded-Proto makes the scheme https: browser cookies then
        # carry Secure.
        forwarded_allow_ips=settings.trusted_proxies,
    )
    server = uvicorn.Server(config)
    # uvicorn re-raises the signal it caught once it has shut down; with these
    # handlers in place that re-raise ends in a normal exit instead of a kill.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _note_signal)
    try:
        asyncio.run(server.serve(sockets=[sock]))
    except SystemExit as exc:
        # uvicorn exits with 3 when the lifespan failed; the reason is already logged.
        return int(exc.code or 0)
    if not server.started:
        return 1
    log.info("Hotprevue stopped")
    return 0


def _make_private(settings: Settings) -> None:
    """Tighten what an older version (or another umask) left readable to other users."""
    coldpreviews = settings.coldpreview_dir
    changed = permissions.make_private(settings.data_dir, large=[coldpreviews])
    if settings.data_dir not in coldpreviews.parents:
        changed += permissions.make_private(coldpreviews, large=[coldpreviews])
    if changed:
        log.info("made %d file(s) and folder(s) private to this user", changed)


def _note_signal(signum: int, _frame: FrameType | None) -> None:
    log.debug("signal %s handled", signal.Signals(signum).name)


def _bind(settings: Settings) -> socket.socket:
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    # IPPROTO_TCP, not the default 0: asyncio turns Nagle's algorithm off (TCP_NODELAY)
    # only on accepted sockets that say they are TCP, and they inherit the listener's
    # protocol. Without it a response whose headers and body leave in two writes waits
    # for the client's delayed ACK: about 40 ms on every small answer of a kept-alive
    # connection.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if os.name != "nt":
        # Lets a restart reuse the port while old connections linger in TIME_WAIT;
        # a port held by a live listener is still refused.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise StartError(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}. "
            "Another program uses that port; start Hotprevue with --port N "
            "(or HOTPREVUE_PORT) to use another."
        ) from None
    return sock


def _already_running(settings: Settings) -> str:
    info = RuntimeInfo.read(settings.paths.runtime)
    where = f" (pid {info.pid}, {info.url})" if info else ""
    return (
        f"Hotprevue is already running on {settings.data_dir}{where}. "
        "Stop it with `hotprevue stop`, or use another --data-dir."
    )
