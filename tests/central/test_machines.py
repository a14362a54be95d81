"""`/api/machines` and `hotprevue machines`: tokens made, listed and revoked."""

from __future__ import annotations

import asyncpg

from protocol.sync import TOKEN_PREFIX, SyncBatch
from tests.support.app import Client
from tests.support.central import new_machine, push


async def test_tokens_are_made_listed_and_revoked(central: Client, pool: asyncpg.Pool) -> None:
    made = await central.post("/api/machines", json={"name": "laptop"})
    assert made.status_code == 201
    token = made.json()["token"]
    assert token.startswith(TOKEN_PREFIX)
    assert len(token) > 40
    async with pool.acquire() as conn:
        stored = await conn.fetchval("SELECT token_sha256 FROM machine_tokens")
    assert token.encode() not in stored
    assert (await central.post("/api/machines", json={"name": "laptop"})).status_code == 409
    assert (await central.post("/api/machines", json={"name": " "})).status_code == 422
    assert (await central.post("/api/machines", json={"name": ""})).status_code == 422
    desk = await new_machine(central, "desk")
    await push(central, desk, SyncBatch(after=0, upto=0, machine_name="the desk"))
    listed = {m["name"]: m for m in (await central.get("/api/machines")).json()}
    assert listed["laptop"]["installation_id"] is None
    assert listed["desk"]["installation_id"] == str(desk.installation_id)
    assert listed["desk"]["machine_name"] == "the desk"
    assert listed["desk"]["last_sync_at"] is not None
    assert "token" not in listed["desk"]
    revoked = await central.post(f"/api/machines/{listed['desk']['id']}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    again = await central.post(f"/api/machines/{listed['desk']['id']}/revoke")
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    assert (
        await central.post("/api/machines/00000000-0000-0000-0000-000000000000/revoke")
    ).status_code == 404
    # The name is free again; the revoked token stays listed, after the active ones.
    assert (await central.post("/api/machines", json={"name": "desk"})).status_code == 201
    names = [
        (m["name"], m["revoked_at"] is None) for m in (await central.get("/api/machines")).json()
    ]
    assert names == [("desk", True), ("laptop", True), ("desk", False)]
