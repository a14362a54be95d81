"""`GET /api/folders`: a folder's visible subfolders, the places to start, the refusals."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from litestar.testing import AsyncTestClient

from daemon.app import create_app
from daemon.config import load_settings
from daemon.errors import Invalid
from daemon.security import API_KEY_HEADER
from daemon.services.folders import listing
from tests.support.app import Client


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """An empty folder to browse (the test's tmp_path holds the daemon's data folder)."""
    folder = tmp_path / "browse"
    folder.mkdir()
    return folder


async def folders(client: Client, path: str) -> dict[str, Any]:
    response = await client.get(f"/api/folders?path={quote(path, safe='')}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def refusal(client: Client, path: str) -> str:
    response = await client.get(f"/api/folders?path={quote(path, safe='')}")
    assert response.status_code == 422, response.text
    return response.json()["detail"]  # type: ignore[no-any-return]


async def test_visible_subfolders_by_name(client: Client, place: Path) -> None:
    for name in ("b", "A", "c", ".hidden", "Ørsta"):
        (place / name).mkdir()
    (place / "a file.txt").write_text("x")
    (place / "link").symlink_to(place / "c")
    (place / "dangling").symlink_to(place / "gone")
    (place / "c" / "deeper").mkdir()
    answer = await folders(client, str(place))
    assert answer["path"] == str(place)
    assert answer["parent"] == str(place.parent)
    assert [f["name"] for f in answer["folders"]] == ["A", "b", "c", "link", "Ørsta"]
    assert [f["path"] for f in answer["folders"]] == [
        str(place / f["name"]) for f in answer["folders"]
    ]
    assert (answer["truncated"], answer["skipped"]) == (False, 0)
    # A symlinked folder is opened where it was found; its folders are listed, not more.
    through_link = await folders(client, str(place / "link"))
    assert through_link["path"] == str(place / "link")
    assert through_link["parent"] == str(place)
    assert [f["path"] for f in through_link["folders"]] == [str(place / "link" / "deeper")]
    # Spelled with a trailing slash and a `.`: the same folder.
    assert (await folders(client, f"{place}/./"))["path"] == str(place)


async def test_more_than_a_thousand_are_cut_at_a_thousand(client: Client, place: Path) -> None:
    for n in range(1001):
        (place / f"{n:04d}").mkdir()
    answer = await folders(client, str(place))
    assert answer["truncated"] is True
    assert [f["name"] for f in answer["folders"]] == [f"{n:04d}" for n in range(1000)]
    (place / "1000").rmdir()
    assert (await folders(client, str(place)))["truncated"] is False


@pytest.mark.skipif(sys.platform == "win32", reason="Windows names are always valid Unicode")
async def test_names_that_are_not_text_are_counted_not_shown(client: Client, place: Path) -> None:
    try:
        # The byte 0xe9 (é in Latin-1) alone: Python names it with a lone surrogate.
        (place / "caf\udce9").mkdir()
    except OSError:
        pytest.skip("this filesystem refuses names that are not UTF-8")
    (place / "fine").mkdir()
    (place / ".hidden\udce9").mkdir()
    answer = await folders(client, str(place))
    assert [f["name"] for f in answer["folders"]] == ["fine"]
    assert answer["skipped"] == 1


async def test_what_is_no_readable_folder_is_422(client: Client, place: Path) -> None:
    (place / "photo.jpg").write_bytes(b"x")
    assert "is a file, not a folder" in await refusal(client, str(place / "photo.jpg"))
    assert "folder not found" in await refusal(client, str(place / "missing"))
    assert "must be an absolute path" in await refusal(client, "relative/folder")
    assert "must be an absolute path" in await refusal(client, "")
    assert "NUL" in await refusal(client, f"{place}\x00x")
    too_long = await refusal(client, "/" + "x" * 5000)
    assert "cannot be read" in too_long
    too_long_for_any_system = await client.get(f"/api/folders?path=/{'x' * 40_000}")
    assert too_long_for_any_system.status_code == 422


# As root every folder is readable: the listing is then asked for by a forked process
# that has become nobody, of a folder in a place nobody may pass through.
NOBODY = 65534


def _list_as_nobody(path: str, answer: Connection) -> None:
    os.setgid(NOBODY)
    os.setuid(NOBODY)

    def ask() -> None:
        try:
            asyncio.run(listing(path))
            answer.send("listed")
        except Invalid as refused:
            answer.send(str(refused))

    # A thread of its own: the forked thread still has the test's event loop as running.
    thread = threading.Thread(target=ask)
    thread.start()
    thread.join()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
async def test_an_unreadable_folder_is_422(client: Client) -> None:
    open_place = Path(tempfile.mkdtemp(prefix="hotprevue-folders-"))
    try:
        open_place.chmod(0o755)
        locked = open_place / "locked"
        locked.mkdir(mode=0o000)
        if os.geteuid() != 0:
            assert "cannot be read" in await refusal(client, str(locked))
            return
        ours, theirs = multiprocessing.get_context("fork").Pipe()
        child = multiprocessing.get_context("fork").Process(
            target=_list_as_nobody, args=(str(locked), theirs)
        )
        child.start()
        await asyncio.to_thread(child.join, 60)
        assert child.exitcode == 0
        assert ours.recv() == f"path cannot be read: {locked}: Permission denied"
    finally:
        shutil.rmtree(open_place, ignore_errors=True)


async def test_the_root_has_no_parent(client: Client) -> None:
    root = Path(Path.cwd().anchor)
    answer = await folders(client, str(root))
    assert (answer["path"], answer["parent"]) == (str(root), None)
    if sys.platform != "win32":
        assert (await folders(client, "//"))["path"] == "/"
    # Kernel filesystems are no places for photos, and registration refuses them.
    if Path("/proc/self").exists():
        assert "proc" not in [f["name"] for f in answer["folders"]]


async def test_without_a_path_the_places_to_start(client: Client) -> None:
    response = await client.get("/api/folders")
    assert response.status_code == 200
    answer = response.json()
    assert (answer["path"], answer["parent"], answer["truncated"]) == (None, None, False)
    places = {f["path"]: f["name"] for f in answer["folders"]}
    assert places[str(Path.home())] == "Home"
    if sys.platform != "win32":
        assert places["/"] == "Computer"
    assert all(Path(path).is_dir() for path in places)


async def test_central_has_no_folders(tmp_path: Path, database_url: str) -> None:
    central = load_settings(
        central=True, data_dir=tmp_path / "central", env={"DATABASE_URL": database_url}
    )
    app = create_app(central)
    key = central.paths.api_key.read_text().strip()
    async with AsyncTestClient(app=app, base_url="http://photos.example") as c:
        c.headers[API_KEY_HEADER] = key
        assert (await c.get("/api/settings")).status_code == 200
        assert (await c.get("/api/folders")).status_code == 404
        assert (await c.get(f"/api/folders?path={quote(str(tmp_path))}")).status_code == 404
