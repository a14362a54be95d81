"""`/api/watched-folders`: canonical paths, no nesting, hostile input, live state."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from daemon.config import Settings
from daemon.database import create_pool
from daemon.errors import Conflict
from daemon.registration.manager import Registrations
from daemon.services import settings as settings_service
from daemon.services.watched_folders import WatchedFolders
from daemon.store.errors import CONSTRAINTS
from daemon.watching.manager import Watcher
from protocol.watched_folders import WatchedFolder, WatchedFolderCreate
from tests.support.app import Client
from tests.support.factories import add_photos

API = "/api/watched-folders"
# What the watcher may be doing with an active folder (neither paused nor disabled).
LIVE = {"starting", "scanning", "watching", "polling", "offline", "error"}
WAIT = 60.0
JSON = {"Content-Type": "application/json"}


async def add(client: Client, path: Path | str, **extra: Any) -> dict[str, Any]:
    response = await client.post(API, json={"path": str(path), **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def refused(client: Client, path: Path | str, status: int) -> str:
    response = await client.post(API, json={"path": str(path)})
    assert response.status_code == status, response.text
    detail: str = response.json()["detail"]
    return detail


async def paths(client: Client) -> list[str]:
    return [folder["path"] for folder in (await client.get(API)).json()]


async def state_becomes(client: Client, folder_id: str, wanted: set[str]) -> dict[str, Any]:
    """The folder once the watcher reports one of the wanted states."""
    deadline = time.monotonic() + WAIT
    while True:
        folder: dict[str, Any] = (await client.get(f"{API}/{folder_id}")).json()
        if folder["state"] in wanted or time.monotonic() > deadline:
            return folder
        await asyncio.sleep(0.1)


def folder(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


async def test_crud(client: Client, tmp_path: Path) -> None:
    created = await add(client, folder(tmp_path / "photos"))
    assert created["path"] == str(tmp_path / "photos")
    assert (created["recursive"], created["photographer_id"], created["paused"]) == (
        True,
        None,
        False,
    )
    assert created["state"] in LIVE
    assert created["last_scan_at"] is None
    url = f"{API}/{created['id']}"
    assert (await client.get(url)).json()["id"] == created["id"]
    assert [f["id"] for f in (await client.get(API)).json()] == [created["id"]]

    kari = (await client.post("/api/photographers", json={"name": "Kari"})).json()
    patched = await client.patch(url, json={"recursive": False, "photographer_id": kari["id"]})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["recursive"], patched.json()["photographer_id"]) == (False, kari["id"])
    assert patched.json()["path"] == created["path"]
    unchanged = await client.patch(url, json={})
    assert (unchanged.status_code, unchanged.json()["recursive"]) == (200, False)
    back = await client.patch(url, json={"photographer_id": None})
    assert back.json()["photographer_id"] is None

    assert (await client.delete(url)).status_code == 204
    assert (await client.get(url)).status_code == 404
    assert await paths(client) == []


async def test_added_paused_and_not_recursive(client: Client, tmp_path: Path) -> None:
    created = await add(client, folder(tmp_path / "p"), paused=True, recursive=False)
    assert (created["paused"], created["recursive"], created["state"]) == (True, False, "paused")


async def test_pause_and_resume(client: Client, tmp_path: Path) -> None:
    created = await add(client, folder(tmp_path / "photos"))
    paused = await client.post(f"{API}/{created['id']}/pause")
    assert paused.status_code == 200, paused.text
    assert (paused.json()["paused"], paused.json()["state"]) == (True, "paused")
    assert (await client.get(f"{API}/{created['id']}")).json()["state"] == "paused"
    resumed = await client.post(f"{API}/{created['id']}/resume")
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["paused"] is False
    assert resumed.json()["state"] in LIVE


async def test_a_path_is_stored_canonical(client: Client, tmp_path: Path) -> None:
    real = folder(tmp_path / "photos" / "2024")
    (tmp_path / "link").symlink_to(tmp_path / "photos")
    created = await add(client, f"{tmp_path}/link//2024/../2024/")
    assert created["path"] == str(real)


@pytest.mark.parametrize(
    "spelling",
    ["{root}/photos", "{root}/photos/", "{root}//photos", "{root}/x/../photos", "{root}/link"],
)
async def test_the_same_folder_twice_is_409(client: Client, tmp_path: Path, spelling: str) -> None:
    folder(tmp_path / "photos")
    folder(tmp_path / "x")
    (tmp_path / "link").symlink_to(tmp_path / "photos")
    await add(client, tmp_path / "photos")
    detail = await refused(client, spelling.format(root=tmp_path), 409)
    assert detail == f"{tmp_path / 'photos'} is already watched"
    assert await paths(client) == [str(tmp_path / "photos")]


async def test_a_folder_inside_a_watched_one_is_409(client: Client, tmp_path: Path) -> None:
    outer = await add(client, folder(tmp_path / "photos"))
    inner = folder(tmp_path / "photos" / "2024" / "june")
    detail = await refused(client, inner, 409)
    assert detail == f"{inner} is inside the watched folder {outer['path']}"
    # Spelled through a symlink that lives outside the watched folder.
    (tmp_path / "june").symlink_to(inner)
    assert "is inside the watched folder" in await refused(client, tmp_path / "june", 409)


async def test_a_folder_above_a_watched_one_is_409(client: Client, tmp_path: Path) -> None:
    inner = await add(client, folder(tmp_path / "photos" / "2024"))
    detail = await refused(client, tmp_path / "photos", 409)
    assert detail == f"{tmp_path / 'photos'} contains the watched folder {inner['path']}"
    # Spelled through a symlink too.
    (tmp_path / "all").symlink_to(tmp_path / "photos")
    detail = await refused(client, tmp_path / "all", 409)
    assert detail == f"{tmp_path / 'photos'} contains the watched folder {inner['path']}"


async def test_siblings_sharing_a_prefix_are_apart(client: Client, tmp_path: Path) -> None:
    for name in ("photos", "photos2", "photos-old", "photo"):
        await add(client, folder(tmp_path / name))
    assert sorted(await paths(client)) == sorted(
        str(tmp_path / name) for name in ("photos", "photos2", "photos-old", "photo")
    )


WAITING = """
SELECT count(*) FROM pg_locks
WHERE relation = 'watched_folders'::regclass AND NOT granted
"""


async def test_nested_folders_added_at_once_give_one_watch(
    pool: asyncpg.Pool, database_url: str, settings: Settings, tmp_path: Path
) -> None:
    # The service itself, called concurrently: the test client runs one request at a time.
    await settings_service.bootstrap(pool)
    chain = [tmp_path / "a"]
    for name in "bcde":
        chain.append(chain[-1] / name)
    folder(chain[-1])
    calls_pool = await create_pool(database_url, max_size=len(chain))
    watcher = Watcher(calls_pool, Registrations(calls_pool, workers=1), settings)
    service = WatchedFolders(calls_pool, watcher, ())
    async with calls_pool, pool.acquire() as holder, pool.acquire() as observer:
        # Every call is held at its first look at the table, then all go at once:
        # without a lock of their own each would see no neighbour and insert.
        async with holder.transaction():
            await holder.execute("LOCK TABLE watched_folders IN ACCESS EXCLUSIVE MODE")
            calls = asyncio.gather(
                *(service.create(WatchedFolderCreate(path=str(path))) for path in chain),
                return_exceptions=True,
            )
            deadline = time.monotonic() + WAIT
            while await observer.fetchval(WAITING) < len(chain):
                assert not calls.done(), calls.result()
                assert time.monotonic() < deadline, "the calls never reached the table"
                await asyncio.sleep(0.01)
        outcomes = await calls
    added = [o for o in outcomes if isinstance(o, WatchedFolder)]
    refusals = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(added), len(refusals)) == (1, len(chain) - 1), outcomes
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM watched_folders") == 1


async def test_the_daemons_own_folders_are_422(
    client: Client, settings: Settings, tmp_path: Path
) -> None:
    for own in (settings.data_dir, settings.coldpreview_dir, settings.data_dir / "inside"):
        own.mkdir(parents=True, exist_ok=True)
        detail = await refused(client, own, 422)
        assert "inside the daemon's own folder" in detail
    for above in (settings.data_dir.parent, Path("/")):
        detail = await refused(client, above, 422)
        assert detail.startswith(f"path {above} contains the daemon's own folder"), detail
    assert await paths(client) == []


def _undecodable(tmp_path: Path) -> Path:
    path = tmp_path / os.fsdecode(b"roll\xff")
    path.mkdir()
    return path


def _link_to_undecodable(tmp_path: Path) -> Path:
    link = tmp_path / "plain"
    link.symlink_to(_undecodable(tmp_path))
    return link


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: f"{root}/a\x00b", "path contains a NUL character"),
        (lambda root: "photos/2024", "path must be an absolute path"),
        (lambda root: "", "path"),
        (lambda root: f"{root}/no/such/folder", "path: folder not found"),
        (lambda root: f"{root}/file.jpg", "path is a file, not a folder"),
        (lambda root: f"{root}/\x1b[31mred\x07", "path: folder not found"),
        (lambda root: f"{root}/{'x' * 300}", "path cannot be read"),
        (lambda root: f"{root}/{'a/' * 2100}", "path"),
        (lambda root: str(_undecodable(root)), "not valid"),
        (lambda root: str(_link_to_undecodable(root)), "not valid Unicode"),
        (lambda root: "/proc", "pseudo-filesystem"),
    ],
    ids=[
        "nul",
        "relative",
        "empty",
        "missing",
        "file",
        "control-characters",
        "long-name",
        "too-long",
        "non-utf8",
        "link-to-non-utf8",
        "proc",
    ],
)
async def test_unusable_paths_are_422(
    client: Client, tmp_path: Path, make: Any, message: str
) -> None:
    (tmp_path / "file.jpg").write_bytes(b"not a folder")
    # ASCII JSON: a name's undecodable byte travels as a lone surrogate's \u escape.
    body = json.dumps({"path": make(tmp_path)})
    response = await client.post(API, content=body, headers=JSON)
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    assert await paths(client) == []


async def test_a_body_in_invalid_utf8_is_422(client: Client, tmp_path: Path) -> None:
    _undecodable(tmp_path)
    body = b'{"path": "' + os.fsencode(tmp_path) + b'/roll\xff"}'
    response = await client.post(API, content=body, headers=JSON)
    assert response.status_code == 422, response.text
    assert "not valid JSON" in response.json()["detail"]
    assert await paths(client) == []


async def test_a_folder_named_with_control_characters_is_watched(
    client: Client, tmp_path: Path
) -> None:
    odd = folder(tmp_path / "\x1b[31mred\u202e")
    created = await add(client, odd)
    assert created["path"] == str(odd)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "path"),
        ({"path": 5}, "path"),
        ({"path": None}, "path"),
        ({"path": "/x", "recursive": "yes"}, "recursive"),
        ({"path": "/x", "paused": 1}, "paused"),
        ({"path": "/x", "photographer_id": "kari"}, "photographer_id"),
        ({"path": "/x", "photographer_id": 7}, "photographer_id"),
        ({"path": "/x", "state": "watching"}, "state"),
        ({"path": "/x", "id": str(uuid.uuid4())}, "id"),
    ],
)
async def test_invalid_bodies_are_422_naming_the_field(
    client: Client, body: dict[str, object], field: str
) -> None:
    response = await client.post(API, json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"path": "/elsewhere"}, "path"),
        ({"recursive": None}, "recursive"),
        ({"paused": "no"}, "paused"),
        ({"photographer_id": "x"}, "photographer_id"),
    ],
)
async def test_invalid_patches_are_422(
    client: Client, tmp_path: Path, body: dict[str, object], field: str
) -> None:
    created = await add(client, folder(tmp_path / "photos"))
    response = await client.patch(f"{API}/{created['id']}", json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]
    after = (await client.get(f"{API}/{created['id']}")).json()
    kept = ("path", "recursive", "paused", "photographer_id")
    assert [after[key] for key in kept] == [created[key] for key in kept]


async def test_broken_json_is_422(client: Client) -> None:
    response = await client.post(
        API, content=b'{"path": "/x"', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"]


async def test_a_photographer_that_does_not_exist_is_422(client: Client, tmp_path: Path) -> None:
    kari = (await client.post("/api/photographers", json={"name": "Kari"})).json()
    assert (await client.delete(f"/api/photographers/{kari['id']}")).status_code == 204
    message = CONSTRAINTS["watched_folders_photographer_id_fkey"].message
    response = await client.post(
        API, json={"path": str(folder(tmp_path / "p")), "photographer_id": kari["id"]}
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(message)
    assert await paths(client) == []
    created = await add(client, tmp_path / "p")
    patched = await client.patch(f"{API}/{created['id']}", json={"photographer_id": kari["id"]})
    assert patched.status_code == 422, patched.text
    assert patched.json()["detail"].startswith(message)


async def test_deleting_the_photographer_falls_back_to_the_default(
    client: Client, tmp_path: Path
) -> None:
    kari = (await client.post("/api/photographers", json={"name": "Kari"})).json()
    created = await add(client, folder(tmp_path / "p"), photographer_id=kari["id"])
    assert created["photographer_id"] == kari["id"]
    assert (await client.delete(f"/api/photographers/{kari['id']}")).status_code == 204
    assert (await client.get(f"{API}/{created['id']}")).json()["photographer_id"] is None


@pytest.mark.parametrize("action", ["get", "patch", "delete", "pause", "resume", "rescan"])
async def test_unknown_and_malformed_ids(client: Client, action: str) -> None:
    for folder_id, statuses in ((uuid.uuid4(), {404}), ("not-a-uuid", {404, 422})):
        url = f"{API}/{folder_id}"
        if action == "get":
            response = await client.get(url)
        elif action == "patch":
            response = await client.patch(url, json={"paused": True})
        elif action == "delete":
            response = await client.delete(url)
        else:
            response = await client.post(f"{url}/{action}")
        assert response.status_code in statuses, response.text
        assert response.json()["detail"]


async def test_removing_a_watched_folder_keeps_its_photos(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    created = await add(client, folder(tmp_path / "photos"), paused=True)
    photos = await add_photos(pool, [{}, {}])
    async with pool.acquire() as conn:
        session = await conn.fetchval(
            "INSERT INTO input_sessions (name, source_path, default_photographer_id, "
            "watched_folder_id) SELECT 'watch', $1, id, $2 FROM photographers WHERE is_default "
            "RETURNING id",
            created["path"],
            uuid.UUID(created["id"]),
        )
        for n, hothash in enumerate(photos):
            await conn.execute(
                "UPDATE photos SET input_session_id = $1 WHERE hothash = $2", session, hothash
            )
            await conn.execute(
                "INSERT INTO image_files (photo_id, file_path, file_type, is_master) "
                "SELECT id, $2, 'JPEG', true FROM photos WHERE hothash = $1",
                hothash,
                f"{created['path']}/{n}.jpg",
            )
    assert (await client.delete(f"{API}/{created['id']}")).status_code == 204
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM photos WHERE deleted_at IS NULL") == 2
        assert await conn.fetchval("SELECT count(*) FROM image_files") == 2
        assert (
            await conn.fetchval(
                "SELECT watched_folder_id FROM input_sessions WHERE id = $1", session
            )
            is None
        )
    for hothash in photos:
        detail = (await client.get(f"/api/photos/{hothash}")).json()
        assert [f["state"] for f in detail["files"]] == ["online"]


async def test_switched_off_watching_shows_every_folder_disabled(
    client: Client, tmp_path: Path
) -> None:
    active = await add(client, folder(tmp_path / "a"))
    paused = await add(client, folder(tmp_path / "b"), paused=True)
    assert (await client.patch("/api/settings", json={"watching_enabled": False})).is_success
    states = {f["id"]: f["state"] for f in (await client.get(API)).json()}
    assert states == {active["id"]: "disabled", paused["id"]: "disabled"}
    for folder_id in states:
        response = await client.post(f"{API}/{folder_id}/rescan")
        assert response.status_code == 409, response.text
        assert "watching_enabled" in response.json()["detail"]
    assert (await client.patch("/api/settings", json={"watching_enabled": True})).is_success
    assert (await client.get(f"{API}/{active['id']}")).json()["state"] in LIVE
    assert (await client.get(f"{API}/{paused['id']}")).json()["state"] == "paused"


async def test_rescan_of_a_paused_folder_is_409(client: Client, tmp_path: Path) -> None:
    created = await add(client, folder(tmp_path / "a"), paused=True)
    response = await client.post(f"{API}/{created['id']}/rescan")
    assert response.status_code == 409, response.text
    assert response.json()["detail"] == f"{created['path']} is paused; resume it first"


async def test_rescan_of_a_watched_folder_is_accepted(client: Client, tmp_path: Path) -> None:
    created = await add(client, folder(tmp_path / "a"))
    watched = await state_becomes(client, created["id"], {"watching", "polling"})
    assert watched["state"] in {"watching", "polling"}, watched
    response = await client.post(f"{API}/{created['id']}/rescan")
    assert response.status_code == 202, response.text
    assert response.json()["id"] == created["id"]


@pytest.mark.slow
async def test_rescan_of_an_offline_folder_is_409(client: Client, tmp_path: Path) -> None:
    created = await add(client, folder(tmp_path / "disk"))
    await state_becomes(client, created["id"], {"watching", "polling"})
    (tmp_path / "disk").rmdir()
    offline = await state_becomes(client, created["id"], {"offline"})
    assert offline["state"] == "offline", offline
    assert offline["state_detail"]
    response = await client.post(f"{API}/{created['id']}/rescan")
    assert response.status_code == 409, response.text
    assert "not being watched right now (offline" in response.json()["detail"]
