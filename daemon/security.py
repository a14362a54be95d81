"""Local security: the API key, and the guards that keep web pages and strangers out."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

API_KEY_HEADER = "X-API-Key"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
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


def host_name(host_header: str) -> str:
    """The host part of a Host header, without the port ('[::1]:8000' -> '[::1]')."""
    if host_header.startswith("["):
        return host_header.split("]", 1)[0] + "]"
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class LoopbackHostGuard(ASGIMiddleware):
    """Refuse requests whose Host is not loopback: a web page that rebinds its own DNS
    name to 127.0.0.1 still sends its own name, and is turned away."""

    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Check the Host header before anything else runs."""
        host = ""
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1").lower()
                break
        if host_name(host) not in LOOPBACK_NAMES:
            raise PermissionDeniedException(
                detail=f"host {host or '(none)'!r} refused: the local daemon answers only "
                "requests addressed to localhost"
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
