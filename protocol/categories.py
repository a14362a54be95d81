"""Categories: user-defined, one per photo at most."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from protocol.base import Request, Response
from protocol.photographers import Name
from protocol.settings import Int32


class Category(Response):
    """A category as the API shows it."""

    id: uuid.UUID
    name: str
    excluded_from_stream: bool
    display_order: int
    created_at: datetime


class CategoryCreate(Request):
    """`POST /api/categories`."""

    name: Name
    excluded_from_stream: bool = False
    display_order: Int32 = 0


class CategoryPatch(Request):
    """`PATCH /api/categories/{id}`: only the fields given change."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    excluded_from_stream: bool | msgspec.UnsetType = msgspec.UNSET
    display_order: Int32 | msgspec.UnsetType = msgspec.UNSET
