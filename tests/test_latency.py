"""Small answers on a kept-alive connection are not held back by Nagle's algorithm."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon.config import load_settings
from daemon.server import _bind
from tests.daemon_process import DaemonProcess

# Nagle + delayed ACK costs about 40 ms a call; a healthy loopback call takes 1-3 ms even
# on a loaded machine. The line between them is wide enough never to flake.
NAGLE_FLOOR_MS = 20


async def test_accepted_connections_have_nagle_off(tmp_path: Path) -> None:
    """The listening socket the daemon makes lets asyncio set TCP_NODELAY on each client."""
    settings = load_settings(data_dir=tmp_path, port=0, env={})
    sock = _bind(settings)
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted = transport.get_extra_info("socket")
            seen.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
    try:
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        assert await asyncio.wait_for(seen, 10) != 0
        writer.close()
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[DaemonProcess]:
    started = DaemonProcess(tmp_path / "data").start()
    try:
        started.wait_healthy()
        yield started
    finally:
        started.kill_all()


def test_kept_alive_small_answers_are_fast(daemon: DaemonProcess) -> None:
    """GETs, PATCHes and POSTs on one connection answer well under a delayed ACK."""
    host, port = daemon.url.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {"X-API-Key": daemon.api_key, "Content-Type": "application/json"}
    calls = [
        ("GET", "/api/settings", None),
        ("PATCH", "/api/settings", {"instance_name": "latency"}),
        ("POST", "/api/events", {"name": "latency"}),
    ]
    for method, path, body in calls:
        timings = []
        for _ in range(15):
            began = time.perf_counter()
            connection.request(
                method, path, body=None if body is None else json.dumps(body), headers=headers
            )
            response = connection.getresponse()
            response.read()
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status < 300, (method, path, response.status)
        assert statistics.median(timings[1:]) < NAGLE_FLOOR_MS, (method, path, timings)
    connection.close()
