"""Local security: API key, loopback Host only, no CORS, bounded bodies."""

from __future__ import annotations

import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar.types import ASGIApp

from daemon.app import create_app
from daemon.config import Settings
from daemon.security import is_loopback_host, load_or_create_api_key
from tests.support.app import Client
from tests.support.daemon_process import DaemonProcess


async def test_health_needs_no_key(anon_client: Client) -> None:
    for path in ("/health", "/api/health"):
        response = await anon_client.get(path)
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok"
        assert body["mode"] == "local"
        assert len(body["installation_id"]) == 36


@pytest.mark.parametrize(
    "path",
    [
        "/api/settings",
        "/api/photographers",
        "/api/categories",
        "/api/status",
        "/api/schema/openapi.json",
    ],
)
async def test_api_needs_the_key(anon_client: Client, path: str) -> None:
    response = await anon_client.get(path)
    assert response.status_code == 401
    assert "X-API-Key" in response.json()["detail"]
    wrong = await anon_client.get(path, headers={"X-API-Key": "not-the-key"})
    assert wrong.status_code == 401


async def test_shutdown_needs_the_key(anon_client: Client) -> None:
    assert (await anon_client.post("/api/shutdown")).status_code == 401


async def test_the_key_opens_the_api(client: Client) -> None:
    assert (await client.get("/api/settings")).status_code == 200


LOOPBACK = ("localhost", "127.0.0.1", "[::1]")
GOOD_PORTS = ("", ":0", ":1", ":80", ":8000", ":65535")
# What may follow a loopback name and still not make it this machine's name.
BAD_SUFFIXES = (
    ".", ".evil.com", "evil.com", "@evil.com", ":evil.com", ":8000evil.com", ":8000.evil.com",
    ":", ":80:80", ":abc", ":0x50", ":+80", ":-1", ":8 0", ":65536", ":99999", ":123456",
    ":\uff18\uff10", ":\u0668\u0660", " ", "\t", ":8000 ", "\n", ":8000\n", "\x00", "%00",
    ":8000/", "/", "]",
)  # fmt: skip
BAD_PREFIXES = ("evil.com@", "evil.com:", "x", "x.", ".", " ", "[", "0")
REFUSED_HOSTS = (
    "evil.example", "evil.example:8000", "127.0.0.1.nip.io:8000", "192.168.1.5:8000", "",
    "localhost:evil.com", "[::1]evil.com", "localhost.", "127.0.0.1:80:80",
    "localhost@evil.com", "localhost:abc", "::1", "[::1", "::1]:8000", "[0:0:0:0:0:0:0:1]",
    "[::ffff:127.0.0.1]", "127.1", "127.0.0.2", "2130706433", "0.0.0.0", "localhost6",
    "localhost.localdomain", "[::1]:8000:8000", "localhost:8000@evil.com",
)  # fmt: skip
ALLOWED_HOSTS = ("localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST")


def test_the_host_check_takes_exactly_a_loopback_name_and_a_port() -> None:
    for name in LOOPBACK:
        for spelled in (name, name.upper(), name.title()):
            for port in GOOD_PORTS:
                assert is_loopback_host(spelled + port), spelled + port
        for bad in BAD_SUFFIXES:
            assert not is_loopback_host(name + bad), name + bad
            assert not is_loopback_host(name + ":8000" + bad), name + ":8000" + bad
        for bad in BAD_PREFIXES:
            assert not is_loopback_host(bad + name), bad + name
    for host in (*REFUSED_HOSTS, "évil.com", "localhost\u0131", "ⓛocalhost", "localhost\u200b"):
        assert not is_loopback_host(host), host


async def test_foreign_host_headers_are_refused(client: Client) -> None:
    for host in REFUSED_HOSTS:
        for path in ("/health", "/api/settings"):
            response = await client.get(path, headers=[(b"host", host.encode())])
            assert response.status_code == 403, (path, host)
            assert "localhost" in response.json()["detail"]


async def asgi_get(app: ASGIApp, path: str, headers: list[tuple[bytes, bytes]]) -> int:
    """The status of a GET sent straight to the ASGI app, headers exactly as given (an
    HTTP client folds repeated Host headers into one)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)  # type: ignore[arg-type]
    return int(sent[0]["status"])


async def test_one_host_header_exactly(settings: Settings) -> None:
    # The guard runs before any handler: an app without its lifespan (no database) will do.
    app = create_app(settings)
    key = (b"x-api-key", settings.paths.api_key.read_bytes().strip())
    path = "/api/schema/openapi.json"
    assert await asgi_get(app, path, [(b"host", b"localhost"), key]) == 200
    twice = ((b"localhost", b"evil.example"), (b"evil.example", b"localhost"), (b"localhost",) * 2)
    for hosts in twice:
        assert await asgi_get(app, path, [*((b"host", h) for h in hosts), key]) == 403, hosts
    assert await asgi_get(app, path, [key]) == 403


@pytest.fixture(scope="module")
def live_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonProcess]:
    """The real daemon behind its real HTTP server."""
    daemon = DaemonProcess(tmp_path_factory.mktemp("hosts") / "data").start()
    try:
        daemon.wait_healthy()
        yield daemon
    finally:
        daemon.kill_all()


def raw_get(daemon: DaemonProcess, head: list[bytes]) -> tuple[int, bytes]:
    """Status and body of a GET /api/settings whose request head is exactly these lines."""
    address = urlsplit(daemon.url)
    assert address.hostname is not None
    assert address.port is not None
    key = b"X-API-Key: " + daemon.api_key.encode()
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(b"\r\n".join([*head, key, b"Connection: close", b"", b""]))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


@pytest.mark.process
def test_the_real_server_refuses_foreign_hosts(live_daemon: DaemonProcess) -> None:
    get = b"GET /api/settings HTTP/1.1"
    for host in ALLOWED_HOSTS:
        assert raw_get(live_daemon, [get, b"Host: " + host.encode()])[0] == 200, host
    for host in (*REFUSED_HOSTS, ""):
        status, body = raw_get(live_daemon, [get, b"Host: " + host.encode()])
        assert status == 403, (host, status, body)
        assert b"localhost" in body, (host, body)
    assert raw_get(live_daemon, [b"GET /api/settings HTTP/1.0"])[0] == 403
    malformed = (
        [b"Host: localhost", b"Host: evil.example"],
        [b"Host: evil.example", b"Host: localhost"],
        ["Host: évil.com".encode()],
        ["Host: localhost\u200b".encode()],
        [b"Host: localhost\x00"],
    )
    for head in malformed:
        # The HTTP server (400) or Litestar's router (its 400, answered as 422) turns
        # these away before the guard sees them. Never the catalog.
        status, body = raw_get(live_daemon, [get, *head])
        assert status in (400, 403, 422), (head, status, body)


async def test_loopback_host_headers_pass(client: Client) -> None:
    for host in ALLOWED_HOSTS:
        response = await client.get("/api/settings", headers={"Host": host})
        assert response.status_code == 200, host


async def test_no_cors_headers(client: Client) -> None:
    response = await client.get("/api/settings", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    preflight = await client.options(
        "/api/settings",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "PATCH"},
    )
    assert "access-control-allow-origin" not in preflight.headers


async def test_oversized_body_is_refused(client: Client, settings: Settings) -> None:
    body = b'{"name": "' + b"x" * (settings.max_body_bytes + 10) + b'"}'
    response = await client.post(
        "/api/photographers", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    listing = (await client.get("/api/photographers")).json()
    assert len(listing) == 2


def test_api_key_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "data" / "api_key"
    first = load_or_create_api_key(path)
    assert len(first) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_api_key(path) == first
    assert load_or_create_api_key(tmp_path / "other" / "api_key") != first


async def test_central_mode_serves_other_hosts_but_still_wants_the_key(
    tmp_path: Path, database_url: str
) -> None:
    from litestar.testing import AsyncTestClient

    from daemon.config import load_settings

    central = load_settings(
        central=True, data_dir=tmp_path / "central", env={"DATABASE_URL": database_url}
    )
    async with AsyncTestClient(app=create_app(central), base_url="http://photos.example") as c:
        assert (await c.get("/health")).json()["mode"] == "central"
        assert (await c.get("/api/settings")).status_code == 401
        key = central.paths.api_key.read_text().strip()
        assert (await c.get("/api/settings", headers={"X-API-Key": key})).status_code == 200


async def test_openapi_declares_the_api_key(client: Client) -> None:
    schema = (await client.get("/api/schema/openapi.json")).json()
    scheme = schema["components"]["securitySchemes"]["apiKey"]
    assert (scheme["type"], scheme["name"], scheme["in"]) == ("apiKey", "X-API-Key", "header")
