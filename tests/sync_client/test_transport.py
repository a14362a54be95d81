"""Target addresses, TLS setup and retries, against a real HTTP server over loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from daemon.errors import Invalid
from daemon.sync.transport import (
    CentralRefused,
    PrivateOnlyResolver,
    Retryable,
    Stopped,
    TargetAddress,
    check_answer,
    check_url,
    open_session,
    with_retries,
)


@pytest.mark.parametrize(
    ("url", "base", "encrypted"),
    [
        ("https://photos.example.com", "https://photos.example.com", True),
        ("https://Photos.Example.com:8443/hp/", "https://photos.example.com:8443/hp", True),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000", False),
        ("http://10.1.2.3", "http://10.1.2.3", False),
        ("http://192.168.1.20:8000/", "http://192.168.1.20:8000", False),
        ("http://[::1]:8000", "http://[::1]:8000", False),
        ("http://localhost:8000", "http://localhost:8000", False),
    ],
)
def test_check_url_accepts(url: str, base: str, encrypted: bool) -> None:
    address = check_url(url)
    assert (address.url, address.encrypted) == (base, encrypted)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://8.8.8.8", "plain http to a public address"),
        # A public name (without DNS here, a name that does not resolve: refused too).
        ("http://example.com", "plain http to a public address|cannot resolve"),
        ("http://[::ffff:8.8.8.8]", "plain http to a public address"),
        ("ftp://photos.example.com", "no https:// URL"),
        ("photos.example.com", "no https:// URL"),
        ("https://user:pass@photos.example.com", "user name or password"),
        ("https://photos.example.com/?a=1", "query or fragment"),
        ("https://photos.example.com/#top", "query or fragment"),
        ("https://", "names no host"),
        ("https://photos.example.com:99999", "invalid port"),
    ],
)
def test_check_url_refuses(url: str, words: str) -> None:
    with pytest.raises(Invalid, match=words):
        check_url(url)


def test_check_url_says_why_plain_http_is_refused() -> None:
    with pytest.raises(Invalid) as refused:
        check_url("http://8.8.8.8")
    assert refused.value.detail == (
        "http://8.8.8.8 is plain http to a public address: the token would travel "
        "unencrypted. Use https://"
    )


async def test_open_session_refuses_a_ca_file_that_does_not_load(tmp_path: Path) -> None:
    address = check_url("https://photos.example.com")
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate\n")
    for ca_file in (str(not_pem), str(tmp_path / "missing.pem")):
        with pytest.raises(Invalid, match="cannot load a CA certificate"):
            open_session(address, ca_file=ca_file)


def test_check_answer() -> None:
    check_answer(200, b"{}")
    with pytest.raises(Retryable, match="503"):
        check_answer(503, b"")
    with pytest.raises(CentralRefused) as refused:
        check_answer(401, b'{"detail": "unknown machine token"}')
    assert (refused.value.status, refused.value.detail) == (401, "unknown machine token")
    with pytest.raises(CentralRefused) as plain:
        check_answer(413, b"too large")
    assert plain.value.detail == "too large"


class Central:
    """A loopback server answering with the statuses queued, then 200."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.hits = 0
        self.url = ""
        self.third_hit = asyncio.Event()

    async def handle(self, _: web.Request) -> web.Response:
        self.hits += 1
        if self.hits == 3:
            self.third_hit.set()
        status = self.statuses.pop(0) if self.statuses else 200
        return web.json_response({"detail": f"answer {status}"}, status=status)


@pytest.fixture
async def central() -> AsyncIterator[Central]:
    server = Central()
    app = web.Application()
    app.router.add_post("/api/sync/receive", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"http://127.0.0.1:{port}"
    yield server
    await runner.cleanup()


async def post(session: aiohttp.ClientSession, url: str) -> int:
    """One request as the pusher makes it: the answer checked."""
    async with session.post(f"{url}/api/sync/receive", json={}) as response:
        check_answer(response.status, await response.read())
        return response.status


async def test_with_retries_retries_5xx_then_succeeds(central: Central) -> None:
    central.statuses = [503, 503]
    retried: list[tuple[int, str]] = []
    async with open_session(check_url(central.url), ca_file=None) as session:
        status = await with_retries(
            lambda: post(session, central.url),
            on_retry=lambda attempt, exc: retried.append((attempt, str(exc))),
        )
    assert status == 200
    assert central.hits == 3
    assert [attempt for attempt, _ in retried] == [1, 2]
    assert "answer 503" in retried[0][1]


async def test_with_retries_does_not_retry_a_refusal(central: Central) -> None:
    central.statuses = [401]
    async with open_session(check_url(central.url), ca_file=None) as session:
        with pytest.raises(CentralRefused, match="answer 401"):
            await with_retries(lambda: post(session, central.url))
    assert central.hits == 1


async def test_with_retries_gives_up_on_a_closed_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    attempts: list[int] = []
    async with open_session(check_url(url), ca_file=None) as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await with_retries(
                lambda: post(session, url),
                attempts=3,
                on_retry=lambda attempt, _: attempts.append(attempt),
            )
    assert attempts == [1, 2]


async def test_with_retries_stops_when_asked(central: Central) -> None:
    central.statuses = [503] * 10
    stop = asyncio.Event()
    async with open_session(check_url(central.url), ca_file=None) as session:
        retrying = asyncio.create_task(
            with_retries(lambda: post(session, central.url), attempts=10, stop=stop)
        )
        await asyncio.wait_for(central.third_hit.wait(), 10)
        stop.set()
        with pytest.raises(Stopped):
            await asyncio.wait_for(retrying, 5)


async def test_plain_http_refuses_a_name_that_resolves_to_a_public_address(
    central: Central,
) -> None:
    # Checked when added (a private name then); DNS answering otherwise later is refused
    # at connection time. "localhost" resolves to loopback here: accepted.
    port = int(central.url.rsplit(":", 1)[1])
    local = TargetAddress(
        url=f"http://localhost:{port}", host="localhost", port=port, encrypted=False
    )
    async with open_session(local, ca_file=None) as session:
        assert await post(session, local.url) == 200


class PublicDns(AbstractResolver):
    """DNS that now answers a public address for every name (no DNS server runs here)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host="8.8.8.8", port=port, family=family, proto=0, flags=0)
        ]

    async def close(self) -> None:
        return None


async def test_plain_http_refuses_a_public_address_at_connection_time() -> None:
    # The name was private when the target was added; DNS answers otherwise now.
    connector = aiohttp.TCPConnector(resolver=PrivateOnlyResolver(PublicDns()))
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(Invalid, match=r"resolves to the public address 8\.8\.8\.8"):
            await post(session, "http://nas.home.arpa:8000")
