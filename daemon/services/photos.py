"""Rules for photos: validated changes, the trash, resets to EXIF, previews on disk."""

from __future__ import annotations

import asyncio
import calendar
import dataclasses
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from daemon.errors import Conflict, Invalid, NotFound, found
from daemon.imaging import coldpreviews, corrections, exif
from daemon.paths import MAX_PATH_BYTES, path_bytes, too_long
from daemon.registration.orphans import PendingFiles
from daemon.services import stacks as stacks_service
from daemon.store import photos as store
from daemon.store import settings as settings_store
from daemon.store import stacks as stacks_store
from daemon.store.base import changes
from daemon.values import camera_time, normalise_tag, normalise_tags, split_moment
from protocol.photos import (
    Camera,
    CompanionCreate,
    Correction,
    CorrectionSet,
    Granularity,
    ImageFile,
    PhotoBucket,
    PhotoBuckets,
    PhotoDetail,
    PhotoItem,
    PhotoPatch,
    Source,
    TagCount,
    TrashEmptied,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Bucket:
    """A bucket of the list by its key, as `GET /api/photos/buckets` names it."""

    key: str
    granularity: Granularity = "day"


async def list_page(
    pool: asyncpg.Pool,
    filters: store.PhotoFilter,
    sort: str,
    limit: int,
    offset: int,
    bucket: Bucket | None = None,
) -> list[PhotoItem]:
    """One page of the filtered, sorted photo list, or of one of its buckets."""
    filters = _prepared(filters, sort, bucket)
    async with pool.acquire() as conn:
        return await store.list_page(conn, filters, sort, limit, offset)


async def list_hothashes(
    pool: asyncpg.Pool,
    filters: store.PhotoFilter,
    sort: str,
    limit: int,
    offset: int,
    bucket: Bucket | None = None,
) -> list[str]:
    """The hothashes of the same list (select-all, ranges over pages not loaded yet)."""
    filters = _prepared(filters, sort, bucket)
    async with pool.acquire() as conn:
        return await store.list_hothashes(conn, filters, sort, limit, offset)


async def buckets(
    pool: asyncpg.Pool, filters: store.PhotoFilter, sort: str, granularity: Granularity
) -> PhotoBuckets:
    """How many photos of the list fall in each bucket of its sort, in list order.

    Each count is exactly what paging the list with that bucket gives: the same filters,
    and a bucket is the range of the sort's key its key names (bucket_range)."""
    filters = _prepared(filters, sort, None)
    column, _ = store.SORT_KEYS[sort]
    async with pool.acquire() as conn:
        counted = await store.buckets(conn, filters, sort, granularity)
    found = [
        PhotoBucket(key=bucket_key(column, granularity, value), count=count)
        for value, count in counted
    ]
    return PhotoBuckets(total=sum(b.count for b in found), buckets=found)


def _prepared(filters: store.PhotoFilter, sort: str, bucket: Bucket | None) -> store.PhotoFilter:
    return dataclasses.replace(
        filters,
        tags=tuple(normalise_tags(filters.tags)),
        key_range=bucket_range(sort, bucket) if bucket is not None else None,
    )


# The key of the bucket of photos without the sort's key (both sorts put them last).
_NO_KEY: dict[store.SortColumn, str] = {"taken_at": "undated", "rating": "unrated"}
_RATINGS = ("1", "2", "3", "4", "5")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


def bucket_key(column: store.SortColumn, granularity: Granularity, value: date | int | None) -> str:
    """The key of a bucket from the value the store grouped by."""
    if value is None:
        return _NO_KEY[column]
    if isinstance(value, int):
        return str(value)
    return value.isoformat() if granularity == "day" else value.isoformat()[:7]


def bucket_range(sort: str, bucket: Bucket) -> store.KeyRange:
    """The range of the sort's key a bucket key names; Invalid when it names none."""
    column, _ = store.SORT_KEYS[sort]
    key = bucket.key
    if key == _NO_KEY.get(column):
        return store.KeyRange(column, None)
    if column == "rating":
        if key not in _RATINGS:
            raise Invalid(f"bucket: {key!r} is no bucket of {sort}: '1' to '5', or 'unrated'")
        return store.KeyRange(column, int(key), int(key) + 1)
    period = _period(key, bucket.granularity)
    if period is None:
        shape = "YYYY-MM-DD" if bucket.granularity == "day" else "YYYY-MM"
        undated = ", or 'undated'" if column == "taken_at" else ""
        raise Invalid(f"bucket: {key!r} is no {bucket.granularity} of {sort}: {shape}{undated}")
    first, after = period
    # taken_at is wall time; registered_at an instant, bucketed by its date in UTC.
    zone = UTC if column == "registered_at" else None
    return store.KeyRange(
        column,
        datetime.combine(first, time(), zone),
        datetime.combine(after, time(), zone) if after is not None else None,
    )


def _period(key: str, granularity: Granularity) -> tuple[date, date | None] | None:
    """The first day of the day or month a key names and the first day after it (None
    after the last day a date can hold); None for a key that names no day or month."""
    try:
        if granularity == "day" and _DAY.fullmatch(key):
            first = last = date.fromisoformat(key)
        elif granularity == "month" and _MONTH.fullmatch(key):
            first = date(int(key[:4]), int(key[5:]), 1)
            last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        else:
            return None
    except ValueError:  # month 13, February 30, year 0
        return None
    return first, last + timedelta(days=1) if last < date.max else None


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
    as a photo's file, the unique path says so; as a duplicate, this check; 422 when it
    is longer than the catalog stores)."""
    if too_long(data.path):
        raise Invalid(
            f"path is too long for the catalog: {path_bytes(data.path)} bytes, at most "
            f"{MAX_PATH_BYTES}; shorten the file's name or its folders' names"
        )
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


@dataclass(frozen=True)
class ColdpreviewFile:
    """The coldpreview to serve: a file, with a correction still to apply to it or not."""

    path: Path
    etag: str
    correction: Correction | None = None


async def corrected_coldpreview(pool: asyncpg.Pool, found_file: ColdpreviewFile) -> bytes:
    """The JPEG of a coldpreview whose correction is still to be applied."""
    if found_file.correction is None:
        raise ValueError("the coldpreview file needs no correction")
    async with pool.acquire() as conn:
        quality = (await settings_store.get(conn)).coldpreview_quality
    return await asyncio.to_thread(
        corrections.apply, found_file.path, found_file.correction, quality
    )


async def cameras(pool: asyncpg.Pool) -> list[Camera]:
    """The cameras of photos outside the trash, most photos first, then by name."""
    async with pool.acquire() as conn:
        return await store.cameras(conn)


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


class Photos:
    """The photo rules that touch coldpreview files: built once at start-up with the
    folder they live in and the files registrations still hold."""

    def __init__(self, pool: asyncpg.Pool, coldpreview_dir: Path, pending: PendingFiles) -> None:
        self._pool = pool
        self._coldpreview_dir = coldpreview_dir
        self._pending = pending

    async def empty_trash(self) -> TrashEmptied:
        """Delete trashed photos for good, then their coldpreview files."""
        async with self._pool.acquire() as conn, conn.transaction():
            doomed = await store.trashed(conn)
            hothashes = [hothash for hothash, _, _ in doomed]
            stacks = await stacks_store.stacks_of(conn, hothashes)
            deleted = await store.delete_trashed(conn, hothashes)
            await stacks_service.repair(conn, stacks)
        # Files go after the commit: a crash in between leaves stray files, never rows
        # pointing at missing ones.
        paths = [self._coldpreview_dir / p for _, *pair in doomed for p in pair if p]
        await asyncio.to_thread(_remove, paths)
        return TrashEmptied(deleted=deleted)

    async def coldpreview(self, hothash: str) -> ColdpreviewFile:
        """The coldpreview to serve (the corrected one if any) and its ETag."""
        photo = await get(self._pool, hothash)
        if photo.correction is not None:
            etag = f'"{hothash}-{int(photo.correction.updated_at.timestamp() * 1000)}"'
            corrected = self._coldpreview_dir / coldpreviews.corrected_relative_path(hothash)
            if await asyncio.to_thread(corrected.is_file):
                return ColdpreviewFile(corrected, etag)
            # Central has a machine's corrections as rows only, never their files: it applies
            # one to the original as the photo is shown.
            if photo.coldpreview_path:
                original = self._coldpreview_dir / photo.coldpreview_path
                if await asyncio.to_thread(original.is_file):
                    return ColdpreviewFile(original, etag, photo.correction)
            raise NotFound(f"the coldpreview file of photo {hothash} is missing")
        if not photo.coldpreview_path:
            raise NotFound(f"photo {hothash} has no coldpreview")
        path = self._coldpreview_dir / photo.coldpreview_path
        if not await asyncio.to_thread(path.is_file):
            raise NotFound(f"the coldpreview file of photo {hothash} is missing")
        return ColdpreviewFile(path, f'"{hothash}"')

    async def set_correction(self, hothash: str, data: CorrectionSet) -> Correction:
        """Correct a photo: a new coldpreview is made from the original one, which stays."""
        if not (data.crop_left < data.crop_right and data.crop_top < data.crop_bottom):
            raise Invalid("crop: left must be below right and top below bottom")
        photo = await get(self._pool, hothash)
        if not photo.coldpreview_path:
            raise Conflict(f"photo {hothash} has no coldpreview to correct")
        source = self._coldpreview_dir / photo.coldpreview_path
        if not await asyncio.to_thread(source.is_file):
            raise Conflict(f"the coldpreview file of photo {hothash} is missing")
        async with self._pool.acquire() as conn:
            quality = (await settings_store.get(conn)).coldpreview_quality
        relative = coldpreviews.corrected_relative_path(hothash)

        def render() -> None:
            coldpreviews.write_at(
                self._coldpreview_dir, relative, corrections.apply(source, data, quality)
            )

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
        with self._pending.hold([relative]):
            await asyncio.to_thread(render)
            async with self._pool.acquire() as conn:
                return await store.set_correction(conn, photo.id, values, relative)

    async def delete_correction(self, hothash: str) -> None:
        """Back to the original coldpreview; the corrected file goes."""
        photo = await get(self._pool, hothash)
        async with self._pool.acquire() as conn:
            if not await store.delete_correction(conn, photo.id):
                raise NotFound(f"photo {hothash} has no correction")
        await asyncio.to_thread(
            _remove, [self._coldpreview_dir / coldpreviews.corrected_relative_path(hothash)]
        )
