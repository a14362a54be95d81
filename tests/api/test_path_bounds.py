"""Paths longer than the catalog stores, where the API takes paths: a 422, never a 500."""

from __future__ import annotations

import random
from pathlib import Path

import asyncpg

from daemon.paths import MAX_PATH_BYTES
from tests.support.app import Client
from tests.support.factories import add_photos
from tests.support.long_paths import name_of, path_of


async def test_a_companion_path_too_long_is_422(client: Client, pool: asyncpg.Pool) -> None:
    (hothash,) = await add_photos(pool, [{}])
    url = f"/api/photos/{hothash}/companions"
    rng = random.Random(3)
    at_bound = "/raw/" + name_of(MAX_PATH_BYTES - len("/raw/"), rng, ".NEF")
    added = await client.post(url, json={"path": at_bound, "type": "RAW"})
    assert added.status_code == 201, added.text

    too_long = {
        "the tester's length": "/raw/" + name_of(3000, rng, ".NEF"),
        "one byte over": "/raw/" + name_of(MAX_PATH_BYTES + 1 - len("/raw/"), rng, ".NEF"),
        "few characters, many bytes": "/raw/" + "📷" * 600 + ".NEF",
        "the longest the API takes": "/" + "x" * 4095,
    }
    for case, path in too_long.items():
        response = await client.post(url, json={"path": path, "type": "RAW"})
        assert response.status_code == 422, (case, response.text)
        detail = response.json()["detail"]
        assert detail.startswith("path is too long for the catalog: "), (case, detail)
        assert f"{len(path.encode())} bytes, at most {MAX_PATH_BYTES}" in detail, case

    nul = await client.post(url, json={"path": "/raw/a\x00b.NEF", "type": "RAW"})
    assert nul.status_code == 422, nul.text
    files = (await client.get(f"/api/photos/{hothash}/files")).json()
    assert [f["file_path"] for f in files] == [at_bound]


async def test_a_watched_folder_too_long_for_its_files_is_422(
    client: Client, tmp_path: Path
) -> None:
    for size in (MAX_PATH_BYTES + 1, 3000):
        folder = path_of(tmp_path / str(size), size, suffix="", seed=size)
        folder.mkdir(parents=True)
        response = await client.post("/api/watched-folders", json={"path": str(folder)})
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert detail.startswith(f"path {folder} is too long for the catalog ({size} bytes"), detail
    assert (await client.get("/api/watched-folders")).json() == []
