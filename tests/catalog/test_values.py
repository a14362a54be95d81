"""One rule per value, whichever way it comes in: tags, times with their offset, sources."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from protocol.photos import Source
from tests.support.app import Client
from tests.support.images import photo_like

ROW = "SELECT taken_at, taken_at_offset, taken_at_source, tags FROM photos WHERE hothash = $1"


async def _upload(client: Client, tmp_path: Path, seed: int, overrides: dict[str, Any]) -> str:
    session = await client.post(
        "/api/input-sessions", json={"name": "Laptop", "source_path": "/remote", "upload": True}
    )
    assert session.status_code == 201, session.text
    jpeg = tmp_path / f"{seed}.jpg"
    photo_like(320, 240, seed).save(jpeg, "JPEG", quality=85)
    response = await client.post(
        f"/api/input-sessions/{session.json()['id']}/groups",
        files={"file": (jpeg.name, jpeg.read_bytes(), "application/octet-stream")},
        data={
            "metadata": json.dumps(
                {"path": f"/remote/{jpeg.name}", "type": "JPEG", "overrides": overrides}
            )
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["hothash"])


@pytest.mark.parametrize(
    "taken_at",
    [
        "2023-07-14T18:30:00+02:00",
        "2023-07-14T18:30:00.250000-09:30",
        "2023-07-14T18:30:00Z",
        "2023-07-14T18:30:00",
        "1850-01-01T00:00:00+18:00",
    ],
)
async def test_an_upload_override_and_a_patch_store_the_same_row(
    client: Client, pool: asyncpg.Pool, tmp_path: Path, taken_at: str
) -> None:
    tags = [" Summer ", "BEACH", "beach", "  "]
    uploaded = await _upload(client, tmp_path, 1, {"taken_at": taken_at, "tags": tags})
    patched = await _upload(client, tmp_path, 2, {})
    response = await client.patch(
        f"/api/photos/{patched}", json={"taken_at": taken_at, "tags": tags}
    )
    assert response.status_code == 200, response.text
    async with pool.acquire() as conn:
        by_upload = dict((await conn.fetch(ROW, uploaded))[0])
        by_patch = dict((await conn.fetch(ROW, patched))[0])
    assert by_upload == by_patch
    assert by_upload["taken_at_source"] == Source.MANUAL
    assert by_upload["tags"] == ["beach", "summer"]
    if taken_at.endswith("Z") or "+" in taken_at[10:] or "-" in taken_at[10:]:
        assert by_upload["taken_at_offset"] is not None
    else:
        assert by_upload["taken_at_offset"] is None


async def test_every_source_the_schema_allows_has_a_name(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        checks = await conn.fetch(
            "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint "
            "WHERE conname IN ('photos_taken_at_source_check', 'photos_location_source_check')"
        )
    assert len(checks) == 2
    for check in checks:
        allowed = {int(n) for n in re.findall(r"\d+", check["def"].split("ARRAY")[1])}
        assert allowed == {source.value for source in Source}, check["conname"]


async def test_tag_filters_and_prefixes_follow_the_same_rule(
    client: Client, tmp_path: Path
) -> None:
    photo = await _upload(client, tmp_path, 1, {"tags": ["Summer Trip"]})
    listed = await client.get("/api/photos", params={"tags": "  SUMMER TRIP "})
    assert [p["hothash"] for p in listed.json()] == [photo]
    prefixed = await client.get("/api/tags", params={"q": " SUM"})
    assert [t["tag"] for t in prefixed.json()] == ["summer trip"]
    batch = await client.post(
        "/api/photos/batch/tags/remove", json={"hothashes": [photo], "tags": [" summer TRIP"]}
    )
    assert batch.json()["updated"] == [photo]
    assert (await client.get(f"/api/photos/{photo}")).json()["tags"] == []
