"""Sync: what a machine pushes to a central server (sync_targets.py: the local API that
drives it; machines.py: central's machine tokens).

The rows a push carries mirror the catalog's tables, field for field (a field's name is
its column's), except where a machine's own ids would mean nothing on central: a file,
a correction and a deletion of a photo name the photo by its hothash.

Every sync request carries `SYNC_VERSION_HEADER`; central refuses another version
with 409 and a detail naming both, before it reads the body.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from protocol.base import Request, Response
from protocol.photos import ExifText, FileState, Hothash, Tags, WallTime

SYNC_PROTOCOL_VERSION = 1
SYNC_VERSION_HEADER = "X-Hotprevue-Sync"
INSTALLATION_HEADER = "X-Installation-Id"
# The installation's secret, which only its own database holds: with it, a new token
# takes over an installation whose earlier token was revoked (older clients send none).
INSTALLATION_SECRET_HEADER = "X-Installation-Secret"  # noqa: S105 - a header's name
# A coldpreview upload's SHA-256, hex: central refuses bytes that do not match it.
CONTENT_SHA256_HEADER = "X-Content-SHA256"
# Machine tokens go as `Authorization: Bearer <token>`; they open the sync endpoints only.
TOKEN_PREFIX = "hpm_"  # noqa: S105 - a prefix that marks tokens, not a secret

# The largest coldpreview central accepts: the largest size any machine may configure.
MAX_COLDPREVIEW_PX = 8000
MAX_COLDPREVIEW_BYTES = 32 * 1024 * 1024
# A push's batch: at most this many changes, and a body of at most this many bytes
# (a photo row with its hotpreview is ~10 kB); central refuses a batch beyond either.
# A change is a deletion or a row; the rows a change points at that central may lack go
# with it, so a batch's changes are its deletions and the rows no other row of it
# points at (see POINTERS).
MAX_BATCH_ROWS = 500
MAX_BATCH_BYTES = 16 * 1024 * 1024

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
# Bounds of the columns the values go to: a number out of range is a 422, not an error
# of the database.
Int16 = Annotated[int, msgspec.Meta(ge=-32768, le=32767)]
Int32 = Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)]
Count = Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]
Real = Annotated[float, msgspec.Meta(ge=-3.4e38, le=3.4e38)]
ChangeNumber = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
# At most ±18 hours, as the catalog keeps offsets.
OffsetSeconds = Annotated[int, msgspec.Meta(ge=-18 * 3600, le=18 * 3600)]
NaiveWallTime = Annotated[WallTime, msgspec.Meta(tz=False)]
# The tables a push carries, in the order central applies them.
Entity = Literal[
    "photographers",
    "categories",
    "events",
    "input_sessions",
    "photos",
    "image_files",
    "collections",
    "text_items",
    "collection_items",
    "photo_corrections",
]
# Where each table's rows point: (field, table pointed at). Photos are shared by
# hothash: a row may point at any photo. Every other row a machine sends points at its
# own rows only; central refuses a batch that points at another machine's. A push takes
# along the rows its changes point at by this map, and central counts them apart from
# the changes by it.
POINTERS: dict[str, tuple[tuple[str, str], ...]] = {
    "events": (("parent_id", "events"), ("cover_hothash", "photos")),
    "input_sessions": (
        ("default_photographer_id", "photographers"),
        ("default_event_id", "events"),
    ),
    "photos": (
        ("photographer_id", "photographers"),
        ("category_id", "categories"),
        ("input_session_id", "input_sessions"),
        ("event_id", "events"),
    ),
    "image_files": (("hothash", "photos"),),
    "collections": (("cover_hothash", "photos"),),
    "collection_items": (
        ("collection_id", "collections"),
        ("hothash", "photos"),
        ("text_item_id", "text_items"),
    ),
    "photo_corrections": (("hothash", "photos"),),
}
# Groups of a photo's fields that change together; see SyncPhoto.edited_at.
EditGroup = Literal[
    "taken_at",
    "location",
    "tags",
    "category",
    "rating",
    "photographer",
    "input_session",
    "event",
    "stack",
    "deleted",
]


class SyncPhotographer(Request):
    """A row of `photographers`."""

    id: uuid.UUID
    name: str
    website: str
    bio: str
    notes: str
    is_default: bool
    is_unknown: bool
    created_at: datetime
    updated_at: datetime


class SyncCategory(Request):
    """A row of `categories`."""

    id: uuid.UUID
    name: str
    excluded_from_stream: bool
    display_order: Int32
    created_at: datetime
    updated_at: datetime


class SyncEvent(Request):
    """A row of `events`."""

    id: uuid.UUID
    name: str
    description: str
    date: date | None
    location: str
    parent_id: uuid.UUID | None
    cover_hothash: Hothash | None
    created_at: datetime
    updated_at: datetime


class SyncInputSession(Request):
    """A row of `input_sessions` (its watched folder, this machine's configuration, stays)."""

    id: uuid.UUID
    name: str
    source_path: str
    recursive: bool
    default_photographer_id: uuid.UUID
    default_event_id: uuid.UUID | None
    status: str
    started_at: datetime | None
    completed_at: datetime | None
    photo_count: Count
    duplicate_count: Count
    error_count: Count
    created_at: datetime
    updated_at: datetime


class SyncPhoto(Request):
    """A row of `photos`, keyed by its hothash (each machine has its own `id`)."""

    hothash: Hothash
    # Central recomputes SHA-256 of the decoded bytes and refuses a photo that differs.
    hotpreview_b64: str
    exif_data: dict[str, Any]
    taken_at: NaiveWallTime | None
    # The offset in seconds east of UTC (an interval has no portable JSON form).
    taken_at_offset_seconds: OffsetSeconds | None
    taken_at_source: Int16
    taken_at_accuracy: str
    location_lat: Real | None
    location_lng: Real | None
    location_source: Int16 | None
    location_accuracy: str | None
    camera_make: ExifText | None
    camera_model: ExifText | None
    lens_model: ExifText | None
    iso: Int32 | None
    shutter_speed: str | None
    aperture: Real | None
    focal_length: Real | None
    tags: Tags
    category_id: uuid.UUID | None
    rating: Int16 | None
    photographer_id: uuid.UUID
    input_session_id: uuid.UUID | None
    event_id: uuid.UUID | None
    stack_id: uuid.UUID | None
    is_stack_cover: bool
    registered_at: datetime
    deleted_at: datetime | None
    # When each group of fields was last changed at the origin. Where two machines hold
    # the photo, central keeps each group from the machine that changed it last; a group
    # never changed since registration loses to any change, and between two such the
    # first machine to send the photo keeps it.
    edited_at: dict[EditGroup, datetime]
    updated_at: datetime
    # Whether this machine has a coldpreview to upload when central asks for it.
    has_coldpreview: bool


class SyncImageFile(Request):
    """A row of `image_files`: where this machine has the photo's files."""

    id: uuid.UUID
    hothash: Hothash
    file_path: str
    file_type: str
    is_master: bool
    state: FileState
    created_at: datetime
    updated_at: datetime


class SyncCollection(Request):
    """A row of `collections`."""

    id: uuid.UUID
    name: str
    description: str
    cover_hothash: Hothash | None
    created_at: datetime
    updated_at: datetime


class SyncTextItem(Request):
    """A row of `text_items` (a collection's text cards)."""

    id: uuid.UUID
    title: str
    body: str
    created_at: datetime
    updated_at: datetime


class SyncCollectionItem(Request):
    """A row of `collection_items`: a photo or a text card at a position."""

    id: uuid.UUID
    collection_id: uuid.UUID
    hothash: Hothash | None
    text_item_id: uuid.UUID | None
    position: Int32
    caption: str
    created_at: datetime
    updated_at: datetime


class SyncPhotoCorrection(Request):
    """A row of `photo_corrections`; where two machines correct a photo, the later wins."""

    hothash: Hothash
    rotation: Int16
    horizon_angle: Real
    exposure_ev: Real
    crop_left: Real
    crop_top: Real
    crop_right: Real
    crop_bottom: Real
    updated_at: datetime


class SyncDeletion(Request):
    """A row deleted at the origin: its table and key (photos and corrections: hothash)."""

    entity: Entity
    key: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class SyncBatch(Request):
    """`POST /api/sync/receive`: one bounded batch of a push (current states of rows).

    Central applies a batch only if it has everything up to `after` from this machine
    (its receipt's `acked_seq`); otherwise it applies nothing and the machine resends
    from there (a central restored from a backup, or a new one at the same URL)."""

    machine_name: Name
    # The change numbers the batch covers: what changed after `after`, up to `upto`.
    after: ChangeNumber
    upto: ChangeNumber
    photographers: list[SyncPhotographer] = msgspec.field(default_factory=list)
    categories: list[SyncCategory] = msgspec.field(default_factory=list)
    events: list[SyncEvent] = msgspec.field(default_factory=list)
    input_sessions: list[SyncInputSession] = msgspec.field(default_factory=list)
    photos: list[SyncPhoto] = msgspec.field(default_factory=list)
    image_files: list[SyncImageFile] = msgspec.field(default_factory=list)
    collections: list[SyncCollection] = msgspec.field(default_factory=list)
    text_items: list[SyncTextItem] = msgspec.field(default_factory=list)
    collection_items: list[SyncCollectionItem] = msgspec.field(default_factory=list)
    photo_corrections: list[SyncPhotoCorrection] = msgspec.field(default_factory=list)
    deletions: list[SyncDeletion] = msgspec.field(default_factory=list)

    def row_count(self) -> int:
        """How many rows and deletions the batch carries."""
        return sum(len(value) for value in msgspec.structs.astuple(self) if isinstance(value, list))


class RefusedPhoto(Response):
    """A photo central did not take, and why."""

    hothash: str
    reason: str


class SyncReceipt(Response):
    """Central's answer to a batch."""

    version: int
    # Central's own installation id.
    central_id: uuid.UUID
    # Up to which change number central has this machine's changes: the batch's `upto`
    # when it was applied, less when central lacks changes before the batch (nothing
    # was applied then: send again from here).
    acked_seq: int
    # Rows inserted or updated (photos refused not among them).
    received: int
    # Photos central had already (from this machine or another one).
    skipped_duplicates: int
    deleted: int
    refused: list[RefusedPhoto] = msgspec.field(default_factory=list)
    # Photos of the batch whose coldpreview central lacks: upload those next.
    coldpreviews_wanted: list[str] = msgspec.field(default_factory=list)
    # Central's clock, later than every edit time it holds (it bounds each by its clock
    # plus a small skew when the edit arrives). The machine stamps its later edits no
    # earlier than this clock moved on by the time since, so they win over what central
    # holds whatever the machine's own clock says. None from an older central.
    clock: datetime | None = None


class ColdpreviewReceipt(Response):
    """`POST /api/sync/coldpreview/{hothash}`: stored, or central had it already."""

    hothash: str
    stored: bool
