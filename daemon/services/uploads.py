"""Uploads: a client sends a session's files one group at a time, registered by the
same rules as a folder; the session ends when the client completes it or goes idle."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import IO

import asyncpg
import msgspec

from daemon.errors import Conflict, Invalid
from daemon.imaging.grouping import TOO_LONG_FILE, FileGroup, FileRef
from daemon.imaging.hothash import PreviewError
from daemon.paths import path_bytes, too_long
from daemon.registration import storing
from daemon.registration.manager import Registrations
from daemon.services import input_sessions as sessions
from daemon.store import events as events_store
from daemon.store import input_sessions as store
from daemon.store import photographers as photographers_store
from daemon.store import registration as registration_store
from daemon.store import settings as settings_store
from daemon.store.base import Conn
from daemon.values import normalise_tags, split_moment
from protocol.base import InvalidBody, decode_request
from protocol.input_sessions import (
    GroupMetadata,
    GroupOutcome,
    GroupOverrides,
    InputSession,
    PathCheckResult,
)


async def check(pool: asyncpg.Pool, session_id: uuid.UUID, paths: list[str]) -> PathCheckResult:
    """Split a client's master paths into known (skip) and unknown (upload)."""
    async with pool.acquire() as conn:
        await _uploading(conn, session_id)
        known = await registration_store.known_paths(conn, paths)
    return PathCheckResult(
        known=[p for p in paths if p in known], unknown=[p for p in paths if p not in known]
    )


class Uploads:
    """The upload rules that need more than the pool: built once at start-up with the
    registrations (their decoding workers), the coldpreview folder and the spool root."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        registrations: Registrations,
        coldpreview_dir: Path,
        spool_root: Path,
    ) -> None:
        self._pool = pool
        self._registrations = registrations
        self._coldpreview_dir = coldpreview_dir
        self._spool_root = spool_root

    async def upload_group(
        self, session_id: uuid.UUID, raw_metadata: str, master: IO[bytes]
    ) -> GroupOutcome:
        """Register one uploaded group through the same rules as a folder registration.

        While the call runs its session is busy, never idle. A session ended meanwhile
        (`complete` sent too early) does not store the group: the call answers 409."""
        with self._registrations.upload_call(session_id):
            return await self._upload_group(session_id, raw_metadata, master)

    async def _upload_group(
        self, session_id: uuid.UUID, raw_metadata: str, master: IO[bytes]
    ) -> GroupOutcome:
        try:
            metadata = decode_request(raw_metadata, GroupMetadata)
        except InvalidBody as exc:
            raise Invalid(f"metadata: {exc}") from None
        group = FileGroup(
            FileRef(metadata.path, metadata.type),
            tuple(FileRef(f.path, f.type) for f in metadata.companions),
        )
        # A path too long for the catalog is that file's error, as a scan lists it; the rest
        # of the group registers without it.
        if long := [ref for ref in group.files if too_long(ref.path)]:
            errors = [(ref.path, TOO_LONG_FILE.format(length=path_bytes(ref.path))) for ref in long]
            lost = group.master in long
            async with self._pool.acquire() as conn, conn.transaction():
                await _locked_uploading(conn, session_id)
                failed = storing.Outcomes(errors=errors, groups=int(lost))
                await storing.add_outcomes(conn, session_id, failed)
            if lost:
                raise Invalid(f"{metadata.path}: {errors[0][1]}")
            group = FileGroup(
                group.master, tuple(ref for ref in group.companions if ref not in long)
            )
        async with self._pool.acquire() as conn:
            session = await _uploading(conn, session_id)
            defaults = await _upload_defaults(conn, session, metadata.overrides)
            async with conn.transaction():
                seen = (await registration_store.known_paths(conn, [metadata.path])).get(
                    metadata.path
                )
                if seen is not None:
                    outcomes = storing.Outcomes()
                    await storing.known_group(conn, group, seen, outcomes)
                    await storing.add_outcomes(conn, session_id, outcomes)
                    return GroupOutcome(outcome="already_registered", hothash=None)
        # Workers read files: the upload is spooled to one in the session's own folder
        # (removed when the session ends), and removed whatever happens.
        try:
            spool = await asyncio.to_thread(
                _spool, master, Path(metadata.path).suffix, self._spool_root / str(session_id)
            )
        except FileNotFoundError:  # the folder went with its session
            await _still_uploading(self._pool, session_id)
            raise
        try:
            previews = await self._registrations.workers.previews(
                str(spool),
                coldpreview_max_px=session.coldpreview_max_px,
                quality=session.coldpreview_quality,
            )
        except PreviewError as exc:
            async with self._pool.acquire() as conn, conn.transaction():
                await _locked_uploading(conn, session_id)
                failed = storing.Outcomes(errors=[(metadata.path, str(exc))], groups=1)
                await storing.add_outcomes(conn, session_id, failed)
            raise Invalid(f"{metadata.path}: {exc}") from None
        finally:
            await asyncio.to_thread(spool.unlink, missing_ok=True)
        # The file is this call's until its row has committed (or not): see orphans.py.
        with contextlib.ExitStack() as owned:
            async with self._pool.acquire() as conn, conn.transaction():
                await _locked_uploading(conn, session_id)
                outcomes = storing.Outcomes(groups=1)
                new = await storing.store_group(conn, defaults, group, previews, outcomes)
                if new:
                    await storing.write_coldpreviews(
                        owned,
                        self._registrations.pending,
                        self._coldpreview_dir,
                        [(previews.hothash, previews.coldpreview)],
                    )
                await storing.add_outcomes(conn, session_id, outcomes)
        if new:  # registered, even when its XMP could not be read (a session error of its own)
            return GroupOutcome(outcome="registered", hothash=previews.hothash)
        if outcomes.errors:  # recorded as the session's error, and told to the client
            raise Invalid(f"{metadata.path}: {outcomes.errors[0][1]}")
        if outcomes.already_registered:  # another call stored this path while this one decoded
            return GroupOutcome(outcome="already_registered", hothash=None)
        return GroupOutcome(outcome="duplicate", hothash=previews.hothash)

    async def complete(self, session_id: uuid.UUID) -> InputSession:
        """An upload client says it has sent everything."""
        async with self._pool.acquire() as conn:
            await _uploading(conn, session_id)
            await store.finish(conn, session_id, "completed", None)
            session = await sessions.fetch(conn, session_id)
        await asyncio.to_thread(self._remove_spool, session_id)
        return session

    async def reap_idle_uploads(self, idle_seconds: float) -> list[uuid.UUID]:
        """End upload sessions with no call for `idle_seconds` and remove their spooled
        files."""
        failure = (
            f"no upload call for {idle_seconds:.0f} s; the client gave up or lost its "
            "connection. Start a new upload session to send the rest (files already sent "
            "are skipped)"
        )
        async with self._pool.acquire() as conn:
            reaped = await store.interrupt_idle_uploads(
                conn, idle_seconds, failure, self._registrations.busy_uploads()
            )
        for session_id in reaped:
            await asyncio.to_thread(self._remove_spool, session_id)
        return reaped

    def _remove_spool(self, session_id: uuid.UUID) -> None:
        shutil.rmtree(self._spool_root / str(session_id), ignore_errors=True)


def clear_spools(spool_root: Path) -> int:
    """At start-up, when no upload can be running: remove what a crash left; say how many."""
    if not spool_root.is_dir():
        return 0
    leftovers = [entry for entry in spool_root.iterdir() if entry.is_dir()]
    for folder in leftovers:
        shutil.rmtree(folder, ignore_errors=True)
    return len(leftovers)


def _spool(master: IO[bytes], suffix: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.NamedTemporaryFile(suffix=suffix[:10], dir=folder, delete=False) as spool:
        shutil.copyfileobj(master, spool)
    return Path(spool.name)


class _UploadSession(msgspec.Struct):
    id: uuid.UUID
    photographer_id: uuid.UUID
    event_id: uuid.UUID | None
    coldpreview_max_px: int
    coldpreview_quality: int


async def _uploading(conn: Conn, session_id: uuid.UUID) -> _UploadSession:
    # Every call is activity: the touch keeps the idle reaper away from the session.
    touched = await store.touch_upload(conn, session_id)
    session = await sessions.fetch(conn, session_id)
    if not touched:
        raise _not_uploading(session)
    system = await settings_store.get(conn)
    return _UploadSession(
        session.id,
        session.default_photographer_id,
        session.default_event_id,
        system.coldpreview_max_px,
        system.coldpreview_quality,
    )


async def _locked_uploading(conn: Conn, session_id: uuid.UUID) -> None:
    """In the caller's transaction: the session still takes uploads, and keeps doing so
    until the transaction ends (`complete` and the idle reaper wait for the row lock)."""
    if not await store.touch_upload(conn, session_id):
        raise _not_uploading(await sessions.fetch(conn, session_id))


async def _still_uploading(pool: asyncpg.Pool, session_id: uuid.UUID) -> None:
    async with pool.acquire() as conn:
        session = await sessions.fetch(conn, session_id)
    if session.status != "uploading":
        raise _not_uploading(session)


def _not_uploading(session: InputSession) -> Conflict:
    why = f" ({session.failure})" if session.failure else ""
    return Conflict(f"input session {session.id} is {session.status}, not taking uploads{why}")


async def _upload_defaults(
    conn: Conn, session: _UploadSession, overrides: GroupOverrides | None
) -> storing.PhotoDefaults:
    overrides = overrides or GroupOverrides()
    # Checked here, not left to the foreign keys: before the file is decoded, and also
    # when the file turns out a duplicate and no photo row is written.
    photographer = overrides.photographer_id or session.photographer_id
    if overrides.photographer_id and not await photographers_store.get(conn, photographer):
        raise Invalid(f"overrides.photographer_id: no photographer {photographer}")
    event = overrides.event_id or session.event_id
    if overrides.event_id and not await events_store.exists(conn, overrides.event_id):
        raise Invalid(f"overrides.event_id: no event {overrides.event_id}")
    taken_at, taken_at_offset = (
        split_moment(overrides.taken_at, "overrides.taken_at")
        if overrides.taken_at is not None
        else (None, None)
    )
    return storing.PhotoDefaults(
        session_id=session.id,
        photographer_id=photographer,
        event_id=event,
        taken_at=taken_at,
        taken_at_offset=taken_at_offset,
        tags=tuple(normalise_tags(overrides.tags)),
        rating=overrides.rating,
        files_here=False,
    )
