"""SQL for central's machine tokens and the installations they are bound to."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from daemon.store.base import Conn, to_struct, to_structs
from protocol.machines import Machine


class StoredToken(msgspec.Struct, frozen=True, kw_only=True):
    """What authenticating a token needs of its row."""

    id: uuid.UUID
    name: str
    installation_id: uuid.UUID | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    # Whether central holds the secret of the installation the token is bound to.
    has_secret: bool


INSERT = """
INSERT INTO machine_tokens (name, token_sha256, installation_id) VALUES ($1, $2, $3)
RETURNING id
"""
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
SELECT t.id, t.name, t.installation_id, t.last_used_at, t.revoked_at,
    m.secret_sha256 IS NOT NULL AS has_secret
FROM machine_tokens t LEFT JOIN registered_machines m ON m.installation_id = t.installation_id
WHERE t.token_sha256 = $1
"""
# A token's first two uses at once must bind it once.
BY_HASH_LOCKED = BY_HASH + " FOR UPDATE OF t"
OTHER_ACTIVE = """
SELECT name FROM machine_tokens
WHERE installation_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2
LIMIT 1
"""
REGISTER = """
INSERT INTO registered_machines (installation_id, machine_name, secret_sha256)
VALUES ($1, $2, $3)
ON CONFLICT (installation_id) DO NOTHING
RETURNING installation_id
"""
# Locked: a token taking the installation over and one keeping its secret go one by one.
INSTALLATION_HASH = """
SELECT secret_sha256 FROM registered_machines WHERE installation_id = $1 FOR UPDATE
"""
KEEP_HASH = """
UPDATE registered_machines SET secret_sha256 = $2
WHERE installation_id = $1 AND secret_sha256 IS NULL
"""
FORGET_HASH = """
UPDATE registered_machines SET secret_sha256 = NULL WHERE installation_id = $1
RETURNING installation_id
"""
BIND = """
UPDATE machine_tokens SET installation_id = $2, last_used_at = clock_timestamp() WHERE id = $1
"""
USED = "UPDATE machine_tokens SET last_used_at = clock_timestamp() WHERE id = $1"


async def insert(
    conn: Conn, name: str, token_sha256: bytes, installation_id: uuid.UUID | None = None
) -> uuid.UUID:
    """Store a new token by its hash, unbound or bound to an installation; returns its id."""
    token_id: uuid.UUID = await conn.fetchval(INSERT, name, token_sha256, installation_id)
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


async def other_active(
    conn: Conn, installation_id: uuid.UUID, token_id: uuid.UUID | None = None
) -> str | None:
    """The name of an active token (other than `token_id`) bound to this installation."""
    name: str | None = await conn.fetchval(OTHER_ACTIVE, installation_id, token_id)
    return name


async def register(
    conn: Conn, installation_id: uuid.UUID, name: str, secret_sha256: bytes | None
) -> bool:
    """Register a new installation under `name` with its secret's hash; False if central
    has it already (and nothing changed)."""
    return await conn.fetchval(REGISTER, installation_id, name, secret_sha256) is not None


async def secret(conn: Conn, installation_id: uuid.UUID) -> bytes | None:
    """The hash of a registered installation's secret (None: central has none), its row
    locked until the transaction ends."""
    secret_sha256: bytes | None = await conn.fetchval(INSTALLATION_HASH, installation_id)
    return secret_sha256


async def keep_secret(conn: Conn, installation_id: uuid.UUID, secret_sha256: bytes) -> None:
    """Keep the hash of an installation's secret, unless central holds one already."""
    await conn.execute(KEEP_HASH, installation_id, secret_sha256)


async def forget_secret(conn: Conn, installation_id: uuid.UUID) -> bool:
    """Forget an installation's secret; False if central has no such installation."""
    return await conn.fetchval(FORGET_HASH, installation_id) is not None


async def bind(conn: Conn, token_id: uuid.UUID, installation_id: uuid.UUID) -> None:
    """Bind a token to a registered installation."""
    await conn.execute(BIND, token_id, installation_id)


async def used(conn: Conn, token_id: uuid.UUID) -> None:
    """Note that the token was used now."""
    await conn.execute(USED, token_id)
