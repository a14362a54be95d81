"""Photos: the compact list item, the full detail, and the changes a client may make."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Annotated, Any, Literal

import msgspec

from protocol.base import Request, Response

# Python's `$` also matches before a final newline ("…\n" would pass): the lookahead
# anchors at the true end, and reads the same to the ECMA regexes of OpenAPI clients.
HOTHASH_PATTERN = r"^[0-9a-f]{64}$(?!\n)"
Hothash = Annotated[str, msgspec.Meta(pattern=HOTHASH_PATTERN)]
Accuracy = Literal["second", "hour", "day", "month", "year"]
LocationAccuracy = Literal["exact", "street", "city", "region", "country"]
Rating = Annotated[int, msgspec.Meta(ge=1, le=5)]
# A photo's tags as the catalog keeps them, on this machine and on central alike.
MAX_TAG_LENGTH, MAX_TAGS = 100, 200
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TAG_LENGTH)]
Tags = Annotated[list[Tag], msgspec.Meta(max_length=MAX_TAGS)]
# The most of a text EXIF field (camera, lens) the catalog keeps.
MAX_EXIF_TEXT = 200
ExifText = Annotated[str, msgspec.Meta(max_length=MAX_EXIF_TEXT)]
# taken_at is the camera's wall-clock time (its offset, when known, is a field of its
# own): JSON without a zone, so not an RFC 3339 date-time.
WallTime = Annotated[
    datetime,
    msgspec.Meta(
        extra_json_schema={
            "description": "wall-clock time, no zone: YYYY-MM-DDTHH:MM:SS[.ffffff]",
            "extra": {"format": None, "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$"},
        }
    ),
]
# online: where the catalog says; offline: its folder cannot be reached (a disk
# unplugged); missing: its folder is there, the file is not. The photo stays in each case.
FileState = Literal["online", "offline", "missing"]
Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]


class Source(IntEnum):
    """Where a photo's time or place comes from; stored and sent as its number."""

    EXIF = 0  # read from the file
    ADJUSTED = 1  # EXIF's value, shifted (a camera clock that was wrong)
    MANUAL = 2  # set by hand, or by an upload's overrides


class PhotoItem(Response):
    """A photo in a list: enough to show and sort a grid without another request."""

    hothash: str
    hotpreview_b64: str
    taken_at: WallTime | None
    taken_at_accuracy: str
    rating: int | None
    tags: list[str]
    category_id: uuid.UUID | None
    photographer_id: uuid.UUID
    event_id: uuid.UUID | None
    stack_id: uuid.UUID | None
    is_stack_cover: bool
    registered_at: datetime
    deleted_at: datetime | None
    # How many photos its stack has on this photo's side of the trash (outside it in the
    # gallery, in it in the trash), itself included; None when it is in no stack.
    stack_size: int | None = None
    # Its correction's rotation, clockwise: the hotpreview never turns, so a grid turns
    # the tile (0 without a correction).
    rotation: Literal[0, 90, 180, 270] = 0
    # Registered from a damaged original: only part of its picture decoded.
    damaged: bool = False


# `GET /api/photos?stacks=`: every photo, or one per stack: its cover, or while the cover
# is on the other side of the trash, the stack's first photo (by registration) on this one.
StackView = Literal["all", "collapsed"]
# The size of a bucket of a time sort; rating sorts have one bucket per rating whatever
# is asked.
Granularity = Literal["day", "month"]


class PhotoBucket(Response):
    """One bucket of the photo list: its key and how many photos it holds.

    Keys: "YYYY-MM-DD" or "YYYY-MM" (taken_at sorts: the wall-clock date, "undated" for
    photos without a time; registered_at sorts: the date in UTC), "5" … "1" and "unrated"
    (rating sorts)."""

    key: str
    count: int


class PhotoBuckets(Response):
    """`GET /api/photos/buckets`: the list's buckets in list order; counts add up to total."""

    total: int
    buckets: list[PhotoBucket]


class Camera(Response):
    """A camera of photos outside the trash, with how many it took.

    `name` is what `GET /api/photos?camera=` takes: the model alone when it already starts
    with the make ("Canon" + "Canon EOS R5" → "Canon EOS R5"), else make and model joined
    by a space ("SONY" + "ILCE-7M3" → "SONY ILCE-7M3"), or whichever of them exists. The
    catalog computes the same name for the filter (SQL function camera_name), so every
    spelling that gives one name is one camera: `make` and `model` are then those of the
    most photos."""

    name: str
    make: str | None
    model: str | None
    count: int


class ImageFile(Response):
    """A physical file of a photo."""

    id: uuid.UUID
    file_path: str
    file_type: str
    is_master: bool
    state: FileState
    # When the file last changed state (None: online since it was registered).
    state_changed_at: datetime | None


class SessionRef(Response):
    """The session a photo was registered in."""

    id: uuid.UUID
    name: str
    source_path: str


class Correction(Response):
    """A photo's non-destructive correction; the hotpreview never changes."""

    rotation: int
    horizon_angle: float
    exposure_ev: float
    crop_left: float
    crop_top: float
    crop_right: float
    crop_bottom: float
    updated_at: datetime


class PhotoDetail(Response):
    """Everything about one photo."""

    id: uuid.UUID
    hothash: str
    hotpreview_b64: str
    coldpreview_path: str | None
    exif_data: dict[str, Any]
    taken_at: WallTime | None
    taken_at_offset: timedelta | None
    taken_at_source: Source
    taken_at_accuracy: str
    location_lat: float | None
    location_lng: float | None
    location_source: Source | None
    location_accuracy: str | None
    camera_make: str | None
    camera_model: str | None
    lens_model: str | None
    iso: int | None
    shutter_speed: str | None
    aperture: float | None
    focal_length: float | None
    tags: list[str]
    category_id: uuid.UUID | None
    rating: int | None
    photographer_id: uuid.UUID
    input_session_id: uuid.UUID | None
    event_id: uuid.UUID | None
    stack_id: uuid.UUID | None
    is_stack_cover: bool
    registered_at: datetime
    deleted_at: datetime | None
    files: list[ImageFile] = msgspec.field(default_factory=list)
    # Registered from a damaged original; `damage` says how, in plain words (e.g. "The
    # picture data is damaged (172 blocks missing); the bottom of the photo may be grey.").
    damaged: bool = False
    damage: str | None = None
    session: SessionRef | None = None
    correction: Correction | None = None


class PhotoPatch(Request):
    """`PATCH /api/photos/{hothash}`: only the fields given change."""

    rating: Rating | msgspec.UnsetType | None = msgspec.UNSET
    tags: Tags | msgspec.UnsetType = msgspec.UNSET
    category_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    photographer_id: uuid.UUID | msgspec.UnsetType = msgspec.UNSET
    event_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    taken_at: datetime | msgspec.UnsetType | None = msgspec.UNSET
    taken_at_accuracy: Accuracy | msgspec.UnsetType = msgspec.UNSET
    location_lat: Latitude | msgspec.UnsetType | None = msgspec.UNSET
    location_lng: Longitude | msgspec.UnsetType | None = msgspec.UNSET
    location_accuracy: LocationAccuracy | msgspec.UnsetType | None = msgspec.UNSET


class CompanionCreate(Request):
    """`POST /api/photos/{hothash}/companions`: attach another file of the same photo."""

    path: Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
    type: Literal["RAW", "JPEG", "TIFF", "PNG", "HEIC", "XMP"]


class TrashEmptied(Response):
    """How many photos `empty-trash` removed for good."""

    deleted: int


class TagCount(Response):
    """A tag and, when asked for, how many photos carry it."""

    tag: str
    count: int | None = None


Hothashes = Annotated[list[Hothash], msgspec.Meta(min_length=1, max_length=10_000)]


class Batch(Request):
    """A batch that needs nothing but the photos: delete, restore."""

    hothashes: Hothashes


class BatchTags(Batch):
    """Add, remove or set tags on many photos."""

    tags: Tags


class BatchRating(Batch):
    """Set (or clear, with null) the rating of many photos."""

    rating: Rating | None


class BatchEvent(Batch):
    """Put many photos in an event (or none)."""

    event_id: uuid.UUID | None


class BatchCategory(Batch):
    """Give many photos a category (or none)."""

    category_id: uuid.UUID | None


class BatchPhotographer(Batch):
    """Credit many photos to one photographer."""

    photographer_id: uuid.UUID


class BatchTakenAt(Batch):
    """Set the time of many photos."""

    taken_at: datetime
    taken_at_accuracy: Accuracy = "second"


class BatchTakenAtOffset(Batch):
    """Shift the time of many photos (a camera clock that was wrong)."""

    hours: Annotated[int, msgspec.Meta(ge=-100_000, le=100_000)] = 0
    minutes: Annotated[int, msgspec.Meta(ge=-100_000, le=100_000)] = 0
    seconds: Annotated[int, msgspec.Meta(ge=-1_000_000, le=1_000_000)] = 0


class BatchLocation(Batch):
    """Place many photos (or clear their location with nulls)."""

    location_lat: Latitude | None
    location_lng: Longitude | None
    location_accuracy: LocationAccuracy = "exact"


class BatchFailure(Response):
    """A photo a batch could not change, and why."""

    hothash: str
    reason: str


class BatchResult(Response):
    """Best effort: what changed and what did not."""

    updated: list[str]
    failed: list[BatchFailure]


Unit = Annotated[float, msgspec.Meta(ge=0, le=1)]


class CorrectionSet(Request):
    """`PUT /api/photos/{hothash}/correction`: the whole correction (omitted = neutral)."""

    rotation: Literal[0, 90, 180, 270] = 0
    horizon_angle: Annotated[float, msgspec.Meta(ge=-15, le=15)] = 0.0
    exposure_ev: Annotated[float, msgspec.Meta(ge=-5, le=5)] = 0.0
    crop_left: Unit = 0.0
    crop_top: Unit = 0.0
    crop_right: Unit = 1.0
    crop_bottom: Unit = 1.0
