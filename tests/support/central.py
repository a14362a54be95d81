"""Central's side of sync: machine tokens, and the rows of real photos machines push."""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import msgspec

from daemon.security import API_KEY_HEADER
from protocol.sync import (
    CONTENT_SHA256_HEADER,
    INSTALLATION_HEADER,
    SYNC_PROTOCOL_VERSION,
    SYNC_VERSION_HEADER,
    SyncBatch,
    SyncCategory,
    SyncCollection,
    SyncCollectionItem,
    SyncEvent,
    SyncImageFile,
    SyncInputSession,
    SyncPhoto,
    SyncPhotoCorrection,
    SyncPhotographer,
    SyncTextItem,
)
from tests.support.app import Client
from tests.support.images import jpeg_bytes, photo_like

CENTRAL_URL = "http://127.0.0.1:8000"
RECEIVE = "/api/sync/receive"
T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class Machine:
    """A machine that pushes to central: its installation id and token."""

    installation_id: uuid.UUID
    token: str
    name: str

    def headers(self) -> dict[str, str]:
        """What every sync request of this machine carries (no API key)."""
        return {
            SYNC_VERSION_HEADER: str(SYNC_PROTOCOL_VERSION),
            "Authorization": f"Bearer {self.token}",
            INSTALLATION_HEADER: str(self.installation_id),
        }


async def new_machine(central: Client, name: str) -> Machine:
    """Make a token on central for a new installation."""
    response = await central.post("/api/machines", json={"name": name})
    assert response.status_code == 201, response.text
    return Machine(uuid.uuid4(), response.json()["token"], name)


async def push(central: Client, machine: Machine, batch: Any, status: int = 200) -> Any:
    """POST one batch as the machine (without central's API key); the answer's JSON."""
    response = await central.post(
        RECEIVE,
        content=batch if isinstance(batch, bytes) else _encode(batch),
        headers={**machine.headers(), API_KEY_HEADER: "", "Content-Type": "application/json"},
    )
    assert response.status_code == status, response.text
    return response.json()


def _encode(batch: Any) -> bytes:
    return msgspec.json.encode(batch)


@functools.cache
def hotpreview(seed: int) -> tuple[str, str]:
    """(hothash, hotpreview_b64) of a real small JPEG, the same for the same seed (the
    image's noise is random)."""
    data = jpeg_bytes(photo_like(64, 48, seed))
    return hashlib.sha256(data).hexdigest(), base64.b64encode(data).decode()


def photographer(**fields: Any) -> SyncPhotographer:
    """A photographer row as a machine sends it."""
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "name": "Kari",
        "website": "",
        "bio": "",
        "notes": "",
        "is_default": True,
        "is_unknown": False,
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(fields)
    return SyncPhotographer(**values)


def photo(seed: int, photographer_id: uuid.UUID, **fields: Any) -> SyncPhoto:
    """A photo row with a real hotpreview."""
    hothash, b64 = hotpreview(seed)
    values: dict[str, Any] = {
        "hothash": hothash,
        "hotpreview_b64": b64,
        "exif_data": {"Make": "Testmaker"},
        "taken_at": datetime(2024, 5, 1, 10, 30),
        "taken_at_offset_seconds": 7200,
        "taken_at_source": 0,
        "taken_at_accuracy": "second",
        "location_lat": None,
        "location_lng": None,
        "location_source": None,
        "location_accuracy": None,
        "camera_make": "Testmaker",
        "camera_model": "Model 1",
        "lens_model": None,
        "iso": 200,
        "shutter_speed": "1/125",
        "aperture": 2.5,
        "focal_length": 35.0,
        "tags": [],
        "category_id": None,
        "rating": None,
        "photographer_id": photographer_id,
        "input_session_id": None,
        "event_id": None,
        "stack_id": None,
        "is_stack_cover": False,
        "registered_at": T0,
        "deleted_at": None,
        "edited_at": {},
        "updated_at": T0,
        "has_coldpreview": True,
    }
    values.update(fields)
    return SyncPhoto(**values)


def image_file(hothash: str, path: str, **fields: Any) -> SyncImageFile:
    """A file of a photo on a machine."""
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "hothash": hothash,
        "file_path": path,
        "file_type": "JPEG",
        "is_master": True,
        "state": "online",
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(fields)
    return SyncImageFile(**values)


Script = Callable[[asyncpg.Connection, threading.Event], Awaitable[None]]


@contextmanager
def elsewhere(database_url: str, script: Script) -> Iterator[None]:
    """Run a script on a connection of its own, in a thread of its own (a request to the
    test app holds the test's event loop while it runs); the body runs once the script
    sets its event, and the script must end after the body."""
    ready = threading.Event()
    errors: list[BaseException] = []

    async def main() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            await script(conn, ready)
        finally:
            await conn.close()

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # the test reports it, in its own thread
            errors.append(exc)
            ready.set()

    thread = threading.Thread(target=run)
    thread.start()
    assert ready.wait(10)
    try:
        yield
    finally:
        thread.join(30)
    assert not errors, errors


def full_batch() -> SyncBatch:
    """One of every entity, pointing at each other (an event's cover is a photo of the
    same batch, a child event its parent)."""
    kari = photographer()
    category = SyncCategory(
        id=uuid.uuid4(),
        name="Family",
        excluded_from_stream=False,
        display_order=2,
        created_at=T0,
        updated_at=T0,
    )
    first = photo(1, kari.id, tags=["beach", "sun"], rating=4, category_id=category.id)
    second = photo(2, kari.id, location_lat=59.9, location_lng=10.7, location_source=1)
    parent = SyncEvent(
        id=uuid.uuid4(),
        name="Summer",
        description="",
        date=date(2024, 6, 1),
        location="Coast",
        parent_id=None,
        cover_hothash=first.hothash,
        created_at=T0,
        updated_at=T0,
    )
    child = SyncEvent(
        id=uuid.uuid4(),
        name="Day one",
        description="first day",
        date=None,
        location="",
        parent_id=parent.id,
        cover_hothash=None,
        created_at=T0,
        updated_at=T0,
    )
    session = SyncInputSession(
        id=uuid.uuid4(),
        name="Card",
        source_path="/photos/card",
        recursive=True,
        default_photographer_id=kari.id,
        default_event_id=parent.id,
        status="completed",
        started_at=T0,
        completed_at=T0 + timedelta(minutes=1),
        photo_count=2,
        duplicate_count=0,
        error_count=0,
        created_at=T0,
        updated_at=T0,
    )
    first.event_id = child.id
    first.input_session_id = session.id
    collection = SyncCollection(
        id=uuid.uuid4(),
        name="Best",
        description="the best",
        cover_hothash=second.hothash,
        created_at=T0,
        updated_at=T0,
    )
    card = SyncTextItem(id=uuid.uuid4(), title="Hello", body="text", created_at=T0, updated_at=T0)
    items = [
        SyncCollectionItem(
            id=uuid.uuid4(),
            collection_id=collection.id,
            hothash=first.hothash,
            text_item_id=None,
            position=0,
            caption="one",
            created_at=T0,
            updated_at=T0,
        ),
        SyncCollectionItem(
            id=uuid.uuid4(),
            collection_id=collection.id,
            hothash=None,
            text_item_id=card.id,
            position=1,
            caption="",
            created_at=T0,
            updated_at=T0,
        ),
    ]
    correction = SyncPhotoCorrection(
        hothash=first.hothash,
        rotation=90,
        horizon_angle=1.5,
        exposure_ev=-0.5,
        crop_left=0.125,
        crop_top=0.0,
        crop_right=1.0,
        crop_bottom=0.875,
        updated_at=T0,
    )
    # Rows in any order within each list, and the batch names children before parents.
    return SyncBatch(
        after=0,
        upto=0,
        machine_name="laptop",
        photographers=[kari],
        categories=[category],
        events=[child, parent],
        input_sessions=[session],
        photos=[second, first],
        image_files=[
            image_file(first.hothash, "/photos/a.jpg"),
            image_file(second.hothash, "/photos/b.jpg"),
            image_file(first.hothash, "/photos/a.xmp", file_type="XMP", is_master=False),
        ],
        collections=[collection],
        text_items=[card],
        collection_items=items,
        photo_corrections=[correction],
    )


async def token_id(central: Client, name: str) -> str:
    """The id of the active machine token of this name on central."""
    listed = (await central.get("/api/machines")).json()
    return str(next(m["id"] for m in listed if m["name"] == name and m["revoked_at"] is None))


async def upload(
    central: Client, machine: Machine, hothash: str, data: bytes, *, sha: str | None = None
) -> tuple[int, dict[str, object]]:
    """POST a coldpreview as the machine (the SHA-256 given or the data's own); the
    answer's status and JSON."""
    headers = machine.headers() | {
        API_KEY_HEADER: "",
        CONTENT_SHA256_HEADER: sha or hashlib.sha256(data).hexdigest().upper(),
        "Content-Type": "image/jpeg",
    }
    response = await central.post(f"/api/sync/coldpreview/{hothash}", content=data, headers=headers)
    return response.status_code, response.json()
