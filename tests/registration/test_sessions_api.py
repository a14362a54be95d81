"""Registration through the API: the corpus, duplicates, bad files, rules and lifecycle."""

from __future__ import annotations

import base64
import shutil
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from PIL import Image

from daemon.config import Settings
from daemon.services import input_sessions as sessions_service
from tests.support.app import Client
from tests.support.factories import finished, register
from tests.support.images import CORPUS, corpus_damaged, corpus_files, corpus_images, write_jpeg


async def all_rows(pool: asyncpg.Pool, sql: str, *args: Any) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return list(await conn.fetch(sql, *args))


@pytest.mark.corpus
async def test_the_corpus_registers(client: Client, pool: asyncpg.Pool, settings: Settings) -> None:
    # Every image file of the corpus in use becomes one photo; the known-damaged ones
    # (whole files whose picture decodes in part) are flagged, not refused.
    damaged = corpus_damaged()
    images = corpus_images()
    session = await register(client, CORPUS)
    assert session["status"] == "completed"
    assert session["photo_count"] == len(images)
    assert (session["damaged_count"], session["error_count"]) == (len(damaged), 0)
    assert session["groups_total"] == session["groups_done"] == len(images)
    flagged = (await client.get("/api/photos", params={"damaged": True, "limit": 1000})).json()
    assert len(flagged) == len(damaged)
    assert session["files_found"] == len(corpus_files())
    photos = await all_rows(pool, "SELECT * FROM photos")
    assert len(photos) == len(images)
    for photo in photos:
        cold = settings.coldpreview_dir / photo["coldpreview_path"]
        assert cold.is_file()
        with Image.open(cold) as image:
            assert max(image.size) <= 1200
        assert len(base64.b64decode(photo["hotpreview_b64"])) > 500
    masters = await all_rows(pool, "SELECT file_path FROM image_files WHERE is_master")
    assert sorted(row["file_path"] for row in masters) == sorted(str(p) for p in images)
    gps = await all_rows(
        pool,
        "SELECT p.location_lat, p.location_lng, p.location_source, "
        "p.location_accuracy FROM photos p JOIN image_files f "
        "ON f.photo_id = p.id WHERE f.file_path LIKE '%/gps/DSCN0010.jpg'",
    )
    assert gps[0]["location_lat"] == pytest.approx(43.4674483)
    assert (gps[0]["location_source"], gps[0]["location_accuracy"]) == (0, "exact")
    heic = await all_rows(
        pool,
        "SELECT p.* FROM photos p JOIN image_files f ON f.photo_id = p.id "
        "WHERE f.file_type IN ('HEIC', 'TIFF')",
    )
    not_jpeg = [p for p in images if p.suffix.lower() not in {".jpg", ".jpeg"}]
    assert len(heic) == len(not_jpeg)
    listed = (await client.get(f"/api/input-sessions/{session['id']}/photos?limit=1000")).json()
    assert len(listed) == len(images)
    assert all(item["master_path"].startswith(str(CORPUS)) for item in listed)


async def test_portrait_photos_stand_upright(
    client: Client, pool: asyncpg.Pool, settings: Settings
) -> None:
    await register(client, CORPUS / "jpg" / "orientation")
    rows = await all_rows(
        pool,
        "SELECT p.coldpreview_path, f.file_path FROM photos p "
        "JOIN image_files f ON f.photo_id = p.id",
    )
    assert len(rows) == 16
    for row in rows:
        with Image.open(settings.coldpreview_dir / row["coldpreview_path"]) as image:
            portrait = image.height > image.width
        assert portrait == ("portrait" in row["file_path"]), row["file_path"]


@pytest.mark.slow
async def test_two_sessions_over_one_folder_at_once_make_no_duplicates(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    folder = tmp_path / "card"
    for i in range(40):
        write_jpeg(folder / f"IMG_{i:04}.jpg", 1200, 900, seed=900 + i)
    started = [
        await client.post("/api/input-sessions", json={"name": n, "source_path": str(folder)})
        for n in ("first", "second")
    ]
    assert all(r.status_code == 201 for r in started)
    sessions = [await finished(client, r.json()["id"]) for r in started]
    assert all(s["status"] == "completed" for s in sessions), sessions
    # Each file is registered once, by one session or the other, and is never a
    # duplicate of itself.
    assert sum(s["photo_count"] for s in sessions) == 40
    assert sum(s["duplicate_count"] for s in sessions) == 0
    assert sum(s["photo_count"] + s["already_registered_count"] for s in sessions) == 80
    assert len(await all_rows(pool, "SELECT 1 FROM duplicate_files")) == 0
    assert len(await all_rows(pool, "SELECT 1 FROM photos")) == 40


async def test_second_run_skips_known_paths_and_a_copy_is_a_duplicate(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    folder = tmp_path / "card"
    shutil.copytree(CORPUS / "jpg" / "gps", folder)
    first = await register(client, folder)
    assert first["photo_count"] == 9
    again = await register(client, folder)
    assert (again["photo_count"], again["already_registered_count"]) == (0, 9)

    copy = tmp_path / "backup"
    copy.mkdir()
    shutil.copy(folder / "DSCN0010.jpg", copy / "renamed.jpg")
    dup = await register(client, copy)
    assert (dup["photo_count"], dup["duplicate_count"]) == (0, 1)
    rows = await all_rows(pool, "SELECT file_path, session_id FROM duplicate_files")
    assert [(r["file_path"], str(r["session_id"])) for r in rows] == [
        (str(copy / "renamed.jpg"), dup["id"])
    ]
    # Known as a duplicate now: a rescan skips it without decoding.
    rescan = await register(client, copy)
    assert (rescan["duplicate_count"], rescan["already_registered_count"]) == (0, 1)
    assert len(await all_rows(pool, "SELECT 1 FROM photos")) == 9


async def test_bad_files_are_listed_and_good_ones_register(client: Client, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(CORPUS / "jpg" / "Canon_40D.jpg", folder / "good.jpg")
    (folder / "zero.jpg").write_bytes(b"")
    data = (CORPUS / "jpg" / "hdr" / "canon_hdr_NO.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(data[: len(data) // 4])
    (folder / "text.jpg").write_text("not a photo")
    Image.new("1", (20000, 20000)).save(folder / "bomb.png")
    (folder / "readme.txt").write_text("ignored")
    session = await register(client, folder)
    assert session["status"] == "completed"
    assert (session["photo_count"], session["error_count"]) == (1, 4)
    assert session["files_ignored"] == 1
    errors = (await client.get(f"/api/input-sessions/{session['id']}/errors")).json()
    by_file = {Path(e["file_path"]).name: e["error"] for e in errors}
    assert set(by_file) == {"zero.jpg", "truncated.jpg", "text.jpg", "bomb.png"}
    assert "empty" in by_file["zero.jpg"]
    assert "too large" in by_file["bomb.png"]


async def test_raw_and_sidecar_files_join_their_jpeg(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    write_jpeg(tmp_path / "shoot" / "IMG_0001.JPG", 800, 600, seed=5)
    (tmp_path / "shoot" / "IMG_0001.CR2").write_bytes(b"raw bytes, never decoded")
    session = await register(client, tmp_path / "shoot")
    assert session["photo_count"] == 1
    files = await all_rows(pool, "SELECT file_type, is_master FROM image_files ORDER BY 1")
    assert [(f["file_type"], f["is_master"]) for f in files] == [("JPEG", True), ("RAW", False)]
    (tmp_path / "shoot" / "IMG_0001.xmp").write_text("<x:xmpmeta/>")
    later = await register(client, tmp_path / "shoot")
    assert later["already_registered_count"] == 1
    types = await all_rows(pool, "SELECT file_type FROM image_files ORDER BY 1")
    assert [t["file_type"] for t in types] == ["JPEG", "RAW", "XMP"]


async def test_registering_a_trashed_photo_restores_it(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    write_jpeg(tmp_path / "a" / "one.jpg", 400, 300, seed=9)
    await register(client, tmp_path / "a")
    async with pool.acquire() as conn:
        await conn.execute("UPDATE photos SET deleted_at = now()")
    await register(client, tmp_path / "a")
    rows = await all_rows(pool, "SELECT deleted_at FROM photos")
    assert [r["deleted_at"] for r in rows] == [None]
    # The same picture at a new path restores it too.
    async with pool.acquire() as conn:
        await conn.execute("UPDATE photos SET deleted_at = now()")
    shutil.copy(tmp_path / "a" / "one.jpg", tmp_path / "copy.jpg")
    (tmp_path / "b").mkdir()
    shutil.move(tmp_path / "copy.jpg", tmp_path / "b" / "copy.jpg")
    await register(client, tmp_path / "b")
    rows = await all_rows(pool, "SELECT deleted_at FROM photos")
    assert [r["deleted_at"] for r in rows] == [None]


async def test_session_defaults_reach_the_photos(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    kjell = (await client.post("/api/photographers", json={"name": "Kjell"})).json()
    async with pool.acquire() as conn:
        event = await conn.fetchval("INSERT INTO events (name) VALUES ('Trip') RETURNING id")
    write_jpeg(tmp_path / "trip" / "x.jpg", 300, 200, seed=2)
    session = await register(
        client, tmp_path / "trip", default_photographer_id=kjell["id"], default_event_id=str(event)
    )
    rows = await all_rows(pool, "SELECT photographer_id, event_id, input_session_id FROM photos")
    assert (
        str(rows[0]["photographer_id"]),
        rows[0]["event_id"],
        str(rows[0]["input_session_id"]),
    ) == (kjell["id"], event, session["id"])


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("/no/such/folder", "not found"),
        ("relative/path", "absolute"),
    ],
)
async def test_unusable_source_paths_are_422(client: Client, source: str, message: str) -> None:
    response = await client.post("/api/input-sessions", json={"name": "x", "source_path": source})
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert (await client.get("/api/input-sessions")).json() == []


async def test_a_file_is_not_a_folder(client: Client) -> None:
    path = CORPUS / "jpg" / "Canon_40D.jpg"
    response = await client.post(
        "/api/input-sessions", json={"name": "x", "source_path": str(path)}
    )
    assert response.status_code == 422
    assert "not a folder" in response.json()["detail"]


async def test_unknown_references_are_422(client: Client) -> None:
    for field in ("default_photographer_id", "default_event_id"):
        response = await client.post(
            "/api/input-sessions",
            json={"name": "x", "source_path": str(CORPUS), field: str(uuid.uuid4())},
        )
        assert response.status_code == 422
        assert field in response.json()["detail"]


async def test_unknown_session_is_404(client: Client) -> None:
    missing = uuid.uuid4()
    for path in (
        f"/api/input-sessions/{missing}",
        f"/api/input-sessions/{missing}/errors",
        f"/api/input-sessions/{missing}/photos",
    ):
        assert (await client.get(path)).status_code == 404
    assert (await client.post(f"/api/input-sessions/{missing}/cancel")).status_code == 404
    assert (await client.delete(f"/api/input-sessions/{missing}")).status_code == 404


@pytest.mark.slow
async def test_cancel_keeps_what_was_registered(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    for i in range(60):
        write_jpeg(tmp_path / "many" / f"{i:03}.jpg", 1600, 1200, seed=100 + i)
    started = await client.post(
        "/api/input-sessions", json={"name": "many", "source_path": str(tmp_path / "many")}
    )
    session_id = started.json()["id"]
    cancelled = await client.post(f"/api/input-sessions/{session_id}/cancel")
    assert cancelled.status_code == 200
    body = cancelled.json()
    assert body["status"] == "cancelled"
    count = len(await all_rows(pool, "SELECT 1 FROM photos"))
    assert count == body["photo_count"] < 60
    again = await client.post(f"/api/input-sessions/{session_id}/cancel")
    assert again.status_code == 409
    # Registering again finishes the job: every file exactly once.
    rest = await register(client, tmp_path / "many")
    assert rest["photo_count"] + count == 60
    assert len(await all_rows(pool, "SELECT 1 FROM photos")) == 60


async def test_delete_keeps_the_photos(client: Client, pool: asyncpg.Pool, tmp_path: Path) -> None:
    write_jpeg(tmp_path / "d" / "x.jpg", 300, 200, seed=4)
    (tmp_path / "d" / "bad.jpg").write_text("bad")
    session = await register(client, tmp_path / "d")
    response = await client.delete(f"/api/input-sessions/{session['id']}")
    assert response.status_code == 204
    assert (await client.get(f"/api/input-sessions/{session['id']}")).status_code == 404
    rows = await all_rows(pool, "SELECT input_session_id FROM photos")
    assert [r["input_session_id"] for r in rows] == [None]
    assert await all_rows(pool, "SELECT 1 FROM session_errors") == []


async def test_sessions_left_running_are_marked_interrupted(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        photographer = await conn.fetchval(
            "INSERT INTO photographers (name) VALUES ('p') RETURNING id"
        )
        session = await conn.fetchval(
            "INSERT INTO input_sessions (name, source_path, default_photographer_id, status) "
            "VALUES ('x', '/x', $1, 'running') RETURNING id",
            photographer,
        )
    assert await sessions_service.mark_interrupted(pool) == [session]
    rows = await all_rows(pool, "SELECT status, completed_at, failure FROM input_sessions")
    assert rows[0]["status"] == "interrupted"
    assert rows[0]["completed_at"] is not None
    assert "register the folder again" in rows[0]["failure"]


async def test_list_is_newest_first(client: Client, tmp_path: Path) -> None:
    write_jpeg(tmp_path / "one" / "a.jpg", 100, 100, seed=1)
    first = await register(client, tmp_path / "one")
    second = await register(client, tmp_path / "one")
    listed = (await client.get("/api/input-sessions")).json()
    assert [s["id"] for s in listed] == [second["id"], first["id"]]
    assert (await client.get("/api/input-sessions?limit=0")).status_code == 422
