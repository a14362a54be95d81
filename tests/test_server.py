"""The daemon's listening socket: small answers on a kept-alive connection are not held
back by Nagle's algorithm against the client's delayed ACK (about 40 ms each).

The latency itself is measured by tests/benchmarks/http_latency.py."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from daemon.config import load_settings
from daemon.server import _bind


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
