"""SQL for photos: the filtered list, the detail, changes, trash."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from daemon.store.base import Conn, to_struct, to_structs, update_statement
from protocol.photos import (
    Camera,
    Correction,
    FileState,
    Granularity,
    ImageFile,
    PhotoDetail,
    PhotoItem,
    SessionRef,
    Source,
    TagCount,
)

# Both subqueries run for the rows shown only (a page's, a stack's), through the
# photos_stack index and photo_corrections' key.
ITEM_COLUMNS = """
p.hothash, p.hotpreview_b64, p.taken_at, p.taken_at_accuracy, p.rating, p.tags, p.category_id,
p.photographer_id, p.event_id, p.stack_id, p.is_stack_cover, p.registered_at, p.deleted_at,
CASE WHEN p.stack_id IS NOT NULL THEN (
    SELECT count(*) FROM photos s
    WHERE s.stack_id = p.stack_id AND (s.deleted_at IS NULL) = (p.deleted_at IS NULL)
) END AS stack_size,
coalesce((SELECT c.rotation FROM photo_corrections c WHERE c.photo_id = p.id), 0) AS rotation,
p.damaged
"""
# Every order ends in unique keys, so pages never overlap or skip.
SORTS = {
    "taken_at_desc": "p.taken_at DESC NULLS LAST, p.registered_at, p.id",
    "taken_at_asc": "p.taken_at ASC NULLS LAST, p.registered_at, p.id",
    "registered_at_desc": "p.registered_at DESC, p.id DESC",
    "registered_at_asc": "p.registered_at, p.id",
    "rating_desc": "p.rating DESC NULLS LAST, p.registered_at, p.id",
    "rating_asc": "p.rating ASC NULLS LAST, p.registered_at, p.id",
}
# The column each sort orders by first, and whether descending; NULLs come last in all.
SortColumn = Literal["taken_at", "registered_at", "rating"]
SORT_KEYS: dict[str, tuple[SortColumn, bool]] = {
    "taken_at_desc": ("taken_at", True),
    "taken_at_asc": ("taken_at", False),
    "registered_at_desc": ("registered_at", True),
    "registered_at_asc": ("registered_at", False),
    "rating_desc": ("rating", True),
    "rating_asc": ("rating", False),
}
# A bucket's key: taken_at is wall time, its date as it reads; registered_at is an
# instant, its date in UTC, whatever the session's time zone.
BUCKET_KEYS = {
    ("taken_at", "day"): "p.taken_at::date",
    ("taken_at", "month"): "date_trunc('month', p.taken_at)::date",
    ("registered_at", "day"): "(p.registered_at AT TIME ZONE 'UTC')::date",
    ("registered_at", "month"): "date_trunc('month', p.registered_at AT TIME ZONE 'UTC')::date",
    ("rating", "day"): "p.rating",
    ("rating", "month"): "p.rating",
}
# One photo per stack: its cover, or, while the cover is on the other side of the trash
# ({side}: the list's), the stack's first photo (by registration) on this side, so a
# stack never vanishes from the collapsed list because its cover was deleted. Unstacked
# photos match no o. An anti-join, not a subquery per row, so buckets count in parallel
# from two indexes alone: photos_registered_at for p, photos_stack (which the
# `o.stack_id IS NOT NULL` lets the planner use) for o.
ONE_PER_STACK = """NOT EXISTS (
    SELECT 1 FROM photos o
    WHERE o.stack_id = p.stack_id AND o.stack_id IS NOT NULL AND o.id <> p.id
        AND o.deleted_at IS {side} AND NOT p.is_stack_cover
        AND (o.is_stack_cover OR (o.registered_at, o.id) < (p.registered_at, p.id))
)"""
NOT_IN_STREAM = (
    "EXISTS (SELECT 1 FROM categories c WHERE c.id = p.category_id AND c.excluded_from_stream)"
)
# Every photo has one master file (image_files_one_master); image_files_not_online
# serves the two rarer states.
MASTER_FILE_IN_STATE = (
    "EXISTS (SELECT 1 FROM image_files f WHERE f.photo_id = p.id AND f.is_master "
    "AND f.state = {state})"
)
GET = "SELECT * FROM photos WHERE hothash = $1"
FILES = """
SELECT id, file_path, file_type, is_master, state, state_changed_at FROM image_files
WHERE photo_id = $1
ORDER BY is_master DESC, file_path
"""
SESSION = "SELECT id, name, source_path FROM input_sessions WHERE id = $1"
CORRECTION = "SELECT * FROM photo_corrections WHERE photo_id = $1"
ADD_FILE = """
INSERT INTO image_files (photo_id, file_path, file_type, is_master) VALUES ($1, $2, $3, false)
"""
IS_DUPLICATE = "SELECT EXISTS (SELECT 1 FROM duplicate_files WHERE file_path = $1)"
SET_DELETED = """
UPDATE photos SET deleted_at = CASE WHEN $2 THEN coalesce(deleted_at, clock_timestamp()) END
WHERE hothash = ANY($1::text[]) RETURNING hothash
"""
TRASHED = """
SELECT p.hothash, p.coldpreview_path, c.corrected_coldpreview_path
FROM photos p LEFT JOIN photo_corrections c ON c.photo_id = p.id
WHERE p.deleted_at IS NOT NULL
"""
DELETE_TRASHED = "DELETE FROM photos WHERE deleted_at IS NOT NULL AND hothash = ANY($1::text[])"
TAGS = """
SELECT tag, count(*) AS count FROM photos, unnest(tags) AS tag
WHERE deleted_at IS NULL AND ($1::text IS NULL OR starts_with(tag, $1))
GROUP BY tag ORDER BY tag LIMIT $2
"""
# Counted per spelling first (the photos_camera index holds both columns), then per
# name: the spelling of the most photos speaks for the camera.
CAMERAS = """
WITH spellings AS (
    SELECT camera_make AS make, camera_model AS model, count(*) AS count FROM photos
    WHERE deleted_at IS NULL AND camera_name(camera_make, camera_model) IS NOT NULL
    GROUP BY camera_make, camera_model
), named AS (
    SELECT DISTINCT ON (name) name, make, model,
        sum(count) OVER (PARTITION BY name)::bigint AS count
    FROM (SELECT camera_name(make, model) AS name, * FROM spellings) s
    ORDER BY name, count DESC, make, model
)
SELECT name, make, model, count FROM named ORDER BY count DESC, name
"""


@dataclass(frozen=True, slots=True)
class PhotoFilter:
    """The list's filters; None means 'any'."""

    photographer_id: uuid.UUID | None = None
    event_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    category_id: uuid.UUID | None = None
    tags: tuple[str, ...] = ()
    in_stream: bool | None = None
    rating_min: int | None = None
    rating_max: int | None = None
    taken_after: datetime | None = None
    taken_before: datetime | None = None
    # The state of the photo's master file.
    file_state: FileState | None = None
    deleted: bool = False
    # These photos only (any of them).
    hothashes: tuple[str, ...] = ()
    # True: photos with a rating; False: without.
    rated: bool | None = None
    # True: photos registered from damaged originals; False: the others.
    damaged: bool | None = None
    # A camera's name, as CAMERAS gives it.
    camera: str | None = None
    # One photo per stack (ONE_PER_STACK).
    collapsed: bool = False
    # One bucket of the sort: a range of its first key.
    key_range: KeyRange | None = None


@dataclass(frozen=True, slots=True)
class KeyRange:
    """Photos whose `column` (a sort's first key) lies in [start, end), or is NULL when
    start is None; end None: no upper bound (the last day a timestamp can hold)."""

    column: SortColumn
    start: datetime | int | None
    end: datetime | int | None = None


def _where(f: PhotoFilter) -> tuple[str, list[Any]]:
    side = "NOT NULL" if f.deleted else "NULL"
    clauses = [f"p.deleted_at IS {side}"]
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    for column, value in (
        ("photographer_id", f.photographer_id),
        ("event_id", f.event_id),
        ("input_session_id", f.session_id),
        ("category_id", f.category_id),
    ):
        if value is not None:
            clauses.append(f"p.{column} = {arg(value)}")
    if f.tags:
        clauses.append(f"p.tags @> {arg(list(f.tags))}::text[]")  # the GIN index
    if f.in_stream is True:
        clauses.append(f"NOT {NOT_IN_STREAM}")
    elif f.in_stream is False:
        clauses.append(NOT_IN_STREAM)
    if f.rating_min is not None:
        clauses.append(f"p.rating >= {arg(f.rating_min)}")
    if f.rating_max is not None:
        clauses.append(f"p.rating <= {arg(f.rating_max)}")
    if f.taken_after is not None:
        clauses.append(f"p.taken_at >= {arg(f.taken_after)}")
    if f.taken_before is not None:
        clauses.append(f"p.taken_at < {arg(f.taken_before)}")
    if f.file_state is not None:
        clauses.append(MASTER_FILE_IN_STATE.format(state=arg(f.file_state)))
    if f.hothashes:
        clauses.append(f"p.hothash = ANY({arg(list(f.hothashes))}::text[])")
    if f.rated is not None:
        clauses.append("p.rating IS NOT NULL" if f.rated else "p.rating IS NULL")
    if f.damaged is not None:
        clauses.append("p.damaged" if f.damaged else "NOT p.damaged")
    if f.camera is not None:
        clauses.append(f"camera_name(p.camera_make, p.camera_model) = {arg(f.camera)}")
    if f.collapsed:
        clauses.append(ONE_PER_STACK.format(side=side))
    if (bucket := f.key_range) is not None:
        # A range of the sort's own key, so a bucket's page is a range of its index.
        column = f"p.{bucket.column}"
        if bucket.start is None:
            clauses.append(f"{column} IS NULL")
        else:
            clauses.append(f"{column} >= {arg(bucket.start)}")
            if bucket.end is not None:
                clauses.append(f"{column} < {arg(bucket.end)}")
    return " AND ".join(clauses), args


def page_query(
    filters: PhotoFilter, sort: str, limit: int, offset: int, columns: str = ITEM_COLUMNS
) -> tuple[str, list[Any]]:
    """The SQL of one page and its arguments; `sort` is a key of SORTS."""
    where, args = _where(filters)
    # Pick the page's ids first: deep offsets then walk narrow index entries, and only
    # the rows shown carry their hotpreviews out of the table.
    sql = f"""
        WITH page AS (
            SELECT p.id, row_number() OVER () AS n FROM (
                SELECT p.id FROM photos p WHERE {where}
                ORDER BY {SORTS[sort]} LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}
            ) p
        )
        SELECT {columns} FROM page JOIN photos p ON p.id = page.id ORDER BY page.n
    """  # noqa: S608 - clauses are built from fixed fragments; values are parameters
    return sql, [*args, limit, offset]


async def list_page(
    conn: Conn, filters: PhotoFilter, sort: str, limit: int, offset: int
) -> list[PhotoItem]:
    """One page of photos in the given order."""
    sql, args = page_query(filters, sort, limit, offset)
    return to_structs(await conn.fetch(sql, *args), PhotoItem)


async def list_hothashes(
    conn: Conn, filters: PhotoFilter, sort: str, limit: int, offset: int
) -> list[str]:
    """The hothashes of a page, in the given order."""
    sql, args = page_query(filters, sort, limit, offset, columns="p.hothash")
    return [row["hothash"] for row in await conn.fetch(sql, *args)]


def buckets_query(
    filters: PhotoFilter, sort: str, granularity: Granularity
) -> tuple[str, list[Any]]:
    """The SQL counting the photos of each bucket of a sort, in the sort's order."""
    where, args = _where(filters)
    column, descending = SORT_KEYS[sort]
    sql = f"""
        SELECT {BUCKET_KEYS[column, granularity]} AS key, count(*) AS count
        FROM photos p WHERE {where}
        GROUP BY 1 ORDER BY 1 {"DESC" if descending else "ASC"} NULLS LAST
    """  # noqa: S608 - clauses are built from fixed fragments; values are parameters
    return sql, args


async def buckets(
    conn: Conn, filters: PhotoFilter, sort: str, granularity: Granularity
) -> list[tuple[date | int | None, int]]:
    """(key, count) of each bucket that has photos, in the sort's order: a date (the
    first of its month for months), a rating, or None (no time, no rating)."""
    sql, args = buckets_query(filters, sort, granularity)
    return [(row["key"], row["count"]) for row in await conn.fetch(sql, *args)]


async def get(conn: Conn, hothash: str) -> PhotoDetail | None:
    """A photo with its files, session and correction."""
    row = await conn.fetchrow(GET, hothash)
    if row is None:
        return None
    photo = to_struct(row, PhotoDetail)
    photo.files = to_structs(await conn.fetch(FILES, photo.id), ImageFile)
    if photo.input_session_id is not None:
        session = await conn.fetchrow(SESSION, photo.input_session_id)
        photo.session = to_struct(session, SessionRef) if session else None
    correction = await conn.fetchrow(CORRECTION, photo.id)
    photo.correction = to_struct(correction, Correction) if correction else None
    return photo


async def update(conn: Conn, hothash: str, values: dict[str, Any]) -> bool:
    """Change columns of one photo; False when it does not exist."""
    sql, args = update_statement("photos", values, key="hothash = $1", returning="id")
    return await conn.fetchval(sql, hothash, *args) is not None


async def files(conn: Conn, photo_id: uuid.UUID) -> list[ImageFile]:
    """The files of a photo, master first."""
    return to_structs(await conn.fetch(FILES, photo_id), ImageFile)


async def is_duplicate(conn: Conn, path: str) -> bool:
    """Whether this file is a known duplicate of some photo."""
    known: bool = await conn.fetchval(IS_DUPLICATE, path)
    return known


async def add_file(conn: Conn, photo_id: uuid.UUID, path: str, file_type: str) -> None:
    """Attach a companion file."""
    await conn.execute(ADD_FILE, photo_id, path, file_type)


async def set_deleted(conn: Conn, hothashes: list[str], deleted: bool) -> list[str]:
    """Move photos to or out of the trash; returns the hothashes that exist."""
    return [row["hothash"] for row in await conn.fetch(SET_DELETED, hothashes, deleted)]


async def trashed(conn: Conn) -> list[tuple[str, str | None, str | None]]:
    """(hothash, coldpreview, corrected coldpreview) of every photo in the trash."""
    rows = await conn.fetch(TRASHED)
    return [(r["hothash"], r["coldpreview_path"], r["corrected_coldpreview_path"]) for r in rows]


async def delete_trashed(conn: Conn, hothashes: list[str]) -> int:
    """Hard-delete these trashed photos (files, items and corrections cascade)."""
    result: str = await conn.execute(DELETE_TRASHED, hothashes)
    return int(result.split()[-1])


async def tags(conn: Conn, prefix: str | None, limit: int) -> list[TagCount]:
    """Distinct tags of photos outside the trash, with counts."""
    return to_structs(await conn.fetch(TAGS, prefix, limit), TagCount)


async def cameras(conn: Conn) -> list[Camera]:
    """The cameras of photos outside the trash, most photos first."""
    return to_structs(await conn.fetch(CAMERAS), Camera)


# Array expressions for the tag batches; $2 is the normalised tag list. A photo that
# would end up with more than $3 tags keeps the ones it has.
TAG_EDITS = {
    "add": "ARRAY(SELECT DISTINCT t FROM unnest(tags || $2::text[]) AS t ORDER BY t)",
    "remove": "ARRAY(SELECT t FROM unnest(tags) AS t WHERE t <> ALL($2::text[]) ORDER BY t)",
    "set": "$2::text[]",
}
# Only times that stay within $3..$4, as wall time and in UTC, move.
SHIFT_TIME = """
UPDATE photos SET taken_at = taken_at + $2::interval, taken_at_source = $5
WHERE hothash = ANY($1::text[]) AND taken_at + $2::interval BETWEEN $3 AND $4
    AND (taken_at_offset IS NULL OR taken_at + $2::interval - taken_at_offset BETWEEN $3 AND $4)
RETURNING hothash
"""
EXISTING = "SELECT hothash FROM photos WHERE hothash = ANY($1::text[])"
TIMES = "SELECT hothash, taken_at FROM photos WHERE hothash = ANY($1::text[])"


async def batch_update(conn: Conn, hothashes: list[str], values: dict[str, Any]) -> list[str]:
    """Set columns on many photos in one statement; returns the hothashes changed."""
    sql, args = update_statement(
        "photos", values, key="hothash = ANY($1::text[])", returning="hothash"
    )
    return [row["hothash"] for row in await conn.fetch(sql, hothashes, *args)]


async def batch_tags(
    conn: Conn, hothashes: list[str], edit: str, tags: list[str], most: int
) -> list[str]:
    """Add, remove or set tags on many photos, none left with more than `most`; `edit`
    is a key of TAG_EDITS. Returns the hothashes changed."""
    edited = TAG_EDITS[edit]
    sql = (
        f"UPDATE photos SET tags = {edited} WHERE hothash = ANY($1::text[])"  # noqa: S608
        f" AND cardinality({edited}) <= $3 RETURNING hothash"
    )
    return [row["hothash"] for row in await conn.fetch(sql, hothashes, tags, most)]


async def batch_shift_time(
    conn: Conn, hothashes: list[str], shift: timedelta, earliest: datetime, latest: datetime
) -> list[str]:
    """Shift the time of those photos that have one and stay within the bounds."""
    rows = await conn.fetch(SHIFT_TIME, hothashes, shift, earliest, latest, Source.ADJUSTED)
    return [row["hothash"] for row in rows]


async def times(conn: Conn, hothashes: list[str]) -> dict[str, datetime | None]:
    """The wall time of each of these photos."""
    return {row["hothash"]: row["taken_at"] for row in await conn.fetch(TIMES, hothashes)}


async def existing(conn: Conn, hothashes: list[str]) -> set[str]:
    """Which of these hothashes are photos."""
    return {row["hothash"] for row in await conn.fetch(EXISTING, hothashes)}


UPSERT_CORRECTION = """
INSERT INTO photo_corrections (photo_id, rotation, horizon_angle, exposure_ev, crop_left,
    crop_top, crop_right, crop_bottom, corrected_coldpreview_path)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (photo_id) DO UPDATE SET rotation = $2, horizon_angle = $3, exposure_ev = $4,
    crop_left = $5, crop_top = $6, crop_right = $7, crop_bottom = $8,
    corrected_coldpreview_path = $9
RETURNING *
"""
DELETE_CORRECTION = "DELETE FROM photo_corrections WHERE photo_id = $1 RETURNING photo_id"


async def set_correction(
    conn: Conn, photo_id: uuid.UUID, values: tuple[Any, ...], path: str
) -> Correction:
    """Store a photo's correction (rotation … crop_bottom) and its file's path."""
    return to_struct(await conn.fetchrow(UPSERT_CORRECTION, photo_id, *values, path), Correction)


async def delete_correction(conn: Conn, photo_id: uuid.UUID) -> bool:
    """Remove a correction; False when there was none."""
    return await conn.fetchval(DELETE_CORRECTION, photo_id) is not None
