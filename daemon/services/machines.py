"""Central's machine tokens: made once, shown once, bound at first use, revoked for good."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from daemon.errors import Forbidden, NotFound, Unauthorized, found
from daemon.store import machines as store
from daemon.store.base import Conn
from protocol.sync import TOKEN_PREFIX, Machine, MachineToken

# Every request of a push authenticates; its use is noted at most this often.
USE_NOTED_EVERY = timedelta(minutes=1)
_UNKNOWN = (
    "unknown or revoked machine token; make one on central with `hotprevue machines add NAME`"
)


def _taken(stored: store.StoredToken) -> Forbidden:
    return Forbidden(
        f"this machine token belongs to another installation ({stored.installation_id}); "
        "make a token for this machine on central with `hotprevue machines add NAME`"
    )


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def add(pool: asyncpg.Pool, name: str) -> MachineToken:
    """A new token for a machine to push with; central keeps only its hash."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with pool.acquire() as conn:
        token_id = await store.insert(conn, name, _digest(token))
    return MachineToken(id=token_id, name=name, token=token)


async def list_all(pool: asyncpg.Pool) -> list[Machine]:
    """Every token (revoked ones too) with the installation bound to it."""
    async with pool.acquire() as conn:
        return await store.list_all(conn)


async def revoke(pool: asyncpg.Pool, machine: uuid.UUID | str) -> Machine:
    """Revoke a token, named by its id or by the name of an active token."""
    async with pool.acquire() as conn, conn.transaction():
        token_id = machine if isinstance(machine, uuid.UUID) else _parsed_id(machine)
        if token_id is None:
            active = [
                m for m in await store.list_all(conn) if m.name == machine and not m.revoked_at
            ]
            if not active:
                raise NotFound(f"machine {machine!r} not found (no active token has that name)")
            token_id = active[0].id
        if not await store.revoke(conn, token_id):
            raise NotFound("machine not found")
        return found(await store.get(conn, token_id), "machine")


def _parsed_id(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


async def authenticate(pool: asyncpg.Pool, token: str, installation_id: uuid.UUID) -> uuid.UUID:
    """The installation a push comes from, once its token is known to be good for it.

    A token's first use binds it to the installation that used it; it then works for
    that installation only. An installation has at most one active token."""
    if not token.startswith(TOKEN_PREFIX):
        raise Unauthorized(_UNKNOWN)
    digest = _digest(token)
    async with pool.acquire() as conn:
        stored = await store.by_hash(conn, digest)
        if stored is not None and stored.installation_id is None:
            async with conn.transaction():
                stored = await store.by_hash(conn, digest, lock=True)
                if stored is not None and stored.revoked_at is None:
                    await _bind(conn, stored, installation_id)
                    return installation_id
        if stored is None or stored.revoked_at is not None:
            raise Unauthorized(_UNKNOWN)
        if stored.installation_id != installation_id:
            raise _taken(stored)
        now = datetime.now(UTC)
        if stored.last_used_at is None or now - stored.last_used_at > USE_NOTED_EVERY:
            await store.used(conn, stored.id)
    return installation_id


async def _bind(conn: Conn, stored: store.StoredToken, installation_id: uuid.UUID) -> None:
    """A token's first use: it works for this installation from now on."""
    if stored.installation_id is not None:
        if stored.installation_id != installation_id:
            raise _taken(stored)
        return
    other = await store.other_active(conn, installation_id, stored.id)
    if other is not None:
        raise Forbidden(
            f"installation {installation_id} already pushes with the token "
            f"{other!r}: revoke that one first (`hotprevue machines revoke`)"
        )
    await store.bind(conn, stored.id, installation_id, stored.name)
