"""The watch settings in `/api/settings`: defaults, bounds, and the watcher following them."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg
import pytest

from daemon.errors import Invalid
from daemon.store.errors import CONSTRAINTS
from tests.support.app import Client

WAIT = 60.0


async def test_defaults(client: Client) -> None:
    body = (await client.get("/api/settings")).json()
    assert (
        body["watching_enabled"],
        body["watch_quiet_seconds"],
        body["watch_rescan_minutes"],
    ) == (
        True,
        5.0,
        60,
    )


@pytest.mark.parametrize(
    "change",
    [
        {"watching_enabled": False},
        {"watch_quiet_seconds": 0.1},
        {"watch_quiet_seconds": 3600},
        {"watch_quiet_seconds": 2.5},
        {"watch_rescan_minutes": 1},
        {"watch_rescan_minutes": 10_080},
        {"watching_enabled": False, "watch_quiet_seconds": 30, "watch_rescan_minutes": 5},
    ],
)
async def test_patch_sets_them(client: Client, change: dict[str, object]) -> None:
    before = (await client.get("/api/settings")).json()
    response = await client.patch("/api/settings", json=change)
    assert response.status_code == 200, response.text
    assert response.json() == {**before, **change}
    assert (await client.get("/api/settings")).json() == response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"watch_quiet_seconds": 0.05}, "watch_quiet_seconds"),
        ({"watch_quiet_seconds": 0}, "watch_quiet_seconds"),
        ({"watch_quiet_seconds": -1}, "watch_quiet_seconds"),
        ({"watch_quiet_seconds": 3600.5}, "watch_quiet_seconds"),
        ({"watch_quiet_seconds": "5"}, "watch_quiet_seconds"),
        ({"watch_quiet_seconds": None}, "watch_quiet_seconds"),
        ({"watch_rescan_minutes": 0}, "watch_rescan_minutes"),
        ({"watch_rescan_minutes": 10_081}, "watch_rescan_minutes"),
        ({"watch_rescan_minutes": 2**63}, "watch_rescan_minutes"),
        ({"watch_rescan_minutes": 1.5}, "watch_rescan_minutes"),
        ({"watch_rescan_minutes": "60"}, "watch_rescan_minutes"),
        ({"watching_enabled": "false"}, "watching_enabled"),
        ({"watching_enabled": 0}, "watching_enabled"),
        ({"watching_enabled": None}, "watching_enabled"),
    ],
)
async def test_invalid_values_are_422_naming_the_field(
    client: Client, body: dict[str, object], field: str
) -> None:
    before = (await client.get("/api/settings")).json()
    response = await client.patch("/api/settings", json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]
    assert (await client.get("/api/settings")).json() == before


@pytest.mark.parametrize("number", [b"1e400", b"-1e400", b"NaN", b"Infinity"])
async def test_numbers_beyond_floats_are_422(client: Client, number: bytes) -> None:
    response = await client.patch(
        "/api/settings",
        content=b'{"watch_quiet_seconds": ' + number + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert (await client.get("/api/settings")).json()["watch_quiet_seconds"] == 5.0


@pytest.mark.parametrize(
    ("column", "value"),
    [("watch_quiet_seconds", 0.01), ("watch_rescan_minutes", 20_000)],
)
async def test_the_table_refuses_out_of_range_values_in_the_same_words(
    pool: asyncpg.Pool, client: Client, column: str, value: float
) -> None:
    # The request's bounds and the table's checks agree: a row can never hold what the
    # API would refuse.
    async with pool.acquire() as conn:
        with pytest.raises(Invalid, match=column) as raised:
            await conn.execute(f"UPDATE system_settings SET {column} = $1", value)
    assert str(raised.value) == CONSTRAINTS[f"system_settings_{column}_check"].message


async def test_the_watcher_follows_watching_enabled(client: Client, tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    created = await client.post("/api/watched-folders", json={"path": str(tmp_path / "photos")})
    assert created.status_code == 201, created.text
    url = f"/api/watched-folders/{created.json()['id']}"
    assert (await _state_becomes(client, url, {"watching", "polling"})) in {"watching", "polling"}
    assert (await client.patch("/api/settings", json={"watching_enabled": False})).is_success
    assert (await client.get(url)).json()["state"] == "disabled"
    assert (await client.patch("/api/settings", json={"watching_enabled": True})).is_success
    # Taken up again from scratch: not watched until the watcher has re-read the settings.
    assert (await _state_becomes(client, url, {"watching", "polling"})) in {"watching", "polling"}


async def _state_becomes(client: Client, url: str, wanted: set[str]) -> str:
    deadline = time.monotonic() + WAIT
    while True:
        state: str = (await client.get(url)).json()["state"]
        if state in wanted or time.monotonic() > deadline:
            return state
        await asyncio.sleep(0.1)
