"""The upload path: a client on another machine sends its groups one by one."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg

from tests.support.app import Client
from tests.support.images import CORPUS, write_jpeg
from tests.support.registration import send, upload_session


async def test_upload_check_and_complete(
    client: Client, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    session = await upload_session(client)
    jpeg = write_jpeg(tmp_path / "IMG_1.jpg", 800, 600, seed=11)
    remote = "C:\\Users\\kjell\\Pictures\\IMG_1.JPG"
    check = await client.post(
        f"/api/input-sessions/{session}/check", json={"master_paths": [remote]}
    )
    assert check.json() == {"known": [], "unknown": [remote]}

    first = await send(
        client,
        session,
        jpeg,
        {
            "path": remote,
            "type": "JPEG",
            "companions": [{"path": "C:\\Users\\kjell\\Pictures\\IMG_1.CR2", "type": "RAW"}],
            "overrides": {"rating": 4, "tags": [" Summer ", "beach"]},
        },
    )
    assert first.status_code == 201, first.text
    assert first.json()["outcome"] == "registered"
    hothash = first.json()["hothash"]

    again = await send(client, session, jpeg, {"path": remote, "type": "JPEG"})
    assert (again.status_code, again.json()["outcome"]) == (200, "already_registered")
    copy = await send(client, session, jpeg, {"path": "D:\\backup\\IMG_1.JPG", "type": "JPEG"})
    assert (copy.status_code, copy.json()) == (200, {"outcome": "duplicate", "hothash": hothash})

    check = await client.post(
        f"/api/input-sessions/{session}/check",
        json={"master_paths": [remote, "D:\\backup\\IMG_1.JPG", "E:\\new.jpg"]},
    )
    assert check.json()["unknown"] == ["E:\\new.jpg"]

    async with pool.acquire() as conn:
        photo = await conn.fetchrow("SELECT * FROM photos")
        files = await conn.fetch("SELECT file_path, file_type FROM image_files ORDER BY 2")
    assert photo is not None
    assert (photo["rating"], photo["tags"], photo["hothash"]) == (4, ["beach", "summer"], hothash)
    assert [(f["file_path"], f["file_type"]) for f in files] == [
        (remote, "JPEG"),
        ("C:\\Users\\kjell\\Pictures\\IMG_1.CR2", "RAW"),
    ]

    done = await client.post(f"/api/input-sessions/{session}/complete")
    assert done.status_code == 200
    body = done.json()
    assert (
        body["status"],
        body["photo_count"],
        body["duplicate_count"],
        body["already_registered_count"],
    ) == ("completed", 1, 1, 1)
    late = await send(client, session, jpeg, {"path": "E:\\late.jpg", "type": "JPEG"})
    assert late.status_code == 409


async def test_an_undecodable_upload_is_422_and_listed(client: Client, tmp_path: Path) -> None:
    session = await upload_session(client)
    bad = tmp_path / "bad.jpg"
    bad.write_text("not a photo")
    response = await send(client, session, bad, {"path": "/remote/bad.jpg", "type": "JPEG"})
    assert response.status_code == 422
    assert "not an image" in response.json()["detail"]
    errors = (await client.get(f"/api/input-sessions/{session}/errors")).json()
    assert [e["file_path"] for e in errors] == ["/remote/bad.jpg"]


async def test_heic_uploads_keep_their_hothash(client: Client) -> None:
    session = await upload_session(client)
    response = await send(
        client,
        session,
        CORPUS / "heic" / "IMG_5195.HEIC",
        {"path": "/phone/IMG_5195.HEIC", "type": "HEIC"},
    )
    assert response.status_code == 201
    assert response.json()["hothash"].startswith("a9139070")


async def test_bad_metadata_is_422(client: Client, tmp_path: Path) -> None:
    session = await upload_session(client)
    jpeg = write_jpeg(tmp_path / "a.jpg", 100, 100, seed=1)
    for metadata, field in (
        ({"path": "/a.jpg", "type": "GIF"}, "type"),
        ({"type": "JPEG"}, "path"),
        ({"path": "/a.jpg", "type": "JPEG", "overrides": {"rating": 9}}, "rating"),
        (
            {"path": "/a.jpg", "type": "JPEG", "overrides": {"photographer_id": str(uuid.uuid4())}},
            "photographer_id",
        ),
    ):
        response = await send(client, session, jpeg, metadata)
        assert response.status_code == 422, metadata
        assert field in response.json()["detail"]
    broken = await client.post(
        f"/api/input-sessions/{session}/groups",
        files={"file": ("a.jpg", b"x", "image/jpeg")},
        data={"metadata": "{not json"},
    )
    assert broken.status_code == 422


async def test_only_upload_sessions_take_uploads(client: Client, tmp_path: Path) -> None:
    folder = tmp_path / "f"
    write_jpeg(folder / "x.jpg", 100, 100, seed=2)
    started = await client.post(
        "/api/input-sessions", json={"name": "f", "source_path": str(folder)}
    )
    session = started.json()["id"]
    for path, body in (
        (f"/api/input-sessions/{session}/check", {"master_paths": []}),
        (f"/api/input-sessions/{session}/complete", None),
    ):
        response = await client.post(path, json=body)
        assert response.status_code == 409
    missing = await client.post(
        f"/api/input-sessions/{uuid.uuid4()}/check", json={"master_paths": []}
    )
    assert missing.status_code == 404
