"""System settings: one row per installation, never synced."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec

from protocol.base import Request, Response

PhotoSort = Literal[
    "taken_at_desc",
    "taken_at_asc",
    "registered_at_desc",
    "registered_at_asc",
    "rating_desc",
    "rating_asc",
]
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=10_000)]
# PostgreSQL integer: a larger number is a 422, not a database error.
Int32 = Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)]


class SystemSettings(Response):
    """The installation's settings."""

    installation_id: uuid.UUID
    instance_name: str
    owner_name: str
    owner_website: str
    owner_bio: str
    default_sort: PhotoSort
    show_deleted_in_gallery: bool
    browse_buffer_size: int
    coldpreview_max_px: int
    coldpreview_quality: int
    watching_enabled: bool
    watch_quiet_seconds: float
    watch_rescan_minutes: int
    # Remind after photos have waited unsynced this many days (0: never).
    sync_reminder_days: int = 7


class SystemSettingsPatch(Request):
    """`PATCH /api/settings`: only the fields given change; installation_id is read-only."""

    instance_name: ShortText | msgspec.UnsetType = msgspec.UNSET
    owner_name: ShortText | msgspec.UnsetType = msgspec.UNSET
    owner_website: ShortText | msgspec.UnsetType = msgspec.UNSET
    owner_bio: LongText | msgspec.UnsetType = msgspec.UNSET
    default_sort: PhotoSort | msgspec.UnsetType = msgspec.UNSET
    show_deleted_in_gallery: bool | msgspec.UnsetType = msgspec.UNSET
    browse_buffer_size: Annotated[int, msgspec.Meta(ge=1, le=10_000)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    coldpreview_max_px: Annotated[int, msgspec.Meta(ge=150, le=8000)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    coldpreview_quality: Annotated[int, msgspec.Meta(ge=1, le=100)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    # Off: no folder is watched (each shows `disabled`); the folders stay configured.
    watching_enabled: bool | msgspec.UnsetType = msgspec.UNSET
    # How long a file's size and mtime must stay unchanged before it is registered.
    watch_quiet_seconds: Annotated[float, msgspec.Meta(ge=0.1, le=3600)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    # How often every watched folder is walked again, for changes the OS did not report.
    watch_rescan_minutes: Annotated[int, msgspec.Meta(ge=1, le=10_080)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    # Remind after photos have waited unsynced this many days (0: never).
    sync_reminder_days: Annotated[int, msgspec.Meta(ge=0, le=365)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
