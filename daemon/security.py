"""Local security: the API key, and the guards that keep web pages and strangers out."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

API_KEY_HEADER = "X-API-Key"
# A Host header (RFC 9110: uri-host [":" port]) the local daemon answers: exactly one of
# the loopback names, then at most a port of digits. Nothing else may follow or precede,
# so "localhost.", "localhost:evil.com", "[::1]evil.com" or "localhost@evil.com" fail.
_LOOPBACK_HOST = re.compile(r"(?:localhost|127\.0\.0\.1|\[::1\])(?::(?P<port>[0-9]{1,5}))?")
PUBLIC_PATHS = frozenset({"/health", "/api/health"})


def load_or_create_api_key(path: Path) -> str:
    """Read the API key, creating it (readable by this user only) on first start."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    temp = path.with_name(path.name + ".tmp")
    temp.unlink(missing_ok=True)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    temp.replace(path)
    return key


def is_loopback_host(host_header: str) -> bool:
    """Whether a Host header addresses this machine by a loopback name (any letter case),
    with no port or a port from 0 to 65535."""
    match = _LOOPBACK_HOST.fullmatch(host_header.lower())
    return match is not None and (match["port"] is None or int(match["port"]) <= 65535)


class LoopbackHostGuard(ASGIMiddleware):
    """Refuse requests whose Host is not loopback: a web page that rebinds its own DNS
    name to 127.0.0.1 still sends its own name, and is turned away."""

    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Check the Host header before anything else runs."""
        # Exactly one Host: with two, a proxy and this app might each read another one.
        hosts = [value.decode("latin-1") for name, value in scope["headers"] if name == b"host"]
        if len(hosts) != 1 or not is_loopback_host(hosts[0]):
            shown = ", ".join(repr(host) for host in hosts) or "(none)"
            raise PermissionDeniedException(
                detail=f"host {shown} refused: the local daemon answers only "
                "requests addressed to localhost, 127.0.0.1 or [::1]"
            )
        await next_app(scope, receive, send)


class ApiKeyGuard(ASGIMiddleware):
    """Every /api call but health carries the installation's API key."""

    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    def __init__(self, api_key: str) -> None:
        self._key = api_key.encode()

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Check the key on /api paths."""
        path: str = scope["path"]
        if path.startswith("/api/") and path not in PUBLIC_PATHS:
            given = b""
            for name, value in scope["headers"]:
                if name == b"x-api-key":
                    given = value
                    break
            if not given or not secrets.compare_digest(given, self._key):
                raise NotAuthorizedException(
                    detail=f"missing or wrong {API_KEY_HEADER} header; "
                    "the key is in the file 'api_key' of the data directory"
                )
        await next_app(scope, receive, send)
