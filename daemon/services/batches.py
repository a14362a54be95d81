"""Batch changes: one transaction, best effort, `{updated, failed}`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import asyncpg

from daemon.services.photos import check_references, normalise_tags, prepared_changes
from daemon.store import photos as store
from daemon.store.base import Conn, translate
from protocol.photos import (
    Batch,
    BatchFailure,
    BatchLocation,
    BatchResult,
    BatchTags,
    BatchTakenAtOffset,
)

Change = Callable[[Conn, list[str]], Awaitable[list[str]]]


async def _run(
    pool: asyncpg.Pool, hothashes: list[str], change: Change, unchanged_reason: str = "not changed"
) -> BatchResult:
    wanted = list(dict.fromkeys(hothashes))  # each once, in the order given
    async with pool.acquire() as conn, conn.transaction():
        with translate():
            updated = set(await change(conn, wanted))
        known = await store.existing(conn, [h for h in wanted if h not in updated])
    failed = [
        BatchFailure(hothash=h, reason=unchanged_reason if h in known else "photo not found")
        for h in wanted
        if h not in updated
    ]
    return BatchResult(updated=[h for h in wanted if h in updated], failed=failed)


async def set_fields(pool: asyncpg.Pool, batch: Batch, values: dict[str, Any]) -> BatchResult:
    """Set the same validated fields on many photos."""
    async with pool.acquire() as conn:
        await check_references(conn, values)
    columns = prepared_changes(values, None)

    async def change(conn: Conn, hothashes: list[str]) -> list[str]:
        return await store.batch_update(conn, hothashes, columns)

    return await _run(pool, batch.hothashes, change)


async def tags(pool: asyncpg.Pool, batch: BatchTags, edit: str) -> BatchResult:
    """Add, remove or set tags."""
    tags = normalise_tags(batch.tags)

    async def change(conn: Conn, hothashes: list[str]) -> list[str]:
        return await store.batch_tags(conn, hothashes, edit, tags)

    return await _run(pool, batch.hothashes, change)


async def shift_time(pool: asyncpg.Pool, batch: BatchTakenAtOffset) -> BatchResult:
    """Shift times by ± h/m/s; photos without a time are reported as failed."""
    shift = timedelta(hours=batch.hours, minutes=batch.minutes, seconds=batch.seconds)

    async def change(conn: Conn, hothashes: list[str]) -> list[str]:
        return await store.batch_shift_time(conn, hothashes, shift)

    return await _run(pool, batch.hothashes, change, "the photo has no time to shift")


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
