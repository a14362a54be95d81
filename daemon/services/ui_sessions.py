"""Signing the web UI in: one-use login links, the central password, browser sessions.

A browser session has two halves, each 32 random bytes: a token the page keeps and sends
as a Bearer header, and an HttpOnly cookie. JSON calls need both: another origin can make
the browser send the cookie, but never the header without a CORS preflight, which the
daemon never grants. The cookie alone opens only image and download GETs.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import secrets
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from daemon import __version__
from daemon.config import Mode, Settings
from daemon.errors import Forbidden, Invalid, TooManyAttempts, Unauthorized
from daemon.permissions import write_private
from daemon.store import settings as settings_store
from daemon.store import ui_sessions as store
from daemon.store.ui_sessions import UiSession
from protocol.ui import SessionCreate, SessionCreated, SessionInfo

LOCAL_LIFETIME = timedelta(days=30)
CENTRAL_LIFETIME = timedelta(days=7)
# Failed password attempts allowed in a window before the next is refused (429).
MAX_FAILURES, FAILURE_WINDOW = 5, 60.0
# scrypt's cost: about 50 ms and 16 MB per check on a small server.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_SCRYPT_MAXMEM = 64 * 1024 * 1024
_LINK_REFUSED = (
    "this sign-in link is used, expired or unknown: open Hotprevue again from the tray, "
    "or run `hotprevue open`"
)
_SIGN_IN_OFF = (
    "browser sign-in is off on this server: on the server, run `hotprevue ui-password set`"
)


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class LoginLinks:
    """One-use sign-in tokens, kept in memory only: a restart voids them all."""

    def __init__(self, lifetime: float) -> None:
        self.lifetime = lifetime
        self._expiry: dict[bytes, float] = {}

    def issue(self) -> tuple[str, datetime]:
        """A new token and when it stops working."""
        now = time.monotonic()
        self._expiry = {key: end for key, end in self._expiry.items() if end > now}
        token = _new_secret()
        self._expiry[_digest(token)] = now + self.lifetime
        return token, datetime.now(UTC) + timedelta(seconds=self.lifetime)

    def redeem(self, token: str) -> bool:
        """Use a token up: True once, for a token issued less than its lifetime ago."""
        end = self._expiry.pop(_digest(token), None)
        return end is not None and end > time.monotonic()


class FailureLimiter:
    """Refuses password attempts after too many failures in a sliding window."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = FAILURE_WINDOW) -> None:
        self._limit = limit
        self._window = window
        self._failures: deque[float] = deque()

    def check(self) -> None:
        """Raise TooManyAttempts while the window holds `limit` failures."""
        now = time.monotonic()
        while self._failures and self._failures[0] <= now - self._window:
            self._failures.popleft()
        if len(self._failures) >= self._limit:
            wait = self._failures[0] + self._window - now
            raise TooManyAttempts(
                "too many wrong passwords: wait a minute and try again", retry_after=wait
            )

    def failed(self) -> None:
        """Count one failure."""
        self._failures.append(time.monotonic())


def hash_password(password: str) -> str:
    """An scrypt hash of the password with a new salt, in one storable line."""
    salt = os.urandom(16)
    key = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, maxmem=_SCRYPT_MAXMEM
    )
    encoded = (base64.b64encode(part).decode() for part in (salt, key))
    return "$".join(["scrypt", str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), *encoded])


def password_matches(stored: str, password: str) -> bool:
    """Whether the password gives the stored hash (False for a hash it cannot read)."""
    try:
        kind, n, r, p, salt, key = stored.strip().split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(key, validate=True)
        given = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt, validate=True),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_SCRYPT_MAXMEM,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(given, expected)


def set_password(path: Path, password: str) -> None:
    """Store the central server's browser password (its hash), readable by this user only."""
    write_private(path, hash_password(password) + "\n")


def clear_password(path: Path) -> bool:
    """Turn browser sign-in off; False when it was already off."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def _stored_password(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just made: what the page gets, and the cookie to set beside it."""

    body: SessionCreated
    cookie: str


class UiSessions:
    """Browser sessions of one daemon; built once at start-up."""

    def __init__(self, pool: asyncpg.Pool, settings: Settings) -> None:
        self._pool = pool
        self.mode = settings.mode
        self.lifetime = CENTRAL_LIFETIME if settings.mode is Mode.CENTRAL else LOCAL_LIFETIME
        self.links = LoginLinks(settings.login_link_seconds)
        self._password_file = settings.paths.ui_password
        self._limiter = FailureLimiter()

    def cookie_name(self, port: int) -> str:
        """The session cookie's name: per port in local mode, where all ports of 127.0.0.1
        are one site and cookies ignore ports."""
        return "hotprevue_session" if self.mode is Mode.CENTRAL else f"hotprevue_session_{port}"

    @property
    def read_only(self) -> bool:
        """Browser sessions on central only look: the catalog changes through pushes."""
        return self.mode is Mode.CENTRAL

    def login_link(self) -> tuple[str, datetime]:
        """A one-use token for a login link (local mode only)."""
        if self.mode is Mode.CENTRAL:
            raise Forbidden("central signs browsers in with its password, not with links")
        return self.links.issue()

    async def sign_in(self, request: SessionCreate) -> NewSession:
        """A new session for a valid login link (local) or password (central)."""
        if self.mode is Mode.LOCAL:
            if request.link_token is None or request.password is not None:
                raise Invalid("link_token: required here (and password is not taken)")
            if not self.links.redeem(request.link_token):
                raise Unauthorized(_LINK_REFUSED)
        else:
            if request.password is None or request.link_token is not None:
                raise Invalid("password: required here (and link_token is not taken)")
            await self._check_password(request.password)
        token, cookie = _new_secret(), _new_secret()
        async with self._pool.acquire() as conn:
            await store.delete_expired(conn, self.lifetime)
            session = await store.create(conn, _digest(token), _digest(cookie), self.read_only)
        body = SessionCreated(
            token=token,
            mode=self.mode.value,
            read_only=session.read_only,
            expires_at=session.last_used_at + self.lifetime,
        )
        return NewSession(body=body, cookie=cookie)

    async def _check_password(self, password: str) -> None:
        stored = _stored_password(self._password_file)
        if stored is None:
            raise Unauthorized(_SIGN_IN_OFF)
        self._limiter.check()
        if not await asyncio.to_thread(password_matches, stored, password):
            self._limiter.failed()
            raise Unauthorized("wrong password")

    def sign_in_hint(self) -> str:
        """What a signed-out page is told about how to sign in."""
        if self.mode is Mode.LOCAL:
            return "not signed in: open Hotprevue from the tray, or run `hotprevue open`"
        if _stored_password(self._password_file) is None:
            return _SIGN_IN_OFF
        return "not signed in: sign in with this server's password"

    async def authenticate(self, cookie: str) -> UiSession | None:
        """The live session this cookie belongs to; its use is noted."""
        async with self._pool.acquire() as conn:
            return await store.use(conn, _digest(cookie), self.lifetime)

    @staticmethod
    def token_matches(session: UiSession, token: str) -> bool:
        """Whether a Bearer token is this session's other half."""
        return hmac.compare_digest(_digest(token), session.token_hash)

    async def info(self, session: UiSession) -> SessionInfo:
        """What a signed-in page learns about the daemon."""
        async with self._pool.acquire() as conn:
            system = await settings_store.get(conn)
        return SessionInfo(
            mode=self.mode.value,
            read_only=session.read_only,
            instance_name=system.instance_name,
            default_sort=system.default_sort,
            version=__version__,
            expires_at=datetime.now(UTC) + self.lifetime,
        )

    async def sign_out(self, session: UiSession) -> None:
        """End the session."""
        async with self._pool.acquire() as conn:
            await store.delete(conn, session.id)
