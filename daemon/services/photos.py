"""Rules for photos: validated changes, the trash, resets to EXIF, previews on disk."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path
from typing import Any

import asyncpg

from daemon.errors import Conflict, Invalid, NotFound, found
from daemon.imaging import coldpreviews, corrections, exif
from daemon.registration.orphans import PendingFiles
from daemon.services import stacks as stacks_service
from daemon.store import photos as store
from daemon.store import settings as settings_store
from daemon.store import stacks as stacks_store
from daemon.store.base import changes
from daemon.values import camera_time, normalise_tag, normalise_tags, split_moment
from protocol.photos import (
    CompanionCreate,
    Correction,
    CorrectionSet,
    ImageFile,
    PhotoDetail,
    PhotoItem,
    PhotoPatch,
    Source,
    TagCount,
    TrashEmptied,
)

log = logging.getLogger(__name__)


async def list_page(
    pool: asyncpg.Pool, filters: store.PhotoFilter, sort: str, limit: int, offset: int
) -> list[PhotoItem]:
    """One page of the filtered, sorted photo list."""
    filters = dataclasses.replace(filters, tags=tuple(normalise_tags(filters.tags)))
    async with pool.acquire() as conn:
        return await store.list_page(conn, filters, sort, limit, offset)


async def get(pool: asyncpg.Pool, hothash: str) -> PhotoDetail:
    """One photo in full."""
    async with pool.acquire() as conn:
        return found(await store.get(conn, hothash), f"photo {hothash}")


async def update(pool: asyncpg.Pool, hothash: str, patch: PhotoPatch) -> PhotoDetail:
    """Change a photo's organising fields, time or location.

    Ids that point nowhere are answered by their foreign keys (422 naming the field)."""
    values = changes(patch)
    async with pool.acquire() as conn, conn.transaction():
        photo = found(await store.get(conn, hothash), f"photo {hothash}")
        values = prepared_changes(values, photo)
        if values:
            await store.update(conn, hothash, values)
        return found(await store.get(conn, hothash), f"photo {hothash}")


def prepared_changes(values: dict[str, Any], photo: PhotoDetail | None) -> dict[str, Any]:
    """Turn a validated change into columns: tags normalised, manual time and place marked."""
    values = dict(values)
    if "tags" in values:
        values["tags"] = normalise_tags(values["tags"])
    if "taken_at" in values:
        taken = values["taken_at"]
        values["taken_at"], values["taken_at_offset"] = (
            split_moment(taken) if taken is not None else (None, None)
        )
        values["taken_at_source"] = Source.MANUAL
    has_lat, has_lng = "location_lat" in values, "location_lng" in values
    if has_lat != has_lng:
        raise Invalid("location_lat and location_lng are set together")
    if has_lat:
        if (values["location_lat"] is None) != (values["location_lng"] is None):
            raise Invalid("location_lat and location_lng are both numbers or both null")
        if values["location_lat"] is None:
            values.update(location_source=None, location_accuracy=None)
        else:
            values["location_source"] = Source.MANUAL
            values.setdefault("location_accuracy", "exact")
            if values["location_accuracy"] is None:
                values["location_accuracy"] = "exact"
    elif "location_accuracy" in values and photo is not None and photo.location_lat is None:
        raise Invalid("location_accuracy needs a location")
    return values


async def files(pool: asyncpg.Pool, hothash: str) -> list[ImageFile]:
    """The physical files of a photo."""
    async with pool.acquire() as conn:
        photo = found(await store.get(conn, hothash), f"photo {hothash}")
        return photo.files


async def add_companion(pool: asyncpg.Pool, hothash: str, data: CompanionCreate) -> ImageFile:
    """Attach another file of the same photo (409 when the path is already known:
    as a photo's file, the unique path says so; as a duplicate, this check)."""
    async with pool.acquire() as conn, conn.transaction():
        photo = found(await store.get(conn, hothash), f"photo {hothash}")
        if await store.is_duplicate(conn, data.path):
            raise Conflict(f"{data.path} is already in the catalog, as a duplicate")
        await store.add_file(conn, photo.id, data.path, data.type)
        return next(f for f in await store.files(conn, photo.id) if f.file_path == data.path)


async def set_deleted(pool: asyncpg.Pool, hothash: str, deleted: bool) -> PhotoDetail:
    """Move a photo to the trash, or back."""
    async with pool.acquire() as conn:
        found(await store.set_deleted(conn, [hothash], deleted) or None, f"photo {hothash}")
        return found(await store.get(conn, hothash), f"photo {hothash}")


async def empty_trash(pool: asyncpg.Pool, coldpreview_dir: Path) -> TrashEmptied:
    """Delete trashed photos for good, then their coldpreview files."""
    async with pool.acquire() as conn, conn.transaction():
        doomed = await store.trashed(conn)
        hothashes = [hothash for hothash, _, _ in doomed]
        stacks = await stacks_store.stacks_of(conn, hothashes)
        deleted = await store.delete_trashed(conn, hothashes)
        await stacks_service.repair(conn, stacks)
    # Files go after the commit: a crash in between leaves stray files, never rows
    # pointing at missing ones.
    paths = [coldpreview_dir / p for _, *pair in doomed for p in pair if p]
    await asyncio.to_thread(_remove, paths)
    return TrashEmptied(deleted=deleted)


def _remove(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove %s: %s", path, exc)


async def reset_time(pool: asyncpg.Pool, hothash: str) -> PhotoDetail:
    """Back to the time EXIF gave (or none)."""
    async with pool.acquire() as conn:
        photo = found(await store.get(conn, hothash), f"photo {hothash}")
        fields = exif.fields_from_json(photo.exif_data)
        taken_at, taken_at_offset = camera_time(fields.taken_at, fields.taken_at_offset)
        await store.update(
            conn,
            hothash,
            {
                "taken_at": taken_at,
                "taken_at_offset": taken_at_offset,
                "taken_at_source": Source.EXIF,
                "taken_at_accuracy": "second",
            },
        )
        return found(await store.get(conn, hothash), f"photo {hothash}")


async def reset_location(pool: asyncpg.Pool, hothash: str) -> PhotoDetail:
    """Back to the location EXIF gave (or none)."""
    async with pool.acquire() as conn:
        photo = found(await store.get(conn, hothash), f"photo {hothash}")
        fields = exif.fields_from_json(photo.exif_data)
        has = fields.location_lat is not None
        await store.update(
            conn,
            hothash,
            {
                "location_lat": fields.location_lat,
                "location_lng": fields.location_lng,
                "location_source": Source.EXIF if has else None,
                "location_accuracy": "exact" if has else None,
            },
        )
        return found(await store.get(conn, hothash), f"photo {hothash}")


async def coldpreview(pool: asyncpg.Pool, coldpreview_dir: Path, hothash: str) -> tuple[Path, str]:
    """The coldpreview file to serve (the corrected one if any) and its ETag."""
    photo = await get(pool, hothash)
    if photo.correction is not None:
        path = coldpreview_dir / coldpreviews.corrected_relative_path(hothash)
        etag = f'"{hothash}-{int(photo.correction.updated_at.timestamp() * 1000)}"'
    elif photo.coldpreview_path:
        path, etag = coldpreview_dir / photo.coldpreview_path, f'"{hothash}"'
    else:
        raise NotFound(f"photo {hothash} has no coldpreview")
    if not await asyncio.to_thread(path.is_file):
        raise NotFound(f"the coldpreview file of photo {hothash} is missing")
    return path, etag


async def tags(
    pool: asyncpg.Pool, prefix: str | None, with_count: bool, limit: int
) -> list[TagCount]:
    """Distinct tags, optionally by prefix, optionally with counts."""
    async with pool.acquire() as conn:
        found_tags = await store.tags(conn, normalise_tag(prefix) if prefix else None, limit)
    if not with_count:
        for tag in found_tags:
            tag.count = None
    return found_tags


async def correction(pool: asyncpg.Pool, hothash: str) -> Correction:
    """A photo's correction (404 when it has none)."""
    photo = await get(pool, hothash)
    return found(photo.correction, f"correction of photo {hothash}")


async def set_correction(
    pool: asyncpg.Pool,
    coldpreview_dir: Path,
    pending: PendingFiles,
    hothash: str,
    data: CorrectionSet,
) -> Correction:
    """Correct a photo: a new coldpreview is made from the original one, which stays."""
    if not (data.crop_left < data.crop_right and data.crop_top < data.crop_bottom):
        raise Invalid("crop: left must be below right and top below bottom")
    photo = await get(pool, hothash)
    if not photo.coldpreview_path:
        raise Conflict(f"photo {hothash} has no coldpreview to correct")
    source = coldpreview_dir / photo.coldpreview_path
    if not await asyncio.to_thread(source.is_file):
        raise Conflict(f"the coldpreview file of photo {hothash} is missing")
    async with pool.acquire() as conn:
        quality = (await settings_store.get(conn)).coldpreview_quality
    relative = coldpreviews.corrected_relative_path(hothash)

    def render() -> None:
        data_bytes = corrections.corrected(
            source,
            rotation=data.rotation,
            horizon_angle=data.horizon_angle,
            crop=(data.crop_left, data.crop_top, data.crop_right, data.crop_bottom),
            exposure_ev=data.exposure_ev,
            quality=quality,
        )
        coldpreviews.write_at(coldpreview_dir, relative, data_bytes)

    values = (
        data.rotation,
        data.horizon_angle,
        data.exposure_ev,
        data.crop_left,
        data.crop_top,
        data.crop_right,
        data.crop_bottom,
    )
    # The file is this call's until its row has committed (or not): see orphans.py.
    with pending.hold([relative]):
        await asyncio.to_thread(render)
        async with pool.acquire() as conn:
            return await store.set_correction(conn, photo.id, values, relative)


async def delete_correction(pool: asyncpg.Pool, coldpreview_dir: Path, hothash: str) -> None:
    """Back to the original coldpreview; the corrected file goes."""
    photo = await get(pool, hothash)
    async with pool.acquire() as conn:
        if not await store.delete_correction(conn, photo.id):
            raise NotFound(f"photo {hothash} has no correction")
    await asyncio.to_thread(
        _remove, [coldpreview_dir / coldpreviews.corrected_relative_path(hothash)]
    )
