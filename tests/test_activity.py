"""`GET /api/activity`: what the tray polls every second, from real registrations."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from daemon.app import create_app
from daemon.config import load_settings
from daemon.security import API_KEY_HEADER
from daemon.services.system import ACTIVITY_SESSIONS
from tests.support.app import Client
from tests.support.factories import add_photo, hothash, register
from tests.support.images import write_jpeg

API = "/api/activity"
WAIT = 60.0


async def activity(client: Client) -> dict[str, Any]:
    response = await client.get(API)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def activity_until(
    client: Client, done: Callable[[dict[str, Any]], bool], what: str
) -> dict[str, Any]:
    """Poll as the tray does until `done` holds."""
    deadline = time.monotonic() + WAIT
    while True:
        body = await activity(client)
        if done(body):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen in {WAIT} s; last answer {body}")
        await asyncio.sleep(0.05)


def photos(folder: Path, count: int, *, size: tuple[int, int] = (400, 300)) -> Path:
    for i in range(count):
        write_jpeg(folder / f"IMG_{i:03}.jpg", *size, seed=300 + i)
    return folder


async def upload_session(client: Client, name: str) -> dict[str, Any]:
    response = await client.post(
        "/api/input-sessions",
        json={"name": name, "source_path": f"C:\\Users\\kjell\\{name}", "upload": True},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_needs_the_api_key(anon_client: Client) -> None:
    response = await anon_client.get(API)
    assert response.status_code == 401, response.text
    assert response.json()["detail"]


async def test_local_mode_only(tmp_path: Path, database_url: str) -> None:
    # Central has no tray beside it and no sync targets of its own.
    settings = load_settings(
        central=True, data_dir=tmp_path / "data", env={"DATABASE_URL": database_url}
    )
    async with AsyncTestClient(create_app(settings), base_url="http://127.0.0.1:8000") as central:
        central.headers[API_KEY_HEADER] = settings.paths.api_key.read_text().strip()
        assert (await central.get("/api/status")).status_code == 200
        response = await central.get(API)
        assert response.status_code == 404, response.text


async def test_empty_catalog(client: Client) -> None:
    assert await activity(client) == {
        "photo_count": 0,
        "files_missing": 0,
        "files_offline": 0,
        "sessions": [],
        "watched_folders": [],
        "sync": {"targets": []},
    }


async def test_photo_count_follows_registration_trash_and_deletion(
    client: Client, tmp_path: Path
) -> None:
    await register(client, photos(tmp_path / "shoot", 3))
    assert (await activity(client))["photo_count"] == 3
    page = (await client.get("/api/photos")).json()
    trashed = await client.post(f"/api/photos/{page[0]['hothash']}/delete")
    assert trashed.status_code == 200, trashed.text
    assert (await activity(client))["photo_count"] == 2
    restored = await client.post(f"/api/photos/{page[0]['hothash']}/restore")
    assert restored.status_code == 200, restored.text
    assert (await activity(client))["photo_count"] == 3
    await client.post(f"/api/photos/{page[1]['hothash']}/delete")
    emptied = await client.post("/api/photos/empty-trash")
    assert emptied.status_code == 200, emptied.text
    assert (await activity(client))["photo_count"] == 2
    assert (await client.get("/api/status")).json()["photo_count"] == 2


async def test_a_change_committed_after_a_poll_is_counted(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    # A poll while a writer holds its change number uncommitted must not keep the
    # count it saw: the number would not change again at the commit.
    await register(client, photos(tmp_path / "shoot", 2))
    assert (await activity(client))["photo_count"] == 2
    first = (await client.get("/api/photos")).json()[0]["hothash"]
    async with pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute("UPDATE photos SET deleted_at = now() WHERE hothash = $1", first)
        assert (await activity(client))["photo_count"] == 2
        await transaction.commit()
    assert (await activity(client))["photo_count"] == 1


async def test_the_count_is_kept_until_the_next_change(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    await register(client, photos(tmp_path / "shoot", 2))
    assert (await activity(client))["photo_count"] == 2
    first = (await client.get("/api/photos")).json()[0]["hothash"]
    async with pool.acquire() as conn:
        # With triggers off a change takes no change number, so a kept count misses it:
        # proof the count is not taken again at every poll.
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("UPDATE photos SET deleted_at = now() WHERE hothash = $1", first)
        await conn.execute("RESET session_replication_role")
    assert (await activity(client))["photo_count"] == 2
    event = await client.post("/api/events", json={"name": "any change"})
    assert event.status_code == 201, event.text
    assert (await activity(client))["photo_count"] == 1


async def test_missing_file_seen_by_the_watcher(client: Client, tmp_path: Path) -> None:
    folder = photos(tmp_path / "card", 3)
    await register(client, folder)
    (folder / "IMG_001.jpg").unlink()
    before = await activity(client)
    assert (before["files_missing"], before["files_offline"]) == (0, 0)
    added = await client.post("/api/watched-folders", json={"path": str(folder)})
    assert added.status_code == 201, added.text
    # The watcher's first scan finds the file gone from a folder that is there.
    seen = await activity_until(client, lambda a: a["files_missing"] == 1, "a missing file")
    assert seen["files_offline"] == 0
    assert seen["photo_count"] == 3  # a missing file never removes its photo
    [watched] = seen["watched_folders"]
    assert (watched["id"], watched["path"]) == (added.json()["id"], str(folder))
    watching = await activity_until(
        client, lambda a: a["watched_folders"][0]["state"] == "watching", "the folder watched"
    )
    assert watching["watched_folders"][0]["last_scan_at"] is not None


async def test_offline_files_are_counted_apart(client: Client, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        for n, state in enumerate(["online", "offline", "offline", "missing"]):
            photo_id = await add_photo(conn, hothash(n))
            await conn.execute(
                "INSERT INTO image_files (photo_id, file_path, file_type, is_master, state) "
                "VALUES ($1, $2, 'JPEG', true, $3)",
                photo_id,
                f"/media/disk/{n}.jpg",
                state,
            )
    body = await activity(client)
    assert (body["photo_count"], body["files_missing"], body["files_offline"]) == (4, 1, 2)


async def test_upload_sessions_until_complete(client: Client, tmp_path: Path) -> None:
    first = await upload_session(client, "first")
    second = await upload_session(client, "second")
    listed = (await activity(client))["sessions"]
    assert [(s["id"], s["status"], s["groups_done"]) for s in listed] == [
        (first["id"], "uploading", 0),
        (second["id"], "uploading", 0),
    ]
    master = write_jpeg(tmp_path / "IMG_1.jpg", 800, 600, seed=11)
    sent = await client.post(
        f"/api/input-sessions/{first['id']}/groups",
        files={"file": (master.name, master.read_bytes(), "application/octet-stream")},
        data={"metadata": json.dumps({"path": "C:\\Users\\kjell\\IMG_1.JPG", "type": "JPEG"})},
    )
    assert sent.status_code == 201, sent.text
    body = await activity(client)
    assert [(s["id"], s["groups_done"], s["photo_count"]) for s in body["sessions"]] == [
        (first["id"], 1, 1),
        (second["id"], 0, 0),
    ]
    assert body["photo_count"] == 1
    completed = await client.post(f"/api/input-sessions/{first['id']}/complete")
    assert completed.status_code == 200, completed.text
    assert [s["id"] for s in (await activity(client))["sessions"]] == [second["id"]]


async def test_at_most_the_oldest_sessions(client: Client) -> None:
    created = [(await upload_session(client, f"s{i}"))["id"] for i in range(ACTIVITY_SESSIONS + 1)]
    listed = [s["id"] for s in (await activity(client))["sessions"]]
    assert listed == created[:ACTIVITY_SESSIONS]


@pytest.mark.slow
async def test_running_registration_has_a_rate(client: Client, tmp_path: Path) -> None:
    folder = photos(tmp_path / "big", 60, size=(1600, 1200))
    started = await client.post(
        "/api/input-sessions", json={"name": "big", "source_path": str(folder)}
    )
    assert started.status_code == 201, started.text
    session_id = started.json()["id"]
    body = await activity_until(
        client,
        lambda a: any(s["status"] == "running" and s["rate"] for s in a["sessions"]),
        "a running session with a rate",
    )
    [running] = body["sessions"]
    assert running["id"] == session_id
    assert running["groups_total"] == 60
    assert running["rate"] > 0
    cancelled = await client.post(f"/api/input-sessions/{session_id}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert (await activity(client))["sessions"] == []


async def test_sync_target_with_what_it_lacks(client: Client, tmp_path: Path) -> None:
    await register(client, photos(tmp_path / "shoot", 2))
    added = await client.post(
        "/api/sync/targets",
        json={"url": "http://127.0.0.1:9", "token": "hpm_" + "t" * 43, "name": "nas"},
    )
    assert added.status_code == 201, added.text
    [target] = (await activity(client))["sync"]["targets"]
    assert (target["id"], target["name"], target["running"]) == (added.json()["id"], "nas", None)
    assert target["pending_photos"] == 2
    assert target["pending_rows"] > 2
    # Kept between polls, counted again after a change.
    again = (await activity(client))["sync"]["targets"][0]
    assert (again["pending_photos"], again["pending_rows"]) == (2, target["pending_rows"])
    write_jpeg(tmp_path / "shoot" / "IMG_new.jpg", 400, 300, seed=999)
    await register(client, tmp_path / "shoot")
    [more] = (await activity(client))["sync"]["targets"]
    assert more["pending_photos"] == 3
    assert more["pending_rows"] > target["pending_rows"]
    status = (await client.get("/api/sync/status")).json()
    assert status["targets"][0]["pending_photos"] == 3
    assert "hpm_" not in (await client.get(API)).text
