"""Abandoned uploads end while the daemon runs: idle sessions are interrupted, their
spooled files removed, and every later call on them answers 409."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from daemon.config import ConfigError, Settings, load_settings
from daemon.errors import Conflict
from daemon.registration.manager import Registrations
from daemon.services import settings as settings_service
from daemon.services import uploads as uploads_service
from daemon.services.input_sessions import InputSessions
from daemon.services.uploads import Uploads
from protocol.input_sessions import GroupOutcome, InputSession, InputSessionCreate
from protocol.local import DataPaths
from tests.support.app import Client
from tests.support.images import write_jpeg

IDLE = 1  # seconds: the test's idle timeout


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The shared settings, with a tiny idle timeout for upload sessions."""
    return load_settings(
        data_dir=tmp_path / "data",
        env={"DATABASE_URL": database_url, "HOTPREVUE_UPLOAD_IDLE_TIMEOUT": str(IDLE)},
    )


async def upload_session(client: Client) -> str:
    body = {"name": "Laptop", "source_path": "C:\\Pictures", "upload": True}
    response = await client.post("/api/input-sessions", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def send(client: Client, session_id: str, master: Path, remote: str) -> Any:
    return await client.post(
        f"/api/input-sessions/{session_id}/groups",
        files={"file": (master.name, master.read_bytes(), "application/octet-stream")},
        data={"metadata": json.dumps({"path": remote, "type": "JPEG"})},
    )


async def status_of(client: Client, session_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/input-sessions/{session_id}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_an_idle_upload_is_interrupted_and_its_spool_removed(
    client: Client, settings: Settings, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    session = await upload_session(client)
    first = write_jpeg(tmp_path / "A.jpg", 640, 480, seed=41)
    assert (await send(client, session, first, "C:\\Pictures\\A.jpg")).status_code == 201
    spool = settings.paths.uploads / session
    assert spool.is_dir()

    deadline = time.monotonic() + 10 * IDLE
    while (body := await status_of(client, session))["status"] == "uploading":
        assert time.monotonic() < deadline, "the idle session was never reaped"
        await asyncio.sleep(0.1)
    assert body["status"] == "interrupted"
    assert body["completed_at"] is not None
    assert f"no upload call for {IDLE} s" in body["failure"]
    assert not spool.exists()

    later = write_jpeg(tmp_path / "B.jpg", 640, 480, seed=42)
    calls = [
        await client.post(
            f"/api/input-sessions/{session}/check", json={"master_paths": ["C:\\Pictures\\B.jpg"]}
        ),
        await send(client, session, later, "C:\\Pictures\\B.jpg"),
        await client.post(f"/api/input-sessions/{session}/complete"),
    ]
    for response in calls:
        assert response.status_code == 409, response.text
        detail = response.json()["detail"]
        assert "interrupted, not taking uploads" in detail
        assert "no upload call" in detail
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM photos") == 1
    assert (await status_of(client, session))["photo_count"] == 1
    # Finished, so it can be forgotten.
    assert (await client.delete(f"/api/input-sessions/{session}")).status_code == 204


@pytest.mark.slow
async def test_an_active_upload_is_not_reaped(client: Client, tmp_path: Path) -> None:
    session = await upload_session(client)
    idle = await upload_session(client)
    photo = write_jpeg(tmp_path / "A.jpg", 640, 480, seed=43)
    started = time.monotonic()
    n = 0
    # Calls closer together than the timeout, for several timeouts.
    while time.monotonic() - started < 4 * IDLE:
        if n % 2:
            response = await client.post(
                f"/api/input-sessions/{session}/check", json={"master_paths": [f"C:\\{n}.jpg"]}
            )
        else:
            response = await send(client, session, photo, f"C:\\Pictures\\{n}.jpg")
        assert response.is_success, response.text
        assert (await status_of(client, session))["status"] == "uploading"
        n += 1
        await asyncio.sleep(IDLE / 4)
    assert (await status_of(client, idle))["status"] == "interrupted"
    done = await client.post(f"/api/input-sessions/{session}/complete")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    assert done.json()["duplicate_count"] + done.json()["photo_count"] == (n + 1) // 2


async def test_a_session_with_a_call_in_progress_is_busy(
    client: Client, settings: Settings, pool: asyncpg.Pool
) -> None:
    session = await upload_session(client)
    registrations = client.app.state.runtime.registrations
    uploading = Uploads(pool, registrations, settings.coldpreview_dir, settings.paths.uploads)
    with registrations.upload_call(uuid.UUID(session)):
        assert await uploading.reap_idle_uploads(0) == []
    reaped = await uploading.reap_idle_uploads(0)
    assert reaped == [uuid.UUID(session)]


async def test_a_session_ended_while_its_file_decodes_stores_nothing(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """A client that says `complete` while a group is still decoding: the group is not
    stored (409), and leaves no photo, no coldpreview and no spooled file behind.

    Run on the services in this event loop (the test client serves one call at a time),
    with no idle reaper: the daemon's default timeout is far away."""
    await settings_service.bootstrap(pool)
    big = write_jpeg(tmp_path / "big.jpg", 6000, 4000, seed=44)
    cold, uploads = tmp_path / "coldpreviews", tmp_path / "uploads"
    registrations = Registrations(pool, workers=1)
    created = await InputSessions(pool, registrations, cold).create(
        InputSessionCreate(name="Laptop", source_path="C:\\Pictures", upload=True),
    )
    uploading = Uploads(pool, registrations, cold, uploads)
    spool = uploads / str(created.id)

    async def upload() -> GroupOutcome:
        with big.open("rb") as master:
            return await uploading.upload_group(
                created.id,
                json.dumps({"path": "C:\\Pictures\\big.jpg", "type": "JPEG"}),
                master,
            )

    async def complete_while_decoding() -> InputSession:
        deadline = time.monotonic() + 60
        # The file system has no event to wait on: poll for the spooled file.
        while not (spool.is_dir() and any(spool.iterdir())):
            assert time.monotonic() < deadline, "the upload was never spooled"
            await asyncio.sleep(0.001)
        return await uploading.complete(created.id)

    try:
        uploaded, completed = await asyncio.gather(
            upload(), complete_while_decoding(), return_exceptions=True
        )
    finally:
        await registrations.stop()
    assert isinstance(completed, InputSession), completed
    assert completed.status == "completed"
    assert isinstance(uploaded, Conflict), uploaded
    assert "completed, not taking uploads" in uploaded.detail
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM photos") == 0
    assert not any(cold.rglob("*.jpg"))
    assert not spool.exists()


def test_idle_timeout_setting(tmp_path: Path) -> None:
    assert load_settings(data_dir=tmp_path, env={}).upload_idle_timeout == 1800
    env = {"HOTPREVUE_UPLOAD_IDLE_TIMEOUT": "90"}
    assert load_settings(data_dir=tmp_path, env=env).upload_idle_timeout == 90
    for bad in ("0", "-5", "soon", "1.5"):
        with pytest.raises(ConfigError, match="HOTPREVUE_UPLOAD_IDLE_TIMEOUT"):
            load_settings(data_dir=tmp_path, env={"HOTPREVUE_UPLOAD_IDLE_TIMEOUT": bad})


def test_leftover_spools_are_cleared_at_start(tmp_path: Path) -> None:
    uploads = DataPaths(tmp_path).uploads
    (uploads / "a-session").mkdir(parents=True)
    (uploads / "a-session" / "tmp123.jpg").write_bytes(b"half an upload")
    (uploads / "another").mkdir()
    assert uploads_service.clear_spools(uploads) == 2
    assert list(uploads.iterdir()) == []
    assert uploads_service.clear_spools(tmp_path / "nowhere") == 0
