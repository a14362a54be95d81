"""Who may do what on central: protocol version, machine tokens, the read-only mirror."""

from __future__ import annotations

import uuid

import asyncpg

from daemon.security import API_KEY_HEADER
from protocol.sync import INSTALLATION_HEADER, SYNC_VERSION_HEADER, SyncBatch
from tests.support.app import Client
from tests.support.central import RECEIVE, new_machine, photo, photographer, push, token_id

EMPTY = b'{"machine_name": "laptop", "after": 0, "upto": 0}'


async def test_another_protocol_version_is_refused_before_the_body(central: Client) -> None:
    laptop = await new_machine(central, "laptop")
    for version in (None, "2", "one"):
        headers = laptop.headers() | {API_KEY_HEADER: ""}
        if version is None:
            del headers[SYNC_VERSION_HEADER]
        else:
            headers[SYNC_VERSION_HEADER] = version
        response = await central.post(RECEIVE, content=b"not json", headers=headers)
        assert response.status_code == 409, response.text
        detail = response.json()["detail"]
        assert "sync protocol 1" in detail
        assert (version or "none") in detail


async def test_tokens_unknown_revoked_or_of_another_installation(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    for token in ("", "hpm_unknown", "not-even-prefixed", laptop.token + "x"):
        headers = laptop.headers() | {"Authorization": f"Bearer {token}", API_KEY_HEADER: ""}
        response = await central.post(RECEIVE, content=EMPTY, headers=headers)
        assert response.status_code == 401, (token, response.text)
    bad_id = laptop.headers() | {INSTALLATION_HEADER: "nope", API_KEY_HEADER: ""}
    assert (await central.post(RECEIVE, content=EMPTY, headers=bad_id)).status_code == 422
    await push(central, laptop, SyncBatch(after=0, upto=0, machine_name="laptop"))
    # Bound at first use: another installation with the same token is refused.
    stolen = laptop.headers() | {INSTALLATION_HEADER: str(uuid.uuid4()), API_KEY_HEADER: ""}
    response = await central.post(RECEIVE, content=EMPTY, headers=stolen)
    assert response.status_code == 403, response.text
    # A second active token for an installation that has one is refused too.
    second = await new_machine(central, "laptop-again")
    second.installation_id = laptop.installation_id
    await push(central, second, SyncBatch(after=0, upto=0, machine_name="laptop"), status=403)
    revoked = await central.post(f"/api/machines/{await token_id(central, 'laptop')}/revoke")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    await push(central, laptop, SyncBatch(after=0, upto=0, machine_name="laptop"), status=401)
    # With the old token revoked, the new one takes the installation over only with the
    # installation's secret, which this laptop never sent (tests/central/test_takeover.py).
    await push(central, second, SyncBatch(after=0, upto=0, machine_name="laptop"), status=403)


async def test_a_machine_token_opens_the_sync_endpoints_only(central: Client) -> None:
    laptop = await new_machine(central, "laptop")
    await push(central, laptop, SyncBatch(after=0, upto=0, machine_name="laptop"))
    as_machine = laptop.headers() | {API_KEY_HEADER: ""}
    for path in ("/api/photos", "/api/machines", "/api/settings"):
        assert (await central.get(path, headers=as_machine)).status_code == 401
    assert (
        await central.post("/api/machines", json={"name": "x"}, headers=as_machine)
    ).status_code == 401
    # The API key alone does not push.
    key_only = {SYNC_VERSION_HEADER: "1", INSTALLATION_HEADER: str(laptop.installation_id)}
    response = await central.post(RECEIVE, content=EMPTY, headers=key_only)
    assert response.status_code == 401, response.text
    assert "Bearer" in response.json()["detail"]


async def test_central_is_a_read_only_mirror(central: Client) -> None:
    laptop = await new_machine(central, "laptop")
    kari = photographer()
    shot = photo(1, kari.id)
    await push(
        central,
        laptop,
        SyncBatch(after=0, upto=0, machine_name="laptop", photographers=[kari], photos=[shot]),
    )
    assert (await central.get(f"/api/photos/{shot.hothash}")).status_code == 200
    refused = [
        ("PATCH", f"/api/photos/{shot.hothash}", {"rating": 3}),
        ("POST", "/api/photographers", {"name": "Eve"}),
        ("DELETE", f"/api/photographers/{kari.id}", None),
        ("POST", "/api/photos/batch/rating", {"hothashes": [shot.hothash], "rating": 2}),
    ]
    for method, path, body in refused:
        response = await central.request(method, path, json=body)
        assert response.status_code == 409, (method, path, response.text)
        assert "read-only mirror" in response.json()["detail"]
    assert (await central.get(f"/api/photos/{shot.hothash}")).json()["rating"] is None
    settings = await central.patch("/api/settings", json={"instance_name": "Central"})
    assert settings.status_code == 200, settings.text
    # Without the key, a write is 401 before it is 409.
    anonymous = await central.post(
        "/api/photographers", json={"name": "x"}, headers={API_KEY_HEADER: ""}
    )
    assert anonymous.status_code == 401


async def test_local_mode_has_no_central_endpoints(client: Client) -> None:
    assert (await client.get("/api/machines")).status_code == 404
    response = await client.post(RECEIVE, content=EMPTY, headers={SYNC_VERSION_HEADER: "1"})
    assert response.status_code in (404, 405)
