"""Input sessions: named registration runs, their live progress and their outcome."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from protocol.base import Request, Response

SessionStatus = Literal[
    "pending", "running", "uploading", "completed", "cancelled", "interrupted", "failed"
]
FINISHED = frozenset({"completed", "cancelled", "interrupted", "failed"})


class InputSessionCreate(Request):
    """`POST /api/input-sessions`: register the photos under source_path."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
    source_path: Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
    recursive: bool = True
    default_photographer_id: uuid.UUID | None = None
    default_event_id: uuid.UUID | None = None


class InputSession(Response):
    """A session with its counts; `rate` and `eta_seconds` only while it runs."""

    id: uuid.UUID
    name: str
    source_path: str
    recursive: bool
    default_photographer_id: uuid.UUID
    default_event_id: uuid.UUID | None
    status: SessionStatus
    started_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    files_found: int
    files_ignored: int
    groups_total: int | None
    groups_done: int
    photo_count: int
    duplicate_count: int
    already_registered_count: int
    error_count: int
    failure: str | None
    rate: float | None = None
    eta_seconds: float | None = None


class SessionError(Response):
    """A file that could not be registered, and why."""

    id: uuid.UUID
    file_path: str
    error: str
    occurred_at: datetime


class SessionPhoto(Response):
    """A photo registered by a session (compact)."""

    hothash: str
    hotpreview_b64: str
    taken_at: datetime | None
    master_path: str | None
    registered_at: datetime
