"""Events: unordered groups of photos, one level of nesting."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from protocol.base import Request, Response
from protocol.photographers import Name
from protocol.photos import Hothash
from protocol.settings import LongText, ShortText


class Cover(Response):
    """The picture that stands for a group; `deleted` marks a cover in the trash."""

    hothash: str
    hotpreview_b64: str
    deleted: bool


class Event(Response):
    """An event with its photo count and cover; `children` only in the tree listing."""

    id: uuid.UUID
    name: str
    description: str
    date: dt.date | None
    location: str
    parent_id: uuid.UUID | None
    cover_hothash: str | None
    photo_count: int
    created_at: dt.datetime
    cover: Cover | None = None
    children: list[Event] = msgspec.field(default_factory=list)


class EventCreate(Request):
    """`POST /api/events`."""

    name: Name
    description: LongText = ""
    date: dt.date | None = None
    location: ShortText = ""
    parent_id: uuid.UUID | None = None
    cover_hothash: Hothash | None = None


class EventPatch(Request):
    """`PATCH /api/events/{id}`: only the fields given change."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    description: LongText | msgspec.UnsetType = msgspec.UNSET
    date: dt.date | msgspec.UnsetType | None = msgspec.UNSET
    location: ShortText | msgspec.UnsetType = msgspec.UNSET
    parent_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    cover_hothash: Hothash | msgspec.UnsetType | None = msgspec.UNSET
