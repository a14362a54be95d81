"""Storing decoded groups: the one place a new photo, a duplicate or a restore is decided.

Both the folder job and the upload endpoint go through here, inside their own
transaction, so both follow the same rules.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg

from daemon.errors import Invalid
from daemon.imaging import coldpreviews
from daemon.imaging.grouping import FileGroup, FileRef
from daemon.imaging.hothash import Previews
from daemon.paths import storable_text
from daemon.registration import changes
from daemon.registration.orphans import PendingFiles
from daemon.store import image_files
from daemon.store import input_sessions as sessions_store
from daemon.store import registration as store
from daemon.store.base import UNSTORABLE_TEXT, Conn
from daemon.values import camera_time, normalise_tags
from protocol.photos import MAX_TAGS, Source

# What PostgreSQL refuses in one file's values (text it cannot hold, a number outside
# its column's range, a CHECK, which the connection raises as Invalid): that file fails
# alone, never its batch.
UNSTORABLE_VALUE = (*UNSTORABLE_TEXT, asyncpg.DataError, Invalid)


@dataclass(frozen=True, slots=True)
class PhotoDefaults:
    """What a new photo gets besides its EXIF: the session's defaults or an upload's overrides."""

    session_id: uuid.UUID
    photographer_id: uuid.UUID
    event_id: uuid.UUID | None
    # Wall time and UTC offset, as values.split_moment makes them (the offset None when
    # the time came without a zone).
    taken_at: datetime | None = None
    taken_at_offset: timedelta | None = None
    tags: tuple[str, ...] = ()
    rating: int | None = None
    # False for uploads: their paths name files on the client's machine, which this
    # one cannot look at, so a file there is never taken for moved.
    files_here: bool = True


@dataclass(frozen=True, slots=True)
class Found:
    """A group to store, as registration found it before decoding it."""

    group: FileGroup
    # What its files were like before they were read, by path (nothing for uploads:
    # their files are on the client's machine).
    looks: Mapping[str, os.stat_result] = field(default_factory=dict)
    # Its master path's row, when the path was known and is read again because the
    # file there was written since (changes.rewritten).
    known: store.KnownPath | None = None

    def stat(self, path: str) -> store.FileStat | None:
        """What the catalog records of one of its files."""
        return changes.stat_of(self.looks.get(path))

    def new_files(self, files: tuple[FileRef, ...]) -> list[store.NewFile]:
        """Some of its files, to attach to a photo."""
        master = self.group.master
        return [store.NewFile(f.path, f.file_type, f is master, self.stat(f.path)) for f in files]


@dataclass(slots=True)
class Outcomes:
    """What one transaction adds to a session's counts."""

    registered: int = 0
    duplicates: int = 0
    already_registered: int = 0
    # New photos whose picture decoded only in part (counted in `registered` too).
    damaged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    groups: int = 0


async def store_groups(
    conn: Conn,
    defaults: PhotoDefaults,
    decoded: list[tuple[Found, Previews]],
    outcomes: Outcomes,
) -> list[bool]:
    """Insert decoded groups; for each, True when it is a new photo.

    The batch is tried under one savepoint; only when PostgreSQL refuses some file's
    value is it stored again group by group, so that file fails alone. (A savepoint per
    group costs two round trips each: 15 % of registering small files.)"""
    trial = Outcomes()
    try:
        async with conn.transaction():
            new = [await _store_group(conn, defaults, f, p, trial) for f, p in decoded]
    except UNSTORABLE_VALUE:
        return [await _store_one(conn, defaults, f, p, outcomes) for f, p in decoded]
    outcomes.registered += trial.registered
    outcomes.duplicates += trial.duplicates
    outcomes.already_registered += trial.already_registered
    outcomes.damaged += trial.damaged
    outcomes.errors.extend(trial.errors)
    return new


async def store_group(
    conn: Conn, defaults: PhotoDefaults, group: FileGroup, previews: Previews, outcomes: Outcomes
) -> bool:
    """Insert one decoded group; True when it is a new photo (its coldpreview is due)."""
    return await _store_one(conn, defaults, Found(group), previews, outcomes)


async def _store_one(
    conn: Conn, defaults: PhotoDefaults, found: Found, previews: Previews, outcomes: Outcomes
) -> bool:
    """A value of this file that PostgreSQL refuses becomes this file's error: the group
    runs in a savepoint, so the rest of the batch's transaction goes on."""
    try:
        async with conn.transaction():
            return await _store_group(conn, defaults, found, previews, outcomes)
    except UNSTORABLE_VALUE as exc:
        outcomes.errors.append((found.group.master.path, f"cannot be stored: {exc}"))
        return False


async def _store_group(
    conn: Conn, defaults: PhotoDefaults, found: Found, previews: Previews, outcomes: Outcomes
) -> bool:
    group = found.group
    if found.known is not None and await _read_again(conn, found, previews, outcomes):
        return False
    fields = previews.fields
    taken: tuple[datetime | None, timedelta | None, Source]
    if defaults.taken_at is not None:
        taken = (defaults.taken_at, defaults.taken_at_offset, Source.MANUAL)
    else:
        taken = (*camera_time(fields.taken_at, fields.taken_at_offset), Source.EXIF)
    photo_id = await store.insert_photo(
        conn,
        store.NewPhoto(
            hothash=previews.hothash,
            hotpreview_b64=previews.hotpreview_b64,
            coldpreview_path=coldpreviews.relative_path(previews.hothash),
            exif_data=previews.exif_data,
            taken_at=taken[0],
            taken_at_offset=taken[1],
            taken_at_source=taken[2],
            location_lat=fields.location_lat,
            location_lng=fields.location_lng,
            location_source=Source.EXIF if fields.location_lat is not None else None,
            camera_make=fields.camera_make,
            camera_model=fields.camera_model,
            lens_model=fields.lens_model,
            iso=fields.iso,
            shutter_speed=fields.shutter_speed,
            aperture=fields.aperture,
            focal_length=fields.focal_length,
            tags=_tags(defaults, previews),
            rating=_rating(defaults, previews),
            photographer_id=defaults.photographer_id,
            input_session_id=defaults.session_id,
            event_id=defaults.event_id,
            damage=previews.damage,
        ),
    )
    if photo_id is not None:
        await store.add_files(conn, photo_id, found.new_files(group.files))
        outcomes.registered += 1
        if previews.damage is not None:
            outcomes.damaged += 1
        if previews.xmp_problem is not None:
            outcomes.errors.append(
                (
                    previews.xmp_problem_path or group.master.path,
                    f"XMP not read: {previews.xmp_problem}",
                )
            )
        return True
    existing = await store.photo_by_hothash(conn, previews.hothash)
    if existing is None:  # hard-deleted between the insert and this look-up
        outcomes.errors.append(
            (group.master.path, "the matching photo was just deleted; register again")
        )
        return False
    if existing.deleted:
        await store.restore(conn, [existing.photo_id])
    if group.master.path in await store.known_paths(conn, [group.master.path]):
        # Another session stored this very file while this one decoded it: the file is
        # already registered, not a duplicate of itself.
        outcomes.already_registered += 1
        return False
    if defaults.files_here and await _moved_here(conn, existing.photo_id, found):
        outcomes.already_registered += 1
        return False
    await store.add_duplicate(
        conn,
        existing.photo_id,
        group.master.path,
        defaults.session_id,
        found.stat(group.master.path),
    )
    outcomes.duplicates += 1
    return False


async def _read_again(conn: Conn, found: Found, previews: Previews, outcomes: Outcomes) -> bool:
    """A known master read again because its file was written since. True when it still
    holds the picture the catalog has there: only what the file is like now is recorded.
    Otherwise the path is no longer that photo's file (or that duplicate), nor are the
    companions written with it, and the group is stored as one never seen: a new photo,
    another photo's file moved here, or a duplicate."""
    group = found.group
    master = group.master.path
    # Looked up again: another session may have changed the rows since the job's look.
    known = await store.known_paths(conn, [f.path for f in group.files])
    current = known.get(master)
    if current is None:
        return False
    if current.hothash == previews.hothash:
        stat = found.stat(master)
        if stat is not None:
            await store.read_again(conn, master, stat)
        await _known(conn, found, current, outcomes)
        return True
    leaving = [master]
    if current.is_file:
        # A companion stays with the old photo unless it was written anew too (a RAW
        # beside a JPEG that was overwritten alone is still the old picture's).
        leaving += [
            f.path
            for f in group.companions
            if (row := known.get(f.path)) is not None
            and row.is_file
            and row.photo_id == current.photo_id
            and changes.rewritten(row, found.looks.get(f.path))
        ]
    await store.forget_paths(conn, leaving)
    return False


async def _moved_here(conn: Conn, photo_id: uuid.UUID, found: Found) -> bool:
    """Moved is not new: when the photo's master file no longer exists where the catalog
    has it, this group is that file in its new place: the master's path follows it, and
    so do the companions that left the old folder with it.

    Gone means gone from a folder that is there. A folder that is not, an unplugged
    disk say, says nothing about the file, unless a watcher follows the watched folder
    it was in and that folder is there: the watcher makes the files of a disk that went
    away offline, so this was a folder moved (into another watched folder, say)."""
    group = found.group
    files = await image_files.files_of(conn, photo_id)
    master = next((f for f in files if f.is_master), None)
    if master is None or master.state == "offline":
        return False
    old_folder = Path(master.path).parent
    followed = await store.followed_folder(conn, master.path)

    def look() -> set[uuid.UUID] | None:
        if os.path.lexists(master.path):
            return None
        if not old_folder.is_dir() and (followed is None or not Path(followed).is_dir()):
            return None
        return {f.id for f in files if not os.path.lexists(f.path)}

    vanished = await asyncio.to_thread(look)
    if vanished is None:
        return False
    if not await image_files.move_file(conn, master.path, group.master.path):
        return False  # the new path became a file of the catalog meanwhile
    left = [f for f in files if f.id in vanished and f is not master]
    await image_files.forget_files(conn, [f.id for f in left if Path(f.path).parent == old_folder])
    await image_files.set_state(
        conn, [f.path for f in left if Path(f.path).parent != old_folder], "missing"
    )
    stat = found.stat(group.master.path)
    if stat is not None:
        await store.read_again(conn, group.master.path, stat)
    await store.add_files(conn, photo_id, found.new_files(group.companions))
    return True


def _rating(defaults: PhotoDefaults, previews: Previews) -> int | None:
    """A new photo's rating: the session's or upload's, else its XMP's. (XMP never
    touches a photo already in the catalog: a change made there wins over the file.)"""
    if defaults.rating is not None or previews.xmp is None:
        return defaults.rating
    return previews.xmp.rating


def _tags(defaults: PhotoDefaults, previews: Previews) -> list[str]:
    """A new photo's tags: the session's or upload's, then its XMP keywords, within what
    the catalog accepts for one photo."""
    given = normalise_tags(defaults.tags)
    keywords = previews.xmp.keywords if previews.xmp is not None else ()
    extra = [tag for tag in normalise_tags(keywords) if tag not in given]
    return sorted(given + extra[: max(MAX_TAGS - len(given), 0)])


async def known_group(
    conn: Conn, found: Found | FileGroup, seen: store.KnownPath, outcomes: Outcomes
) -> None:
    """A group whose master path is known: skip it, restoring or completing its photo."""
    outcomes.groups += 1
    await _known(conn, found if isinstance(found, Found) else Found(found), seen, outcomes)


async def _known(conn: Conn, found: Found, seen: store.KnownPath, outcomes: Outcomes) -> None:
    outcomes.already_registered += 1
    if seen.deleted:
        await store.restore(conn, [seen.photo_id])
    if seen.is_file and found.group.companions:
        # A sidecar or RAW that appeared next to a known master joins its photo.
        await store.add_files(conn, seen.photo_id, found.new_files(found.group.companions))


async def write_coldpreviews(
    owned: contextlib.ExitStack,
    pending: PendingFiles,
    coldpreview_dir: Path,
    files: list[tuple[str, bytes]],
) -> None:
    """Write new photos' coldpreviews (hothash, bytes) inside the transaction that
    inserts their rows, before it commits: a crash then leaves files without rows, never
    rows without files. They stay held in `owned` until that transaction has ended, so
    the orphan sweep does not take them for a crash's leftovers (orphans.py)."""
    if not files:
        return
    owned.enter_context(pending.hold([coldpreviews.relative_path(h) for h, _ in files]))

    def write() -> None:
        for hothash, data in files:
            coldpreviews.write(coldpreview_dir, hothash, data)

    await asyncio.to_thread(write)


async def add_outcomes(conn: Conn, session_id: uuid.UUID, outcomes: Outcomes) -> None:
    """Record errors and add the counts, in the caller's transaction."""
    if outcomes.errors:
        # An error row that cannot be stored would fail the batch it reports on.
        errors = [(storable_text(path), storable_text(error)) for path, error in outcomes.errors]
        await sessions_store.add_errors(conn, session_id, errors)
    await sessions_store.add_progress(
        conn,
        session_id,
        registered=outcomes.registered,
        duplicates=outcomes.duplicates,
        already_registered=outcomes.already_registered,
        damaged=outcomes.damaged,
        errors=len(outcomes.errors),
        groups=outcomes.groups,
    )
