"""Local security: the API key (central: and its browsing key), and the guards that keep
web pages and strangers out."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import (
    ClientException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.middleware import ASGIMiddleware
from litestar.status_codes import HTTP_409_CONFLICT
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from daemon.permissions import write_private

if TYPE_CHECKING:
    from daemon.services.ui_sessions import UiSessions
    from daemon.store.ui_sessions import UiSession

API_KEY_HEADER = "X-API-Key"
# A Host header (RFC 9110: uri-host [":" port]) the local daemon answers: exactly one of
# the loopback names, then at most a port of digits. Nothing else may follow or precede,
# so "localhost.", "localhost:evil.com", "[::1]evil.com" or "localhost@evil.com" fail.
_LOOPBACK_HOST = re.compile(r"(?:localhost|127\.0\.0\.1|\[::1\])(?::(?P<port>[0-9]{1,5}))?")
PUBLIC_PATHS = frozenset({"/health", "/api/health"})
# Central: the endpoints machines push to. They take a machine token instead of the API
# key (their handlers check it); the token opens nothing else.
_MACHINE_PATHS = re.compile(r"/api/sync/(?:receive|coldpreview/[^/]+)/?")
# Central: the writes a read-only mirror still takes (sync, its tokens, running it,
# browsers signing in and out).
_MIRROR_WRITABLE = re.compile(
    r"/api/(?:sync/receive|sync/coldpreview/[^/]+|machines(?:/.*)?|shutdown|settings"
    r"|ui/sessions|ui/session)/?"
)
_MIRROR_REFUSED = (
    "central is a read-only mirror of the machines that sync to it: "
    "change this on the machine that owns it"
)
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_READS = frozenset({"GET", "HEAD"})
_WRONG_KEY = (
    f"missing or wrong {API_KEY_HEADER} header; "
    "the key is in the file 'api_key' of the data directory "
    "(or in HOTPREVUE_API_KEY where the daemon was given one)"
)
# Browser sessions. Signing in needs no key (its handler checks the Origin).
SIGN_IN_PATH, SESSION_PATH = "/api/ui/sessions", "/api/ui/session"
BROWSER_SESSION = "browser_session"
# What the cookie alone may fetch: what <img> and a download link ask for.
_COOKIE_ONLY = re.compile(r"/api/photos/[^/]+/coldpreview|/api/collections/[^/]+/export")
# What a browser session may never do: stop the daemon, mint login links, hand out tokens.
_BROWSER_REFUSED = re.compile(r"/api/(?:shutdown|ui/login-links)/?")
_MACHINES = re.compile(r"/api/machines(?:/.*)?")
# Central's administration (not the mirrored catalog): a write there by a browser, or
# with the browsing key, is a 403.
_ADMIN = re.compile(r"/api/(?:settings|machines|shutdown|sync|ui)(?:/.*)?")
_BROWSING_ONLY = (
    "this is central's browsing key: it reads what the server mirrors, while adding and "
    "revoking machines, changing settings and stopping the server take the admin key "
    "(the file 'api_key' in the server's data directory, or HOTPREVUE_API_KEY where the "
    "server was given one, which `hotprevue` commands on the server use)"
)


def load_or_create_api_key(path: Path) -> str:
    """Read the API key, creating it (readable by this user only) on first start."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(32)
    write_private(path, key + "\n")
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


class ApiAuthGuard(ASGIMiddleware):
    """Every /api call but health carries the installation's API key, or a browser
    session of the web UI (on central, the sync endpoints take a machine token instead).

    A browser session is the HttpOnly cookie and its Bearer token together; the cookie
    alone opens only the image and download GETs, and only when the browser says the
    request did not come from another site.

    Central also takes a browsing key in the same header: what a browser session there
    may do, it may do; administering the server (machines, settings, shutdown) it may not.
    The API key administers, and stays on the server."""

    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    def __init__(
        self, api_key: str, *, central: bool = False, browse_key: str | None = None
    ) -> None:
        self._key = api_key.encode()
        self._central = central
        self._browse_key = browse_key.encode() if browse_key else None

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Check the key, or the browser session, on /api paths."""
        path: str = scope["path"]
        machine_path = self._central and _MACHINE_PATHS.fullmatch(path) is not None
        if (
            path.startswith("/api/")
            and path not in PUBLIC_PATHS
            and not machine_path
            and not _is_sign_in(scope)
        ):
            connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
            given = connection.headers.get("x-api-key")
            if given is not None:
                self._check_key(given.encode(), path, str(scope.get("method", "GET")))
            else:
                scope["state"][BROWSER_SESSION] = await self._browser_session(connection)
        await next_app(scope, receive, send)

    def _check_key(self, given: bytes, path: str, method: str) -> None:
        """The API key opens everything; the browsing key what is no administration."""
        if secrets.compare_digest(given, self._key):
            return
        if self._browse_key is None or not secrets.compare_digest(given, self._browse_key):
            raise NotAuthorizedException(detail=_WRONG_KEY)
        if _BROWSER_REFUSED.fullmatch(path) or (
            method in _WRITES and _ADMIN.fullmatch(path) is not None
        ):
            raise PermissionDeniedException(detail=_BROWSING_ONLY)

    async def _browser_session(self, connection: ASGIConnection[Any, Any, Any, Any]) -> UiSession:
        scope, headers = connection.scope, connection.headers
        sessions = ui_sessions_of(scope)
        cookie = connection.cookies.get(session_cookie_name(scope))
        bearer = _bearer(headers.get("authorization"))
        if cookie is None:
            hint = _WRONG_KEY if bearer is None else "this browser session has no cookie"
            raise NotAuthorizedException(detail=f"{hint}; {sessions.sign_in_hint()}")
        session = await sessions.authenticate(cookie)
        if session is None:
            raise NotAuthorizedException(
                detail=f"the browser session ended or expired; {sessions.sign_in_hint()}"
            )
        path, method = scope["path"], scope.get("method", "GET")
        if bearer is None:
            if method not in _READS or _COOKIE_ONLY.fullmatch(path) is None:
                raise PermissionDeniedException(
                    detail="a browser call needs its session token (Authorization: Bearer …)"
                )
            site = headers.get("sec-fetch-site")
            if site not in (None, "same-origin", "none"):
                raise PermissionDeniedException(
                    detail=f"refused: the request came from another site ({site})"
                )
        elif not sessions.token_matches(session, bearer):
            raise NotAuthorizedException(detail="the session token does not match its cookie")
        if _BROWSER_REFUSED.fullmatch(path) or (
            method in _WRITES and _MACHINES.fullmatch(path) is not None
        ):
            raise PermissionDeniedException(detail="not for a browser session: use the API key")
        if session.read_only and method not in _READS and path != SESSION_PATH:
            if _ADMIN.fullmatch(path) is not None:
                raise PermissionDeniedException(detail="browser sessions on central only look")
            raise ClientException(status_code=HTTP_409_CONFLICT, detail=_MIRROR_REFUSED)
        return session


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
            raise ClientException(status_code=HTTP_409_CONFLICT, detail=_MIRROR_REFUSED)
        await next_app(scope, receive, send)


def _is_sign_in(scope: Scope) -> bool:
    return scope["path"].rstrip("/") == SIGN_IN_PATH and scope.get("method") == "POST"


def _bearer(value: str | None) -> str | None:
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def ui_sessions_of(scope: Scope) -> UiSessions:
    """The running daemon's browser sessions (built by the lifespan)."""
    sessions: UiSessions = scope["litestar_app"].state.runtime.ui_sessions
    return sessions


def browser_session(scope: Scope) -> UiSession | None:
    """The browser session a request was let in with (None: the API key)."""
    session: UiSession | None = scope["state"].get(BROWSER_SESSION)
    return session


def session_cookie_name(scope: Scope) -> str:
    """The session cookie's name for the server this request reached."""
    server = scope.get("server")
    return ui_sessions_of(scope).cookie_name(server[1] or 0 if server else 0)


def is_same_origin(scope: Scope) -> bool:
    """Whether the request's Origin names the host the browser addressed (its scheme may
    differ from the scope's behind a TLS proxy, so the host and port decide)."""
    connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
    origin, host = connection.headers.get("origin"), connection.headers.get("host")
    if origin is None or host is None:
        return False
    scheme, _, netloc = origin.partition("://")
    return scheme in ("http", "https") and netloc.lower() == host.lower()


# What every answer carries. The pages run no inline script and load nothing from
# elsewhere; no other origin may frame them, embed the API's answers or read the Referer.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


async def add_security_headers(message: Message, _scope: Scope) -> None:
    """A `before_send` hook: every HTTP answer, errors of the guards included, carries the
    security headers."""
    if message["type"] == "http.response.start":
        message["headers"] = [*message.get("headers", ()), *_SECURITY_HEADERS]
