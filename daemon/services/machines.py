"""Central's machine tokens: made once, shown once, bound at first use, revoked for good."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from daemon.errors import Conflict, Forbidden, NotFound, Unauthorized, found
from daemon.store import machines as store
from daemon.store.base import Conn
from protocol.machines import Machine, MachineToken
from protocol.sync import TOKEN_PREFIX

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


def _taken_over(installation_id: uuid.UUID, secret: bytes | None, known: bytes | None) -> str:
    """Why a new token may not take over an installation an older token was bound to."""
    if known is None:
        why = "central holds no secret of it to compare"
    elif secret is None:
        why = "this machine's Hotprevue sends no installation secret: update it and sync again"
    else:
        why = "this machine's installation secret is not that installation's"
    return (
        f"installation {installation_id} has pushed here with another token, and a new "
        f"token takes it over only with its installation secret; {why}. If this is that "
        "machine, central's administrator can make a token for it with "
        f"`hotprevue machines add NAME --installation {installation_id}`"
    )


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def add(
    pool: asyncpg.Pool, name: str, installation_id: uuid.UUID | None = None
) -> MachineToken:
    """A new token for a machine to push with; central keeps only its hash.

    Given an installation, the token is bound to it at once, and the installation's
    secret is forgotten: the administrator vouches for the machine that uses the token,
    whose first push then tells central its secret."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with pool.acquire() as conn, conn.transaction():
        if installation_id is not None:
            await _hand_over(conn, installation_id)
        token_id = await store.insert(conn, name, _digest(token), installation_id)
    return MachineToken(id=token_id, name=name, token=token)


async def _hand_over(conn: Conn, installation_id: uuid.UUID) -> None:
    """Make a known installation, without an active token, ready for a new token."""
    other = await store.other_active(conn, installation_id)
    if other is not None:
        raise Conflict(
            f"installation {installation_id} pushes with the token {other!r}: revoke that "
            "one first (`hotprevue machines revoke`)"
        )
    if not await store.forget_secret(conn, installation_id):
        raise NotFound(
            f"installation {installation_id} has never pushed here: a new machine's token "
            "needs no --installation"
        )


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


async def authenticate(
    pool: asyncpg.Pool, token: str, installation_id: uuid.UUID, secret: str | None = None
) -> uuid.UUID:
    """The installation a push comes from, once its token is known to be good for it.

    A token's first use binds it to the installation that used it; it then works for
    that installation only. An installation has at most one active token. A new
    installation binds freely; one that pushed here before with another token only with
    its secret (`secret`: what the machine sent, None when it sent none)."""
    if not token.startswith(TOKEN_PREFIX):
        raise Unauthorized(_UNKNOWN)
    digest = _digest(token)
    secret_sha256 = _digest(secret) if secret else None
    async with pool.acquire() as conn:
        stored = await store.by_hash(conn, digest)
        if stored is not None and stored.installation_id is None:
            async with conn.transaction():
                stored = await store.by_hash(conn, digest, lock=True)
                if stored is not None and stored.revoked_at is None:
                    await _bind(conn, stored, installation_id, secret_sha256)
                    return installation_id
        if stored is None or stored.revoked_at is not None:
            raise Unauthorized(_UNKNOWN)
        if stored.installation_id != installation_id:
            raise _taken(stored)
        if secret_sha256 is not None and not stored.has_secret:
            # Bound before the machine sent a secret (an older Hotprevue, or a token the
            # administrator handed the installation to): its token vouches for the first.
            await store.keep_secret(conn, installation_id, secret_sha256)
        now = datetime.now(UTC)
        if stored.last_used_at is None or now - stored.last_used_at > USE_NOTED_EVERY:
            await store.used(conn, stored.id)
    return installation_id


async def _bind(
    conn: Conn, stored: store.StoredToken, installation_id: uuid.UUID, secret: bytes | None
) -> None:
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
    if not await store.register(conn, installation_id, stored.name, secret):
        # Central mirrors this installation's rows, which its next pushes may change and
        # delete: only the installation itself, knowing its secret, takes it over.
        known = await store.secret(conn, installation_id)
        if secret is None or known is None or not hmac.compare_digest(secret, known):
            raise Forbidden(_taken_over(installation_id, secret, known))
    await store.bind(conn, stored.id, installation_id)
