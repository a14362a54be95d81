"""Health and status of a running daemon."""

from __future__ import annotations

import uuid

from protocol.base import Response


class Health(Response):
    """`GET /health`: 200 only while the database answers."""

    status: str
    mode: str
    version: str
    installation_id: uuid.UUID


class Status(Response):
    """`GET /api/status`: what `hotprevue status` shows."""

    status: str
    mode: str
    version: str
    installation_id: uuid.UUID
    pid: int
    data_dir: str
    coldpreview_dir: str
    database_size_bytes: int
    photo_count: int
