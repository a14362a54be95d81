"""Input sessions: named registration runs, their live progress and their outcome."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from protocol.base import Request, Response
from protocol.photos import Tags, WallTime

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
    # True: a client on another machine uploads the groups (…/check, …/groups,
    # …/complete); source_path then names the folder on that machine.
    upload: bool = False


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
    # The watched folder that opened the session; None for `register` and uploads.
    watched_folder_id: uuid.UUID | None = None
    rate: float | None = None
    eta_seconds: float | None = None
    # Photos registered from damaged originals (in photo_count too): they decoded only
    # in part, and are flagged `damaged` in the catalog.
    damaged_count: int = 0


class SessionError(Response):
    """A file that could not be registered, and why: `message` for photographers,
    `detail` the technical text."""

    id: uuid.UUID
    file_path: str
    # The technical text, as before `message` and `detail` existed (same as `detail`).
    error: str
    occurred_at: datetime
    # A plain sentence ("This file is not a photo Hotprevue can read."); empty from an
    # older daemon, whose clients show `error`.
    message: str = ""
    detail: str | None = None


class SessionPhoto(Response):
    """A photo registered by a session (compact)."""

    hothash: str
    hotpreview_b64: str
    taken_at: WallTime | None
    master_path: str | None
    registered_at: datetime
    # Registered from a damaged original; `damage` says how, in plain words.
    damaged: bool = False
    damage: str | None = None


MasterType = Literal["JPEG", "HEIC", "PNG", "TIFF", "RAW"]
FileType = Literal["JPEG", "HEIC", "PNG", "TIFF", "RAW", "XMP"]
ClientPath = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]


class PathCheck(Request):
    """`POST …/check`: which of these master paths does the catalog know?"""

    master_paths: Annotated[list[ClientPath], msgspec.Meta(max_length=10_000)]


class PathCheckResult(Response):
    """Known paths are skipped by the client; unknown ones are uploaded."""

    known: list[str]
    unknown: list[str]


class UploadedFile(Request):
    """A companion file of an uploaded group (its path on the client)."""

    path: ClientPath
    type: FileType


class GroupOverrides(Request):
    """Values the client sets instead of the session's defaults and the EXIF."""

    photographer_id: uuid.UUID | None = None
    event_id: uuid.UUID | None = None
    taken_at: datetime | None = None
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)] | None = None
    tags: Tags = msgspec.field(default_factory=list)


class GroupMetadata(Request):
    """The JSON part of `POST …/groups`: where the master lives and what goes with it."""

    path: ClientPath
    type: MasterType
    companions: Annotated[list[UploadedFile], msgspec.Meta(max_length=50)] = msgspec.field(
        default_factory=list
    )
    overrides: GroupOverrides | None = None


class GroupOutcome(Response):
    """What became of an uploaded group."""

    outcome: Literal["registered", "duplicate", "already_registered"]
    hothash: str | None
