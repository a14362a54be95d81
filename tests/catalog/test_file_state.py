"""Where a photo's files are: `GET /api/photos?file_state=…` and each file's state."""

from __future__ import annotations

import asyncpg
import pytest

from daemon.errors import Conflict
from daemon.services import settings as settings_service
from tests.support.app import Client
from tests.support.factories import add_photos, listing

# Per photo: its master file's state and its other files' states.
LAYOUT = {
    "online": ("online", ["online"]),
    "offline": ("offline", ["offline"]),
    "missing": ("missing", []),
    # A companion somewhere else does not change where the photo is.
    "online-companion-missing": ("online", ["missing"]),
    "offline-companion-online": ("offline", ["online"]),
}


async def seed(pool: asyncpg.Pool) -> dict[str, str]:
    """One photo per entry of LAYOUT; its name → its hothash."""
    hothashes = await add_photos(pool, [{} for _ in LAYOUT])
    async with pool.acquire() as conn:
        for (name, (master, others)), hothash in zip(LAYOUT.items(), hothashes, strict=True):
            files = [(True, master), *((False, state) for state in others)]
            for n, (is_master, state) in enumerate(files):
                await conn.execute(
                    "INSERT INTO image_files (photo_id, file_path, file_type, is_master, state, "
                    "state_changed_at) SELECT id, $2, 'JPEG', $3, $4, "
                    "CASE WHEN $4 <> 'online' THEN clock_timestamp() END "
                    "FROM photos WHERE hothash = $1",
                    hothash,
                    f"/photos/{name}/{n}.jpg",
                    is_master,
                    state,
                )
    return dict(zip(LAYOUT, hothashes, strict=True))


@pytest.mark.parametrize("state", ["online", "offline", "missing"])
async def test_filter_by_the_master_files_state(
    client: Client, pool: asyncpg.Pool, state: str
) -> None:
    photos = await seed(pool)
    expected = {photos[name] for name, (master, _) in LAYOUT.items() if master == state}
    assert set(await listing(client, f"?file_state={state}")) == expected
    assert len(await listing(client)) == len(LAYOUT)


async def test_the_filter_combines_with_the_others(client: Client, pool: asyncpg.Pool) -> None:
    photos = await seed(pool)
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE photos SET rating = 5 WHERE hothash = ANY($1::text[])",
            [photos["offline"], photos["online"]],
        )
    assert await listing(client, "?file_state=offline&rating_min=5") == [photos["offline"]]
    trashed = await client.post(f"/api/photos/{photos['offline']}/delete")
    assert trashed.status_code in (200, 201), trashed.text
    assert await listing(client, "?file_state=offline&rating_min=5") == []
    assert await listing(client, "?file_state=offline&deleted=true") == [photos["offline"]]


async def test_each_file_shows_its_state(client: Client, pool: asyncpg.Pool) -> None:
    photos = await seed(pool)
    detail = (await client.get(f"/api/photos/{photos['offline-companion-online']}")).json()
    files = [(f["is_master"], f["state"], f["state_changed_at"] is None) for f in detail["files"]]
    assert files == [(True, "offline", False), (False, "online", True)]
    listed = (await client.get(f"/api/photos/{photos['online-companion-missing']}/files")).json()
    assert [(f["is_master"], f["state"]) for f in listed] == [(True, "online"), (False, "missing")]


@pytest.mark.parametrize(
    "query",
    ["gone", "ONLINE", "", "online%00", "offline,missing", "%E2%80%AE", "x" * 5000],
)
async def test_an_unknown_state_is_422(client: Client, pool: asyncpg.Pool, query: str) -> None:
    await seed(pool)
    response = await client.get(f"/api/photos?file_state={query}")
    assert response.status_code == 422, response.text
    assert "file_state" in response.json()["detail"]


async def test_the_state_is_never_anything_else(pool: asyncpg.Pool) -> None:
    await settings_service.bootstrap(pool)
    await seed(pool)
    async with pool.acquire() as conn:
        with pytest.raises(Conflict, match="not a file state"):
            await conn.execute("UPDATE image_files SET state = 'deleted'")
