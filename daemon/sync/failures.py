"""Why a push failed, in plain words: each failure gets a kind and a sentence for photographers.

The technical text stays as it was (the log, and "details" in a client); the sentence
says what happened and what to do, naming the server as the user named it.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

import aiohttp

from daemon.sync.transport import CentralRefused, Retryable
from protocol.sync_targets import FailureKind
from protocol.words import plural

# What each kind says; `{server}` is the server as the user named it.
SENTENCES: dict[FailureKind, str] = {
    "unreachable": (
        "Can't reach the central server {server} — is it switched on and connected? "
        "Hotprevue keeps your changes and sends them next time."
    ),
    "timeout": (
        "The central server {server} took too long to answer — the connection may be slow "
        "or the server busy. Hotprevue keeps your changes and tries again next time."
    ),
    "tls": (
        "The central server {server} could not prove it is the right server (its security "
        "certificate was not accepted), so nothing was sent. Check the address, or ask "
        "whoever runs the server about its certificate."
    ),
    "token_refused": (
        "The central server {server} no longer accepts this computer's token (it was "
        "revoked or mistyped). Get a new token from the server and add it again with "
        "`hotprevue sync add-target`."
    ),
    "token_other_machine": (
        "The central server {server} says this token belongs to another computer. Each "
        "computer needs its own: get a new token from the server and add it again with "
        "`hotprevue sync add-target`."
    ),
    "token_takeover": (
        "The central server {server} already holds this computer's catalog from an "
        "earlier token, and this computer could not prove it is the same one, so nothing "
        "was sent. Ask whoever runs the server to make a token for this computer — the "
        "details give the command."
    ),
    "server_version": (
        "The central server {server} runs a Hotprevue that does not match this one (or is "
        "no Hotprevue server). Update Hotprevue on the older side; your changes wait here."
    ),
    "server_full": (
        "The central server {server} has no room for what was sent. Free up space on it; "
        "Hotprevue keeps your changes and sends them next time."
    ),
    "refused_photos": (
        "The central server {server} did not take {photos}; everything else was sent. "
        "They stay on this computer — the details say why."
    ),
    "other": (
        "Sending to the central server {server} did not work. Hotprevue keeps your changes "
        "and tries again next time; the details say what went wrong."
    ),
}
_VERSION_STATUSES = {
    HTTPStatus.NOT_FOUND,
    HTTPStatus.METHOD_NOT_ALLOWED,
    HTTPStatus.UPGRADE_REQUIRED,
    HTTPStatus.NOT_IMPLEMENTED,
}
_FULL_STATUSES = {HTTPStatus.REQUEST_ENTITY_TOO_LARGE, HTTPStatus.INSUFFICIENT_STORAGE}
# The words central's version check answers 409 with (daemon/api/central.py).
_VERSION_CONFLICT = "sync protocol"
# The words central refuses a new token's takeover of an installation with
# (daemon/services/machines.py).
_TAKEOVER = "installation secret"


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed push: its kind, the sentence for the user, and the technical text."""

    kind: FailureKind
    message: str
    detail: str


def kind_of(exc: BaseException) -> FailureKind:
    """The kind of a failure raised while talking to central."""
    if isinstance(exc, aiohttp.ClientSSLError | ssl.SSLError):
        return "tls"
    if isinstance(exc, CentralRefused):
        return status_kind(exc.status, exc.detail)
    if isinstance(exc, Retryable):
        return status_kind(exc.status, str(exc))
    if isinstance(exc, aiohttp.ServerTimeoutError | TimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectionError | OSError):
        # Refused, reset, no route, and a name that does not resolve alike.
        return "unreachable"
    return "other"


def status_kind(status: int, detail: str = "") -> FailureKind:
    """The kind of an error answer from central."""
    if status == HTTPStatus.UNAUTHORIZED:
        return "token_refused"
    if status == HTTPStatus.FORBIDDEN:
        return "token_takeover" if _TAKEOVER in detail else "token_other_machine"
    if status in _VERSION_STATUSES or (
        status == HTTPStatus.CONFLICT and _VERSION_CONFLICT in detail
    ):
        return "server_version"
    if status in _FULL_STATUSES:
        return "server_full"
    if status in {HTTPStatus.REQUEST_TIMEOUT, HTTPStatus.GATEWAY_TIMEOUT}:
        return "timeout"
    if status in {HTTPStatus.BAD_GATEWAY, HTTPStatus.SERVICE_UNAVAILABLE}:
        # A proxy in front of a central that is down, or a central starting up.
        return "unreachable"
    return "other"


def server_label(name: str, url: str) -> str:
    """The server as the user knows it: “name” (host), or just “host” when that is its name."""
    parts = urlsplit(url)
    host = parts.hostname or url
    if name in {host, parts.netloc}:
        return f"“{name}”"
    return f"“{name}” ({host})"


def sentence(kind: FailureKind, server: str, *, refused: int = 0) -> str:
    """The sentence for a failure of this kind with this server (`server_label`)."""
    return SENTENCES[kind].format(server=server, photos=plural(refused, "photo"))


def failure(kind: FailureKind, detail: str, *, name: str, url: str) -> Failure:
    """A failure with its sentence for the target named `name` at `url`."""
    return Failure(kind=kind, message=sentence(kind, server_label(name, url)), detail=detail)
