"""The daemon's own folders are never registered, whatever path leads there."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from daemon.config import Settings
from tests.support.app import Client
from tests.support.factories import register
from tests.support.images import write_jpeg


async def test_a_folder_inside_the_daemons_own_is_422(
    client: Client, settings: Settings, tmp_path: Path
) -> None:
    await register(client, _photos(tmp_path))  # previews for a registration to feed on
    link = tmp_path / "innocent"
    link.symlink_to(settings.coldpreview_dir)
    inside = next(p for p in settings.coldpreview_dir.iterdir() if p.is_dir())
    for source in (settings.data_dir, settings.coldpreview_dir, inside, link, f"{link}/."):
        response = await client.post(
            "/api/input-sessions", json={"name": "x", "source_path": str(source)}
        )
        assert response.status_code == 422, (source, response.text)
        detail = response.json()["detail"]
        assert "is inside the daemon's own folder" in detail, detail
        assert str(settings.data_dir) in detail
    sessions = (await client.get("/api/input-sessions")).json()
    assert len(sessions) == 1


async def test_a_folder_holding_the_daemons_own_registers_around_it(
    client: Client, pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    first = await register(client, _photos(tmp_path))
    assert first["photo_count"] == 2
    (tmp_path / "photos" / "previews").symlink_to(settings.coldpreview_dir)
    assert settings.data_dir.parent == tmp_path

    around = await register(client, tmp_path)
    assert around["status"] == "completed", around["failure"]
    assert (around["photo_count"], around["already_registered_count"]) == (0, 2)
    errors = (await client.get(f"/api/input-sessions/{around['id']}/errors")).json()
    assert [(e["file_path"], e["message"]) for e in errors] == [
        (
            str(settings.data_dir),
            "Hotprevue keeps its catalog and previews here; they are never registered as photos.",
        )
    ]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM photos") == 2


def _photos(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    for n in range(2):
        write_jpeg(folder / f"IMG_{n}.jpg", 96, 64, seed=40 + n)
    return folder
