"""Rules for sync targets and pushes: checked addresses, loadable CAs, one push per target."""

from __future__ import annotations

import asyncio
import functools
import socket
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import msgspec

from daemon.errors import Conflict, Invalid, NotFound, found
from daemon.services.settled import SettledCache
from daemon.store import settings as settings_store
from daemon.store import sync as store
from daemon.store.base import Conn
from daemon.store.sync import Target
from daemon.sync.transport import TargetAddress, check_url, tls_context
from protocol.sync_targets import (
    SyncRun,
    SyncRunCreate,
    SyncStatus,
    SyncTarget,
    SyncTargetCreate,
    SyncTargetStatus,
)

if TYPE_CHECKING:
    from daemon.sync.runs import SyncRuns

ADD_TARGET_HINT = "`hotprevue sync add-target URL --token TOKEN`"


async def add_target(pool: asyncpg.Pool, data: SyncTargetCreate) -> SyncTarget:
    """Add a central to push to: an address the token may travel to, a CA file that
    loads, and a name and URL no other target has."""
    _check_token(data.token)
    # Resolving a name blocks: off the event loop.
    address = await asyncio.to_thread(check_url, data.url)
    ca_file = None if data.ca_file is None else await asyncio.to_thread(_ca_file, data.ca_file)
    async with pool.acquire() as conn:
        machine_name = data.machine_name or await _machine_name(conn)
        target = await store.insert_target(
            conn,
            name=data.name or _default_name(address),
            url=address.url,
            token=data.token,
            machine_name=machine_name,
            ca_file=ca_file,
        )
    return _shown(target)


async def list_targets(pool: asyncpg.Pool) -> list[SyncTarget]:
    """Every target, by name (tokens never shown)."""
    async with pool.acquire() as conn:
        return [_shown(target) for target in await store.list_targets(conn)]


async def get_target(pool: asyncpg.Pool, target_id: uuid.UUID) -> SyncTarget:
    """One target."""
    async with pool.acquire() as conn:
        target = await store.get_target(conn, target_id)
    return _shown(found(target, f"sync target {target_id}"))


async def remove_target(pool: asyncpg.Pool, runs: SyncRuns, target_id: uuid.UUID) -> None:
    """Forget a target (what it has stays there); 409 while a push to it runs."""
    if runs.running_for(target_id) is not None:
        raise Conflict("a sync to this target is running; cancel it or wait for it to end")
    async with pool.acquire() as conn:
        if not await store.delete_target(conn, target_id):
            raise NotFound(f"sync target {target_id} not found")


async def resolve_target(pool: asyncpg.Pool, ref: str | None) -> Target:
    """The target a name, URL or id names; with none, the only one there is."""
    async with pool.acquire() as conn:
        if ref is not None:
            target = await store.find_target(conn, ref)
            if target is None:
                raise Invalid(f"no sync target named {ref} (see `hotprevue sync targets`)")
            return target
        targets = await store.list_targets(conn)
    if not targets:
        raise Invalid(f"no sync target: add one with {ADD_TARGET_HINT}")
    if len(targets) > 1:
        names = ", ".join(target.name for target in targets)
        raise Invalid(f"there are several sync targets ({names}); name one (--target NAME)")
    return targets[0]


async def status(
    pool: asyncpg.Pool, runs: SyncRuns, cache: SettledCache | None = None
) -> SyncStatus:
    """Every target with what it lacks (kept in `cache` until a change) and its push."""
    shown: list[SyncTargetStatus] = []
    async with pool.acquire() as conn:
        for target in await store.list_targets(conn):
            pending = functools.partial(_pending, target=target)
            rows, photos, coldpreviews, since = await (
                pending(conn)
                if cache is None
                else cache.get(
                    conn, ("sync_pending", target.id, target.acked_seq, target.acked_at), pending
                )
            )
            live = {
                "pending_rows": rows,
                "pending_photos": photos,
                "pending_coldpreviews": coldpreviews,
                "running": runs.running_for(target.id),
                "retry_at": runs.retry_at_for(target.id),
                "unsynced_since": since if photos else None,
            }
            shown.append(msgspec.convert(_public(target) | live, SyncTargetStatus))
    return SyncStatus(targets=shown)


async def _pending(conn: Conn, target: Target) -> tuple[int, int, int, datetime | None]:
    """What the target lacks, and since when photos have waited for it."""
    rows, photos, coldpreviews = await store.pending(conn, target)
    since = await store.unsynced_since(conn, target) if photos else None
    return rows, photos, coldpreviews, since


async def start_run(pool: asyncpg.Pool, runs: SyncRuns, data: SyncRunCreate) -> SyncRun:
    """Start a push to the target named (409 while one runs to it)."""
    target = await resolve_target(pool, data.target)
    return runs.start(target, full=data.full)


def get_run(runs: SyncRuns, run_id: uuid.UUID) -> SyncRun:
    """A push's progress (runs are kept in memory: a restart forgets them)."""
    return found(runs.get(run_id), f"sync run {run_id}")


def cancel_run(runs: SyncRuns, run_id: uuid.UUID) -> SyncRun:
    """Ask a push to stop after its current request (what central acknowledged stays)."""
    return found(runs.cancel(run_id), f"sync run {run_id}")


def _check_token(token: str) -> None:
    # It goes into an HTTP header: no spaces or control characters can be in it.
    if not all("!" <= char <= "~" for char in token):
        raise Invalid("token: only printable ASCII without spaces (copy it as central showed it)")


def _ca_file(raw: str) -> str:
    path = Path(raw).expanduser()
    if not path.is_absolute():
        raise Invalid(f"ca_file {raw}: an absolute path is required")
    if not path.is_file():
        raise Invalid(f"ca_file {raw}: no such file")
    tls_context(str(path))
    return str(path)


async def _machine_name(conn: Conn) -> str:
    settings = await settings_store.get(conn)
    return settings.instance_name.strip() or socket.gethostname()


def _default_name(address: TargetAddress) -> str:
    default_port = 443 if address.encrypted else 80
    return address.host if address.port == default_port else f"{address.host}:{address.port}"


def _public(target: Target) -> dict[str, Any]:
    """The target's row as the API shows it: never its token (shown once, when added),
    and whether its URL is encrypted (plain http only to loopback and private networks)."""
    fields = msgspec.structs.asdict(target)
    del fields["token"]
    return fields | {"encrypted": target.url.startswith("https://")}


def _shown(target: Target) -> SyncTarget:
    return msgspec.convert(_public(target), SyncTarget)
