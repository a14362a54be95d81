"""How a push reaches central: checked addresses, verified TLS, retries with backoff.

A machine token opens central's sync endpoints, so it may travel in clear text only to
this machine or its private network: plain http to a public address is refused when the
target is added, and again at every connection (a name may resolve elsewhere by then).
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import secrets
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import aiohttp
import asyncpg
import msgspec
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from daemon import __version__
from daemon.errors import Invalid
from daemon.store import installation as installation_store
from protocol.base import ErrorBody

T = TypeVar("T")

FIRST_DELAY = 0.5
MAX_DELAY = 30.0
# Answers worth asking again: central overloaded, restarting, or timing out.
_RETRY_STATUSES = {408, 429}
_MAX_DETAIL = 500


@dataclass(frozen=True, slots=True)
class TargetAddress:
    """A central's checked base URL (no trailing slash) and what a connection to it is."""

    url: str
    host: str
    port: int
    encrypted: bool


class Retryable(Exception):
    """A failure worth trying again (central answered 5xx, or is overloaded)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class CentralRefused(Exception):
    """Central answered the request with an error that asking again will not change."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"central refused the request ({status}): {detail}")
        self.status = status
        self.detail = detail


class Stopped(Exception):
    """The push was asked to stop while it waited to try again."""


def check_url(url: str) -> TargetAddress:
    """A central's URL as a checked address: https anywhere, plain http only to this
    machine or a private network; no credentials, query or fragment in it."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in {"https", "http"}:
        raise Invalid(f"{url} is no https:// URL (the central server's address, as https://HOST)")
    if parts.username is not None or parts.password is not None:
        raise Invalid(f"{url} has a user name or password in it; give the token with --token")
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise Invalid(f"{url} has a query or fragment; give the central server's base URL")
    host = parts.hostname
    if not host:
        raise Invalid(f"{url} names no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise Invalid(f"{url} has an invalid port") from None
    encrypted = scheme == "https"
    if not encrypted and not _private_host(host, port):
        raise Invalid(
            f"{scheme}://{parts.netloc} is plain http to a public address: the token would "
            "travel unencrypted. Use https://"
        )
    base = f"{scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"
    return TargetAddress(url=base, host=host, port=port, encrypted=encrypted)


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or (ip.is_private and not ip.is_global)


def _private_host(host: str, port: int) -> bool:
    try:
        return _private(host)
    except ValueError:
        pass  # a name, not an address
    if host == "localhost":
        return True
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise Invalid(f"cannot resolve {host}: {exc}") from None
    return bool(found) and all(_private(str(info[4][0])) for info in found)


class PrivateOnlyResolver(AbstractResolver):
    """Resolves names for plain http targets, refusing any public address."""

    def __init__(self, resolver: AbstractResolver | None = None) -> None:
        self._resolver = resolver or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The addresses of a name, all of them private or loopback."""
        found = await self._resolver.resolve(host, port, family)
        public = [entry["host"] for entry in found if not _private(entry["host"])]
        if public:
            # Not an OSError: aiohttp would call that a connection error, and retry it.
            raise Invalid(
                f"{host} now resolves to the public address {public[0]}: plain http would "
                "send the token unencrypted. Use https://"
            )
        return found

    async def close(self) -> None:
        """Release the underlying resolver."""
        await self._resolver.close()


async def installation_secret(pool: asyncpg.Pool) -> str:
    """This installation's secret, sent beside its id (made at its first push): with it, a
    new token of this machine takes over the installation a revoked one was bound to on
    central, and no other machine's token can."""
    async with pool.acquire() as conn:
        return await installation_store.secret(conn, secrets.token_urlsafe(32))


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Verified TLS: the system's CAs, or the given CA certificate file (PEM)."""
    try:
        return ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise Invalid(f"ca_file {ca_file}: cannot load a CA certificate from it ({exc})") from None


def open_session(
    address: TargetAddress, *, ca_file: str | None, timeout: float = 60
) -> aiohttp.ClientSession:
    """An HTTP session for one target (close it when the push ends)."""
    if address.encrypted:
        connector = aiohttp.TCPConnector(ssl=tls_context(ca_file))
    else:
        if ca_file is not None:
            tls_context(ca_file)  # refused all the same: it would be needed with https
        connector = aiohttp.TCPConnector(resolver=PrivateOnlyResolver())
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=None, connect=min(timeout, 30.0), sock_read=timeout),
        headers={"User-Agent": f"hotprevue/{__version__}"},
        raise_for_status=False,
    )


def check_answer(status: int, body: bytes) -> None:
    """Raise Retryable for an answer worth retrying (5xx, 408, 429), CentralRefused
    for any other error; return for success."""
    if 200 <= status < 300:
        return
    detail = _detail(body) or f"HTTP {status}"
    if status >= 500 or status in _RETRY_STATUSES:
        raise Retryable(f"central answered {status}: {detail}", status)
    raise CentralRefused(status, detail)


def _detail(body: bytes) -> str:
    try:
        return msgspec.json.decode(body, type=ErrorBody).detail[:_MAX_DETAIL]
    except msgspec.DecodeError:
        return body.decode(errors="replace").strip()[:_MAX_DETAIL]


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, aiohttp.ClientSSLError):
        return False  # a certificate that does not verify will not verify next time
    return isinstance(exc, aiohttp.ClientConnectionError | TimeoutError | Retryable)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int = 6,
    on_retry: Callable[[int, BaseException], None] | None = None,
    on_wait: Callable[[float], None] | None = None,
    stop: asyncio.Event | None = None,
) -> T:
    """Await `call()`, again after connection errors, timeouts and Retryable answers,
    waiting 0.5 s, 1 s, 2 s … (at most 30 s, jittered; `on_wait` hears each wait's
    seconds before it starts); Stopped when `stop` is set during a wait. Any other error,
    and the last one, propagates."""
    attempt = 1
    while True:
        try:
            return await call()
        except Exception as exc:
            if not _retryable(exc) or attempt >= attempts:
                raise
            delay = min(MAX_DELAY, FIRST_DELAY * 2 ** (attempt - 1))
            # Jitter: machines that lost central together do not come back in step.
            wait = random.uniform(delay / 2, delay)  # noqa: S311
            if on_retry is not None:
                on_retry(attempt, exc)
            if on_wait is not None:
                on_wait(wait)
            await _pause(wait, stop)
            attempt += 1


async def _pause(seconds: float, stop: asyncio.Event | None) -> None:
    if stop is None:
        await asyncio.sleep(seconds)
        return
    if stop.is_set():
        raise Stopped("the push was stopped")
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return
    raise Stopped("the push was stopped")
