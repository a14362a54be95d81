"""This machine's sync targets and runs: the local API that drives a push."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from protocol.base import Request, Response
from protocol.sync import Name, RefusedPhoto


class SyncTargetCreate(Request):
    """`POST /api/sync/targets`: a central server to push to."""

    url: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    # How this machine is named there (default: the installation's name, else the host's).
    machine_name: Name | None = None
    # What this machine calls the target (default: the URL's host).
    name: Name | None = None
    # A CA certificate (PEM) to trust for this target, for a private CA.
    ca_file: Annotated[str, msgspec.Meta(min_length=1, max_length=4096)] | None = None


class SyncTarget(Response):
    """A sync target (its token is never shown again)."""

    id: uuid.UUID
    name: str
    url: str
    machine_name: str
    ca_file: str | None
    # False for plain http (allowed to loopback and private-network addresses only).
    encrypted: bool
    created_at: datetime
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    # The last failure in plain words for the photographer, and its FailureKind.
    last_error_message: str | None = None
    last_error_kind: str | None = None


RunState = Literal["running", "succeeded", "failed", "cancelled"]
# Why a push failed, as a stable code a client may act on (error_kind, last_error_kind).
FailureKind = Literal[
    "unreachable",
    "timeout",
    "tls",
    "token_refused",
    "token_other_machine",
    "token_takeover",
    "server_version",
    "server_full",
    "refused_photos",
    "other",
]


class SyncRunCreate(Request):
    """`POST /api/sync/runs`: push to a target now (its name, URL or id; default: the only one)."""

    target: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)] | None = None
    # Send everything again, as to a new central.
    full: bool = False


class SyncRun(Response):
    """A push, running or finished, with its progress."""

    id: uuid.UUID
    target_id: uuid.UUID
    target_name: str
    state: RunState
    started_at: datetime
    finished_at: datetime | None
    # Rows (and deletions) to send, counted at the start; rows sent so far.
    rows_total: int
    rows_sent: int
    photos_sent: int
    # Coldpreviews central asked for so far, and those uploaded.
    coldpreviews_wanted: int
    coldpreviews_sent: int
    bytes_sent: int
    # Connection errors and 5xx answers retried so far.
    retries: int
    refused: list[RefusedPhoto]
    # The technical reason (for the log and "details").
    error: str | None
    # Photos among the rows to send, counted at the start.
    photos_total: int = 0
    # What went wrong in plain words, and its FailureKind; also set on a run that
    # succeeded while central refused some photos ("refused_photos").
    error_message: str | None = None
    error_kind: str | None = None
    # While the run waits to try a request again: when the next attempt goes.
    retry_at: datetime | None = None


class SyncTargetStatus(Response):
    """One target in `GET /api/sync/status`."""

    id: uuid.UUID
    name: str
    url: str
    encrypted: bool
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    # Changed rows (and deletions) not yet on the target; photos among them; new
    # photos' coldpreviews not yet there.
    pending_rows: int
    pending_photos: int
    pending_coldpreviews: int
    # The run pushing to it now, if any.
    running: uuid.UUID | None
    last_error_message: str | None = None
    last_error_kind: str | None = None
    # While its run waits to try again: when the next attempt goes.
    retry_at: datetime | None = None
    # Since when photos have waited for this target (the oldest pending photo's last
    # change); None when none waits.
    unsynced_since: datetime | None = None


class SyncStatus(Response):
    """`GET /api/sync/status`: cheap enough for a tray to ask every second."""

    targets: list[SyncTargetStatus]
