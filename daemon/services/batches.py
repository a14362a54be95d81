"""Batch changes: one transaction, best effort, `{updated, failed}`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import asyncpg

from daemon.services.photos import prepared_changes
from daemon.store import categories as categories_store
from daemon.store import events as events_store
from daemon.store import photographers as photographers_store
from daemon.store import photos as store
from daemon.store.base import Conn
from daemon.store.errors import refused
from daemon.values import EARLIEST, LATEST, OUT_OF_RANGE, normalise_tags
from protocol.photos import (
    MAX_TAGS,
    Batch,
    BatchFailure,
    BatchLocation,
    BatchResult,
    BatchTags,
    BatchTakenAtOffset,
)

Change = Callable[[Conn, list[str]], Awaitable[list[str]]]
# Why photos that exist were left unchanged, by hothash (those missing are "not found").
Explain = Callable[[Conn, list[str]], Awaitable[dict[str, str]]]


async def _run(
    pool: asyncpg.Pool, hothashes: list[str], change: Change, explain: Explain | None = None
) -> BatchResult:
    wanted = list(dict.fromkeys(hothashes))  # each once, in the order given
    async with pool.acquire() as conn, conn.transaction():
        updated = set(await change(conn, wanted))
        known = await store.existing(conn, [h for h in wanted if h not in updated])
        reasons = await explain(conn, list(known)) if explain and known else {}
    failed = [
        BatchFailure(
            hothash=h, reason=reasons.get(h, "not changed") if h in known else "photo not found"
        )
        for h in wanted
        if h not in updated
    ]
    return BatchResult(updated=[h for h in wanted if h in updated], failed=failed)


async def _check_references(conn: Conn, values: dict[str, Any]) -> None:
    # The foreign keys answer only for rows written: a batch whose photos are all
    # missing would otherwise accept an id that points nowhere. Same words as PATCH.
    category = values.get("category_id")
    if category is not None and await categories_store.get(conn, category) is None:
        raise refused("photos_category_id_fkey", "category_id", category)
    photographer = values.get("photographer_id")
    if photographer is not None and await photographers_store.get(conn, photographer) is None:
        raise refused("photos_photographer_id_fkey", "photographer_id", photographer)
    event = values.get("event_id")
    if event is not None and not await events_store.exists(conn, event):
        raise refused("photos_event_id_fkey", "event_id", event)


async def set_fields(pool: asyncpg.Pool, batch: Batch, values: dict[str, Any]) -> BatchResult:
    """Set the same validated fields on many photos."""
    async with pool.acquire() as conn:
        await _check_references(conn, values)
    columns = prepared_changes(values, None)

    async def change(conn: Conn, hothashes: list[str]) -> list[str]:
        return await store.batch_update(conn, hothashes, columns)

    return await _run(pool, batch.hothashes, change)


async def tags(pool: asyncpg.Pool, batch: BatchTags, edit: str) -> BatchResult:
    """Add, remove or set tags."""
    tags = normalise_tags(batch.tags)

    async def change(conn: Conn, hothashes: list[str]) -> list[str]:
        return await store.batch_tags(conn, hothashes, edit, tags, MAX_TAGS)

    async def explain(conn: Conn, hothashes: list[str]) -> dict[str, str]:
        # The one reason a photo is left as it is: it would have too many tags.
        return dict.fromkeys(hothashes, f"a photo has at most {MAX_TAGS} tags")

    return await _run(pool, batch.hothashes, change, explain)


async def shift_time(pool: asyncpg.Pool, batch: BatchTakenAtOffset) -> BatchResult:
    """Shift times by ± h/m/s; photos without a time, or whose time would leave the
    years 1 to 9999 (as wall time or in UTC), are reported as failed and keep theirs."""
    shift = timedelta(hours=batch.hours, minutes=batch.minutes, seconds=batch.seconds)

    async def change(conn: Conn, hothashes: list[str]) -> list[str]:
        return await store.batch_shift_time(conn, hothashes, shift, EARLIEST, LATEST)

    async def explain(conn: Conn, hothashes: list[str]) -> dict[str, str]:
        return {
            hothash: (
                "the photo has no time to shift"
                if taken is None
                else f"the shifted time {OUT_OF_RANGE}: {taken.isoformat()} shifted by {shift}"
            )
            for hothash, taken in (await store.times(conn, hothashes)).items()
        }

    return await _run(pool, batch.hothashes, change, explain)


async def location(pool: asyncpg.Pool, batch: BatchLocation) -> BatchResult:
    """Place many photos, or clear their location."""
    values: dict[str, Any] = {
        "location_lat": batch.location_lat,
        "location_lng": batch.location_lng,
    }
    if batch.location_lat is not None:
        values["location_accuracy"] = batch.location_accuracy
    return await set_fields(pool, batch, values)


async def trash(pool: asyncpg.Pool, batch: Batch, deleted: bool) -> BatchResult:
    """Move many photos to the trash, or out of it."""

    async def change(conn: Conn, hothashes: list[str]) -> list[str]:
        return await store.set_deleted(conn, hothashes, deleted)

    return await _run(pool, batch.hothashes, change)
