"""SQL for central's machine tokens and the installations they are bound to."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from daemon.store.base import Conn, to_struct, to_structs
from protocol.sync import Machine


class StoredToken(msgspec.Struct, frozen=True, kw_only=True):
    """What authenticating a token needs of its row."""

    id: uuid.UUID
    name: str
    installation_id: uuid.UUID | None
    last_used_at: datetime | None
    revoked_at: datetime | None


INSERT = "INSERT INTO machine_tokens (name, token_sha256) VALUES ($1, $2) RETURNING id"
SELECT = """
SELECT t.id, t.name, t.installation_id, m.machine_name, t.created_at, t.last_used_at,
    m.first_sync_at, m.last_sync_at, t.revoked_at
FROM machine_tokens t LEFT JOIN registered_machines m ON m.installation_id = t.installation_id
"""
# Active tokens first, then by name; a name's revoked tokens newest first.
LIST = SELECT + " ORDER BY t.revoked_at IS NOT NULL, t.name, t.created_at DESC, t.id"
GET = SELECT + " WHERE t.id = $1"
REVOKE = """
UPDATE machine_tokens SET revoked_at = coalesce(revoked_at, clock_timestamp())
WHERE id = $1 RETURNING id
"""
BY_HASH = """
SELECT id, name, installation_id, last_used_at, revoked_at FROM machine_tokens
WHERE token_sha256 = $1
"""
# A token's first two uses at once must bind it once.
BY_HASH_LOCKED = BY_HASH + " FOR UPDATE"
OTHER_ACTIVE = """
SELECT name FROM machine_tokens
WHERE installation_id = $1 AND revoked_at IS NULL AND id <> $2
LIMIT 1
"""
REGISTER = """
INSERT INTO registered_machines (installation_id, machine_name) VALUES ($1, $2)
ON CONFLICT (installation_id) DO NOTHING
"""
BIND = """
UPDATE machine_tokens SET installation_id = $2, last_used_at = clock_timestamp() WHERE id = $1
"""
USED = "UPDATE machine_tokens SET last_used_at = clock_timestamp() WHERE id = $1"


async def insert(conn: Conn, name: str, token_sha256: bytes) -> uuid.UUID:
    """Store a new token by its hash; returns its id."""
    token_id: uuid.UUID = await conn.fetchval(INSERT, name, token_sha256)
    return token_id


async def list_all(conn: Conn) -> list[Machine]:
    """Every token, active ones first, with its installation."""
    return to_structs(await conn.fetch(LIST), Machine)


async def get(conn: Conn, token_id: uuid.UUID) -> Machine | None:
    """One token with its installation, or None."""
    row = await conn.fetchrow(GET, token_id)
    return to_struct(row, Machine) if row else None


async def revoke(conn: Conn, token_id: uuid.UUID) -> bool:
    """Revoke a token (kept, so its installation stays listed); False if there is none."""
    return await conn.fetchval(REVOKE, token_id) is not None


async def by_hash(conn: Conn, token_sha256: bytes, *, lock: bool = False) -> StoredToken | None:
    """The token with this hash, or None; `lock`: locked until the transaction ends."""
    row = await conn.fetchrow(BY_HASH_LOCKED if lock else BY_HASH, token_sha256)
    return to_struct(row, StoredToken) if row else None


async def other_active(conn: Conn, installation_id: uuid.UUID, token_id: uuid.UUID) -> str | None:
    """The name of another active token bound to this installation, if any."""
    name: str | None = await conn.fetchval(OTHER_ACTIVE, installation_id, token_id)
    return name


async def bind(conn: Conn, token_id: uuid.UUID, installation_id: uuid.UUID, name: str) -> None:
    """Bind a token to an installation, registering the installation under `name`."""
    await conn.execute(REGISTER, installation_id, name)
    await conn.execute(BIND, token_id, installation_id)


async def used(conn: Conn, token_id: uuid.UUID) -> None:
    """Note that the token was used now."""
    await conn.execute(USED, token_id)
