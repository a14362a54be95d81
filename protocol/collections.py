"""Collections: ordered, curated sequences of photos and text cards."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from protocol.base import Request, Response
from protocol.events import Cover
from protocol.photographers import Name
from protocol.photos import Hothash, Hothashes
from protocol.settings import Int32, LongText, ShortText


class TextItem(Response):
    """A text card (title + text) shown between photos."""

    id: uuid.UUID
    title: str
    body: str
    created_at: dt.datetime


class TextItemCreate(Request):
    """`POST /api/text-items`."""

    title: ShortText = ""
    body: LongText = ""


class TextItemPatch(Request):
    """`PATCH /api/text-items/{id}`."""

    title: ShortText | msgspec.UnsetType = msgspec.UNSET
    body: LongText | msgspec.UnsetType = msgspec.UNSET


class Collection(Response):
    """A collection with its item count and cover."""

    id: uuid.UUID
    name: str
    description: str
    cover_hothash: str | None
    item_count: int
    created_at: dt.datetime
    cover: Cover | None = None
    # Grows whenever an item is added, moved or edited (a removal lowers item_count):
    # an open window polls it to notice another window's changes.
    items_version: int = 0


class CollectionCreate(Request):
    """`POST /api/collections`."""

    name: Name
    description: LongText = ""
    cover_hothash: Hothash | None = None


class CollectionPatch(Request):
    """`PATCH /api/collections/{id}`."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    description: LongText | msgspec.UnsetType = msgspec.UNSET
    cover_hothash: Hothash | msgspec.UnsetType | None = msgspec.UNSET


class CollectionItem(Response):
    """One place in a collection: a photo or a text card."""

    id: uuid.UUID
    position: int
    caption: str
    hothash: str | None
    hotpreview_b64: str | None
    text_item: TextItem | None


class ItemCreate(Request):
    """Add one item: a photo (hothash), an existing text card, or a new one (title/body)."""

    hothash: Hothash | None = None
    text_item_id: uuid.UUID | None = None
    title: ShortText | None = None
    body: LongText | None = None
    caption: LongText = ""
    position: Int32 | None = None


class ItemsAdd(Request):
    """Add many photos at one position (default: the end)."""

    hothashes: Hothashes
    position: Int32 | None = None


class ItemsOrder(Request):
    """The collection's item ids, all of them, in their new order."""

    item_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=100_000)]


class ItemsMove(Request):
    """Move some items, keeping their order, to just before `before` (null: to the end)."""

    item_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=1000)]
    before: uuid.UUID | None = None


class ItemPosition(Response):
    """Where a moved item stands now."""

    id: uuid.UUID
    position: int


class ItemPatch(Request):
    """Change an item's caption."""

    caption: LongText


class ItemsRemove(Request):
    """Remove several items."""

    item_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=100_000)]
