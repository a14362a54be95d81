"""Local security: the API key, and the guards that keep web pages and strangers out."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from litestar.enums import ScopeType
from litestar.exceptions import (
    ClientException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.middleware import ASGIMiddleware
from litestar.status_codes import HTTP_409_CONFLICT
from litestar.types import ASGIApp, Receive, Scope, Send

API_KEY_HEADER = "X-API-Key"
# A Host header (RFC 9110: uri-host [":" port]) the local daemon answers: exactly one of
# the loopback names, then at most a port of digits. Nothing else may follow or precede,
# so "localhost.", "localhost:evil.com", "[::1]evil.com" or "localhost@evil.com" fail.
_LOOPBACK_HOST = re.compile(r"(?:localhost|127\.0\.0\.1|\[::1\])(?::(?P<port>[0-9]{1,5}))?")
PUBLIC_PATHS = frozenset({"/health", "/api/health"})
# Central: the endpoints machines push to. They take a machine token instead of the API
# key (their handlers check it); the token opens nothing else.
_MACHINE_PATHS = re.compile(r"/api/sync/(?:receive|coldpreview/[^/]+)/?")
# Central: the writes a read-only mirror still takes (sync, its tokens, running it).
_MIRROR_WRITABLE = re.compile(
    r"/api/(?:sync/receive|sync/coldpreview/[^/]+|machines(?:/.*)?|shutdown|settings)/?"
)
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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
    """Every /api call but health carries the installation's API key (on central, the
    sync endpoints take a machine token instead)."""

    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    def __init__(self, api_key: str, *, machine_paths: bool = False) -> None:
        self._key = api_key.encode()
        self._machine_paths = machine_paths

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Check the key on /api paths."""
        path: str = scope["path"]
        machine_path = self._machine_paths and _MACHINE_PATHS.fullmatch(path) is not None
        if path.startswith("/api/") and path not in PUBLIC_PATHS and not machine_path:
            given = b""
            for name, value in scope["headers"]:
                if name == b"x-api-key":
                    given = value
                    break
            if not given or not secrets.compare_digest(given, self._key):
                raise NotAuthorizedException(
                    detail=f"missing or wrong {API_KEY_HEADER} header; "
                    "the key is in the file 'api_key' of the data directory "
                    "(or in HOTPREVUE_API_KEY where the daemon was given one)"
                )
        await next_app(scope, receive, send)


class MirrorGuard(ASGIMiddleware):
    """Central mirrors the machines that push to it: the catalog changes only through
    their pushes, so every other write to the API is refused."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Refuse writes to /api paths other than sync, machines, settings and shutdown."""
        path: str = scope["path"]
        if (
            scope["type"] == ScopeType.HTTP
            and scope["method"] in _WRITES
            and path.startswith("/api/")
            and _MIRROR_WRITABLE.fullmatch(path) is None
        ):
            raise ClientException(
                status_code=HTTP_409_CONFLICT,
                detail="central is a read-only mirror of the machines that sync to it: "
                "change this on the machine that owns it",
            )
        await next_app(scope, receive, send)
