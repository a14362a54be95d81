"""Stacks (shots of one subject under one cover) and duplicate files."""

from __future__ import annotations

import datetime as dt
import uuid

from protocol.base import Request, Response
from protocol.photos import Hothash, Hothashes, PhotoItem


class Stack(Response):
    """A stack's photos in registration order; exactly one is the cover."""

    id: uuid.UUID
    cover_hothash: str
    photos: list[PhotoItem]


class StackPhotos(Request):
    """Photos to stack (or to add to a stack); none may be in another stack."""

    hothashes: Hothashes


class StackCover(Request):
    """Make a stack's photo its cover."""

    hothash: Hothash


class DuplicateFile(Response):
    """A file whose picture the catalog already has under another path."""

    id: uuid.UUID
    hothash: str
    file_path: str
    session_id: uuid.UUID | None
    detected_at: dt.datetime
