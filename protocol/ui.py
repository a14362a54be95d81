"""The web UI's sign-in: login links, browser sessions, and what a signed-in page learns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from protocol.base import Request, Response
from protocol.settings import PhotoSort

# A login link's token and a session's halves are 32 random bytes, URL-safe base64.
SecretText = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
# scrypt reads the whole password; a bound keeps a request from making it hash megabytes.
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
MIN_PASSWORD_LENGTH = 8
# Where the CLI and the tray ask for a login link (API key only).
LOGIN_LINKS_PATH = "/api/ui/login-links"


class LoginLink(Response):
    """`POST /api/ui/login-links`: a one-use link that opens the UI signed in."""

    url: str
    expires_at: datetime


class SessionCreate(Request):
    """`POST /api/ui/sessions`: a login link's token (local) or the password (central)."""

    link_token: SecretText | None = None
    password: Password | None = None


class SessionCreated(Response):
    """A new browser session: the page keeps `token`; the cookie travels beside it."""

    token: str
    mode: Literal["local", "central"]
    read_only: bool
    expires_at: datetime


class SessionInfo(Response):
    """`GET /api/ui/session`: who the page is talking to."""

    mode: Literal["local", "central"]
    read_only: bool
    instance_name: str
    # The catalog's order for a list that names none: the page opens the library in it.
    default_sort: PhotoSort
    version: str
    expires_at: datetime
