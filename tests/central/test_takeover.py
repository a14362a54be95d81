"""A new token binds to a new installation, or to one that pushed before only with that
installation's secret: a stranger's token never takes a revoked machine's rows over."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from typing import Any

import asyncpg
import msgspec

from daemon.security import API_KEY_HEADER
from daemon.sync import transport
from protocol.sync import INSTALLATION_SECRET_HEADER, SyncBatch, SyncDeletion
from tests.support.app import Client
from tests.support.central import RECEIVE, Machine, new_machine, photo, photographer, token_id


async def send(
    central: Client,
    machine: Machine,
    secret: str | None,
    batch: SyncBatch | None = None,
    *,
    status: int = 200,
) -> Any:
    """POST one batch as the machine, with its installation secret when it has one."""
    headers = machine.headers() | {API_KEY_HEADER: "", "Content-Type": "application/json"}
    if secret is not None:
        headers[INSTALLATION_SECRET_HEADER] = secret
    body = batch or SyncBatch(after=0, upto=0, machine_name=machine.name)
    response = await central.post(RECEIVE, content=msgspec.json.encode(body), headers=headers)
    assert response.status_code == status, response.text
    return response.json()


async def revoke(central: Client, name: str) -> None:
    response = await central.post(f"/api/machines/{await token_id(central, name)}/revoke")
    assert response.status_code == 200, response.text


async def stored_secret(pool: asyncpg.Pool, installation_id: uuid.UUID) -> bytes | None:
    async with pool.acquire() as conn:
        found: bytes | None = await conn.fetchval(
            "SELECT secret_sha256 FROM registered_machines WHERE installation_id = $1",
            installation_id,
        )
    return found


def sha256(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def test_a_new_token_does_not_take_over_a_revoked_installation(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    secret = secrets.token_urlsafe(32)
    kari = photographer()
    shot = photo(1, kari.id)
    first = SyncBatch(after=0, upto=1, machine_name="laptop", photographers=[kari], photos=[shot])
    await send(central, laptop, secret, first)
    await revoke(central, "laptop")

    desk = await new_machine(central, "desk")
    stranger = Machine(laptop.installation_id, desk.token, "desk")
    wiping = SyncBatch(
        after=1,
        upto=2,
        machine_name="not the laptop",
        deletions=[SyncDeletion(entity="photographers", key=str(kari.id))],
    )
    for sent, why in (
        (None, "sends no installation secret: update it"),
        ("", "sends no installation secret: update it"),
        (secrets.token_urlsafe(32), "is not that installation's"),
        (secret.upper(), "is not that installation's"),
    ):
        refused = await send(central, stranger, sent, wiping, status=403)
        assert why in refused["detail"]
        assert f"--installation {laptop.installation_id}" in refused["detail"]

    async with pool.acquire() as conn:
        kept = await conn.fetchval(
            "SELECT count(*) FROM photographers WHERE id = $1 AND origin = $2",
            kari.id,
            laptop.installation_id,
        )
        name = await conn.fetchval(
            "SELECT machine_name FROM registered_machines WHERE installation_id = $1",
            laptop.installation_id,
        )
    assert (kept, name) == (1, "laptop")
    assert (await central.get(f"/api/photos/{shot.hothash}")).status_code == 200
    listed = {m["name"]: m for m in (await central.get("/api/machines")).json()}
    assert listed["desk"]["installation_id"] is None
    assert await stored_secret(pool, laptop.installation_id) == sha256(secret)
    # The token still binds to an installation of its own.
    await send(central, Machine(uuid.uuid4(), desk.token, "desk"), None)


async def test_the_machine_itself_takes_its_installation_back_with_its_secret(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    secret = secrets.token_urlsafe(32)
    kari = photographer()
    await send(central, laptop, secret, SyncBatch(after=0, upto=1, machine_name="laptop"))
    await send(
        central,
        laptop,
        secret,
        SyncBatch(after=1, upto=2, machine_name="laptop", photographers=[kari]),
    )
    await revoke(central, "laptop")
    await send(central, laptop, secret, status=401)

    again = await new_machine(central, "laptop again")
    back = Machine(laptop.installation_id, again.token, "laptop")
    deleting = SyncBatch(
        after=2,
        upto=3,
        machine_name="laptop",
        deletions=[SyncDeletion(entity="photographers", key=str(kari.id))],
    )
    assert (await send(central, back, secret, deleting))["deleted"] == 1
    listed = {m["name"]: m for m in (await central.get("/api/machines")).json()}
    assert listed["laptop again"]["installation_id"] == str(laptop.installation_id)


async def test_an_older_machine_binds_freely_and_proves_itself_once_updated(
    central: Client, pool: asyncpg.Pool
) -> None:
    # A Hotprevue that sends no secret binds a new installation as before.
    old = await new_machine(central, "old laptop")
    await send(central, old, None)
    assert await stored_secret(pool, old.installation_id) is None
    await revoke(central, "old laptop")
    # Nothing to compare a secret with: no new token takes it over on its own.
    taker = await new_machine(central, "taker")
    theirs = Machine(old.installation_id, taker.token, "taker")
    refused = await send(central, theirs, secrets.token_urlsafe(32), status=403)
    assert "central holds no secret of it to compare" in refused["detail"]

    # Updated while its token is active, the machine's token vouches for its first secret.
    laptop = await new_machine(central, "laptop")
    await send(central, laptop, None)
    secret, other = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    await send(central, laptop, secret, SyncBatch(after=0, upto=1, machine_name="laptop"))
    assert await stored_secret(pool, laptop.installation_id) == sha256(secret)
    await send(central, laptop, other, SyncBatch(after=1, upto=2, machine_name="laptop"))
    assert await stored_secret(pool, laptop.installation_id) == sha256(secret)
    await revoke(central, "laptop")
    again = await new_machine(central, "laptop again")
    back = Machine(laptop.installation_id, again.token, "laptop")
    await send(central, back, other, status=403)
    await send(central, back, None, status=403)
    await send(central, back, secret, SyncBatch(after=2, upto=3, machine_name="laptop"))


async def test_the_administrator_hands_an_installation_to_a_new_token(
    central: Client, pool: asyncpg.Pool
) -> None:
    laptop = await new_machine(central, "laptop")
    await send(central, laptop, secrets.token_urlsafe(32))
    unknown = uuid.uuid4()
    refused = await central.post(
        "/api/machines", json={"name": "x", "installation_id": str(unknown)}
    )
    assert refused.status_code == 404, refused.text
    assert str(unknown) in refused.json()["detail"]
    busy = await central.post(
        "/api/machines", json={"name": "x", "installation_id": str(laptop.installation_id)}
    )
    assert busy.status_code == 409, busy.text
    assert "'laptop'" in busy.json()["detail"]
    bad = await central.post("/api/machines", json={"name": "x", "installation_id": "nope"})
    assert bad.status_code == 422

    # The machine lost its secret: the administrator vouches for it.
    await revoke(central, "laptop")
    made = await central.post(
        "/api/machines",
        json={"name": "laptop again", "installation_id": str(laptop.installation_id)},
    )
    assert made.status_code == 201, made.text
    assert await stored_secret(pool, laptop.installation_id) is None
    listed = {m["name"]: m for m in (await central.get("/api/machines")).json()}
    assert listed["laptop again"]["installation_id"] == str(laptop.installation_id)
    # Bound already: another token neither takes it, nor is the handed one good elsewhere.
    stranger = await new_machine(central, "stranger")
    await send(central, Machine(laptop.installation_id, stranger.token, "s"), None, status=403)
    handed = Machine(laptop.installation_id, made.json()["token"], "laptop")
    await send(central, Machine(uuid.uuid4(), handed.token, "laptop"), None, status=403)
    new_secret = secrets.token_urlsafe(32)
    await send(central, handed, new_secret, SyncBatch(after=0, upto=1, machine_name="laptop"))
    assert await stored_secret(pool, laptop.installation_id) == sha256(new_secret)


async def test_two_new_tokens_binding_one_new_installation_at_once(
    central: Client, pool: asyncpg.Pool
) -> None:
    installation = uuid.uuid4()
    one, two = await new_machine(central, "one"), await new_machine(central, "two")
    secret_one, secret_two = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    answers = await asyncio.gather(
        *(
            central.post(
                RECEIVE,
                content=msgspec.json.encode(SyncBatch(after=0, upto=0, machine_name="m")),
                headers=Machine(installation, machine.token, "m").headers()
                | {API_KEY_HEADER: "", INSTALLATION_SECRET_HEADER: secret},
            )
            for machine, secret in ((one, secret_one), (two, secret_two))
        )
    )
    assert sorted(answer.status_code for answer in answers) == [200, 403], [
        answer.text for answer in answers
    ]
    won = secret_one if answers[0].status_code == 200 else secret_two
    assert await stored_secret(pool, installation) == sha256(won)


async def test_an_installation_keeps_one_secret(pool: asyncpg.Pool) -> None:
    made = await asyncio.gather(*(transport.installation_secret(pool) for _ in range(4)))
    assert len(set(made)) == 1
    assert len(made[0]) >= 32
    assert await transport.installation_secret(pool) == made[0]
