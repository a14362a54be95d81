"""A central-mode app over its ASGI interface, machine tokens, and batches of real photos."""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import pytest
from litestar.testing import AsyncTestClient

from daemon.app import create_app
from daemon.config import Settings, load_settings
from daemon.security import API_KEY_HEADER
from protocol.sync import (
    INSTALLATION_HEADER,
    SYNC_PROTOCOL_VERSION,
    SYNC_VERSION_HEADER,
    SyncImageFile,
    SyncPhoto,
    SyncPhotographer,
)
from tests.conftest import Client
from tests.images import jpeg_bytes, photo_like

CENTRAL_URL = "http://127.0.0.1:8000"
RECEIVE = "/api/sync/receive"
T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def central_settings(tmp_path: Path, database_url: str) -> Settings:
    """Central-mode settings on a temporary data dir and the test's database."""
    return load_settings(
        central=True, data_dir=tmp_path / "data", env={"DATABASE_URL": database_url}
    )


@pytest.fixture
async def central(central_settings: Settings) -> AsyncIterator[Client]:
    """The central app, with the installation's API key (as its administrator)."""
    app = create_app(central_settings)
    async with AsyncTestClient(app=app, base_url=CENTRAL_URL) as client:
        key = central_settings.paths.api_key.read_text(encoding="utf-8").strip()
        client.headers[API_KEY_HEADER] = key
        yield client


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
