"""A path longer than the catalog stores is that file's error; every other file registers."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import asyncpg

from daemon.paths import MAX_PATH_BYTES
from tests.support.app import Client
from tests.support.factories import register
from tests.support.images import write_jpeg
from tests.support.long_paths import first_too_long, name_of, path_of
from tests.support.registration import send, upload_session

# Beyond what a PostgreSQL index entry holds (2704 bytes), as the tester's paths were.
FAR_OVER = 3000
TOO_LONG = "the file's path is too long for the catalog"
SENTENCE = "The file's path is too long for the catalog"


async def errors_of(client: Client, session_id: str) -> dict[str, dict[str, Any]]:
    response = await client.get(f"/api/input-sessions/{session_id}/errors?limit=100")
    assert response.status_code == 200, response.text
    return {error["file_path"]: error for error in response.json()}


async def stored_paths(pool: asyncpg.Pool) -> set[str]:
    async with pool.acquire() as conn:
        return {r["file_path"] for r in await conn.fetch("SELECT file_path FROM image_files")}


async def test_a_path_too_long_fails_that_file_alone(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    folder = (tmp_path / "card").resolve()
    good = [write_jpeg(folder / f"IMG_{n}.jpg", 96, 64, seed=n) for n in range(3)]
    at_bound = write_jpeg(path_of(folder / "a", MAX_PATH_BYTES, seed=1), 96, 64, seed=10)
    over = write_jpeg(path_of(folder / "b", MAX_PATH_BYTES + 1, seed=2), 96, 64, seed=11)
    # A folder too long for any path in it is one error, not one per file: so is the
    # folder of a file beyond what an index entry holds (a name has at most 255 bytes).
    far_over = write_jpeg(path_of(folder / "c", FAR_OVER, seed=3), 96, 64, seed=12)
    write_jpeg(far_over.with_name("beside.jpg"), 96, 64, seed=13)
    long_folder = first_too_long(far_over.parent, MAX_PATH_BYTES)
    # A master that fits and its sidecar, four bytes longer, that does not.
    master = write_jpeg(path_of(folder / "e", MAX_PATH_BYTES - 3, seed=5), 96, 64, seed=15)
    sidecar = master.with_name(master.name + ".xmp")
    sidecar.write_text("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")

    session = await register(client, folder)
    assert session["status"] == "completed", session["failure"]
    assert session["photo_count"] == len(good) + 2
    assert await stored_paths(pool) == {str(p) for p in [*good, at_bound, master]}
    errors = await errors_of(client, session["id"])
    assert set(errors) == {str(over), str(long_folder), str(sidecar)}
    assert session["error_count"] == len(errors)
    for path in (over, sidecar):
        error = errors[str(path)]
        length = len(str(path).encode())
        assert error["detail"].startswith(f"{TOO_LONG} ({length} bytes, at most 2048)")
        assert error["message"].startswith(SENTENCE), error
    folder_error = errors[str(long_folder)]
    assert folder_error["detail"].startswith("the folder's path is too long for the catalog")
    assert folder_error["message"].startswith("This folder's path is too long")

    again = await register(client, folder)
    assert again["status"] == "completed", again["failure"]
    assert (again["photo_count"], again["already_registered_count"]) == (0, len(good) + 2)
    assert set(await errors_of(client, again["id"])) == set(errors)


async def test_an_upload_with_a_path_too_long_lists_that_file(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    session = await upload_session(client)
    jpeg = write_jpeg(tmp_path / "IMG_1.jpg", 96, 64, seed=21)
    remote = "C:\\Pictures\\" + name_of(FAR_OVER, random.Random(7), ".jpg")
    refused = await send(client, session, jpeg, {"path": remote, "type": "JPEG"})
    assert refused.status_code == 422, refused.text
    assert TOO_LONG in refused.json()["detail"]

    long_raw = "C:\\Pictures\\" + "日" * 1000 + ".CR2"  # 1000 characters, 3000 bytes
    other = write_jpeg(tmp_path / "IMG_2.jpg", 96, 64, seed=22)
    kept = await send(
        client,
        session,
        other,
        {
            "path": "C:\\Pictures\\IMG_2.JPG",
            "type": "JPEG",
            "companions": [
                {"path": long_raw, "type": "RAW"},
                {"path": "C:\\Pictures\\IMG_2.xmp", "type": "XMP"},
            ],
        },
    )
    assert kept.status_code == 201, kept.text
    assert kept.json()["outcome"] == "registered"
    assert await stored_paths(pool) == {"C:\\Pictures\\IMG_2.JPG", "C:\\Pictures\\IMG_2.xmp"}
    errors = await errors_of(client, session)
    assert set(errors) == {remote, long_raw}
    assert all(error["message"].startswith(SENTENCE) for error in errors.values())
