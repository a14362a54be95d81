"""Photographers: who took a photo; the default (the owner) and unknown rows always exist."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from protocol.base import Request, Response
from protocol.settings import LongText, ShortText

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]


class Photographer(Response):
    """A photographer as the API shows it."""

    id: uuid.UUID
    name: str
    website: str
    bio: str
    notes: str
    is_default: bool
    is_unknown: bool
    created_at: datetime


class PhotographerCreate(Request):
    """`POST /api/photographers`."""

    name: Name
    website: ShortText = ""
    bio: LongText = ""
    notes: LongText = ""


class PhotographerPatch(Request):
    """`PATCH /api/photographers/{id}`: only the fields given change."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    website: ShortText | msgspec.UnsetType = msgspec.UNSET
    bio: LongText | msgspec.UnsetType = msgspec.UNSET
    notes: LongText | msgspec.UnsetType = msgspec.UNSET


class PhotographerMerge(Request):
    """`POST /api/photographers/{id}/merge`: the photographer that takes over `id`'s photos."""

    into: uuid.UUID
