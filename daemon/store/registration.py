"""SQL for registering photos: known paths, new photos, their files, duplicates."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec

from daemon.store.base import Conn
from protocol.photos import Source

# Duplicates are masters of their group: only a master's picture is ever read.
KNOWN_PATHS = """
SELECT f.file_path, f.photo_id, p.deleted_at IS NOT NULL AS deleted, true AS is_file,
    f.is_master, p.hothash, f.file_size, f.file_mtime_ns, f.created_at AS since
FROM image_files f JOIN photos p ON p.id = f.photo_id
WHERE f.file_path = ANY($1::text[])
UNION ALL
SELECT d.file_path, d.photo_id, p.deleted_at IS NOT NULL, false,
    true, p.hothash, d.file_size, d.file_mtime_ns, d.detected_at
FROM duplicate_files d JOIN photos p ON p.id = d.photo_id
WHERE d.file_path = ANY($1::text[])
"""
INSERT_PHOTO = """
INSERT INTO photos (
    hothash, hotpreview_b64, coldpreview_path, exif_data, taken_at, taken_at_offset,
    taken_at_source, location_lat, location_lng, location_source, location_accuracy,
    camera_make, camera_model, lens_model, iso, shutter_speed, aperture, focal_length,
    tags, rating, photographer_id, input_session_id, event_id, damaged, damage
) VALUES (
    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
    CASE WHEN $8::float8 IS NULL THEN NULL ELSE 'exact' END,
    $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23::text IS NOT NULL, $23
)
ON CONFLICT (hothash) DO NOTHING
RETURNING id
"""
PHOTO_BY_HOTHASH = "SELECT id, deleted_at IS NOT NULL AS deleted FROM photos WHERE hothash = $1"
RESTORE = (
    "UPDATE photos SET deleted_at = NULL WHERE id = ANY($1::uuid[]) AND deleted_at IS NOT NULL"
)
ADD_FILE = """
INSERT INTO image_files (photo_id, file_path, file_type, is_master, file_size, file_mtime_ns)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (file_path) WHERE origin IS NULL DO NOTHING
"""
# A path that is some photo's file is never also a duplicate.
ADD_DUPLICATE = """
INSERT INTO duplicate_files (photo_id, file_path, session_id, file_size, file_mtime_ns)
SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM image_files WHERE file_path = $2)
ON CONFLICT (file_path) DO NOTHING
"""
# The file at a path was read again and is what the catalog has there: it is there
# (online), as it is now.
READ_AGAIN = """
WITH duplicate AS (
    UPDATE duplicate_files SET file_size = $2, file_mtime_ns = $3 WHERE file_path = $1
)
UPDATE image_files
SET file_size = $2, file_mtime_ns = $3, state = 'online',
    state_changed_at = CASE WHEN state = 'online' THEN state_changed_at ELSE clock_timestamp() END
WHERE file_path = $1
"""
FORGET_PATHS = """
WITH duplicate AS (DELETE FROM duplicate_files WHERE file_path = ANY($1::text[]))
DELETE FROM image_files WHERE file_path = ANY($1::text[])
"""
# The watched folder a path lies in, while a watcher follows it (watching on, not
# paused); the deepest when folders nest. $2 is the path separator.
FOLLOWED_FOLDER = """
SELECT w.path FROM watched_folders w CROSS JOIN system_settings s
WHERE s.watching_enabled AND NOT w.paused AND starts_with($1, rtrim(w.path, $2) || $2)
ORDER BY length(w.path) DESC
LIMIT 1
"""


class FileStat(msgspec.Struct, frozen=True):
    """What a file was like when it was read: written since, it differs in one of these."""

    size: int
    mtime_ns: int


class KnownPath(msgspec.Struct, frozen=True):
    """A path the catalog already has, as a photo's file or as a duplicate."""

    photo_id: uuid.UUID
    deleted: bool
    is_file: bool
    # A group's master (always, for a duplicate): its picture is what was read.
    is_master: bool = True
    hothash: str = ""
    # What the file was like when it was last read (None: not recorded), and when the
    # catalog took the path.
    stat: FileStat | None = None
    since: datetime | None = None


class NewFile(msgspec.Struct, frozen=True):
    """A file to attach to a photo, and what it was like when it was read (if known)."""

    path: str
    file_type: str
    is_master: bool
    stat: FileStat | None = None


class NewPhoto(msgspec.Struct, kw_only=True):
    """The columns registration sets on a new photo."""

    hothash: str
    hotpreview_b64: str
    coldpreview_path: str
    exif_data: dict[str, Any]
    taken_at: datetime | None
    taken_at_offset: timedelta | None
    taken_at_source: Source
    location_lat: float | None
    location_lng: float | None
    location_source: Source | None
    camera_make: str | None
    camera_model: str | None
    lens_model: str | None
    iso: int | None
    shutter_speed: str | None
    aperture: float | None
    focal_length: float | None
    tags: list[str]
    rating: int | None
    photographer_id: uuid.UUID
    input_session_id: uuid.UUID | None
    event_id: uuid.UUID | None
    # Why the picture decoded only in part; None for a whole one.
    damage: str | None = None


async def known_paths(conn: Conn, paths: list[str]) -> dict[str, KnownPath]:
    """Which of these paths the catalog already knows."""
    rows = await conn.fetch(KNOWN_PATHS, paths)
    return {row["file_path"]: _known_path(row) for row in rows}


def _known_path(row: Any) -> KnownPath:
    size, mtime_ns = row["file_size"], row["file_mtime_ns"]
    return KnownPath(
        row["photo_id"],
        row["deleted"],
        row["is_file"],
        is_master=row["is_master"],
        hothash=row["hothash"],
        stat=FileStat(size, mtime_ns) if size is not None and mtime_ns is not None else None,
        since=row["since"],
    )


async def insert_photo(conn: Conn, photo: NewPhoto) -> uuid.UUID | None:
    """Insert a photo; None when its hothash is already in the catalog."""
    photo_id: uuid.UUID | None = await conn.fetchval(
        INSERT_PHOTO,
        photo.hothash,
        photo.hotpreview_b64,
        photo.coldpreview_path,
        photo.exif_data,
        photo.taken_at,
        photo.taken_at_offset,
        photo.taken_at_source,
        photo.location_lat,
        photo.location_lng,
        photo.location_source,
        photo.camera_make,
        photo.camera_model,
        photo.lens_model,
        photo.iso,
        photo.shutter_speed,
        photo.aperture,
        photo.focal_length,
        photo.tags,
        photo.rating,
        photo.photographer_id,
        photo.input_session_id,
        photo.event_id,
        photo.damage,
    )
    return photo_id


async def photo_by_hothash(conn: Conn, hothash: str) -> KnownPath | None:
    """The photo with this hothash, if any."""
    row = await conn.fetchrow(PHOTO_BY_HOTHASH, hothash)
    return KnownPath(row["id"], row["deleted"], True, hothash=hothash) if row else None


async def restore(conn: Conn, photo_ids: list[uuid.UUID]) -> None:
    """Take soft-deleted photos out of the trash (their file was registered again)."""
    if photo_ids:
        await conn.execute(RESTORE, photo_ids)


async def add_files(conn: Conn, photo_id: uuid.UUID, files: list[NewFile]) -> None:
    """Attach files to a photo; paths already known are skipped."""
    await conn.executemany(
        ADD_FILE,
        [
            (
                photo_id,
                file.path,
                file.file_type,
                file.is_master,
                *((file.stat.size, file.stat.mtime_ns) if file.stat else (None, None)),
            )
            for file in files
        ],
    )


async def add_duplicate(
    conn: Conn,
    photo_id: uuid.UUID,
    path: str,
    session_id: uuid.UUID | None,
    stat: FileStat | None = None,
) -> None:
    """Record a file whose picture is already in the catalog under another path."""
    size, mtime_ns = (stat.size, stat.mtime_ns) if stat else (None, None)
    await conn.execute(ADD_DUPLICATE, photo_id, path, session_id, size, mtime_ns)


async def read_again(conn: Conn, path: str, stat: FileStat) -> None:
    """A known path read again holds what the catalog has there: record it as it is now."""
    await conn.execute(READ_AGAIN, path, stat.size, stat.mtime_ns)


async def forget_paths(conn: Conn, paths: list[str]) -> None:
    """These paths are no longer their photos' files nor duplicates (they hold other
    pictures now); the photos stay."""
    if paths:
        await conn.execute(FORGET_PATHS, paths)


async def followed_folder(conn: Conn, path: str) -> str | None:
    """The watched folder a watcher follows that holds this path, if any."""
    folder: str | None = await conn.fetchval(FOLLOWED_FOLDER, path, os.sep)
    return folder
