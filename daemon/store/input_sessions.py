"""SQL for input sessions, their errors and their photos."""

from __future__ import annotations

import uuid

from daemon.store.base import Conn, to_struct, to_structs
from protocol.input_sessions import InputSession, SessionError, SessionPhoto

INSERT = """
INSERT INTO input_sessions (
    name, source_path, recursive, default_photographer_id, default_event_id, watched_folder_id
) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *
"""
GET = "SELECT * FROM input_sessions WHERE id = $1"
LIST = "SELECT * FROM input_sessions ORDER BY created_at DESC LIMIT $1 OFFSET $2"
UNFINISHED = """
SELECT * FROM input_sessions WHERE status IN ('pending', 'running', 'uploading')
ORDER BY created_at, id LIMIT $1
"""
START = """
UPDATE input_sessions SET status = $2, started_at = clock_timestamp() WHERE id = $1
"""
FINISH = """
UPDATE input_sessions SET status = $2, completed_at = clock_timestamp(), failure = $3
WHERE id = $1 AND status IN ('pending', 'running', 'uploading')
"""
# Progress is added, never overwritten: each batch commits its own increments.
ADD_PROGRESS = """
UPDATE input_sessions SET
    photo_count = photo_count + $2,
    duplicate_count = duplicate_count + $3,
    already_registered_count = already_registered_count + $4,
    error_count = error_count + $5,
    groups_done = groups_done + $6,
    damaged_count = damaged_count + $7
WHERE id = $1
"""
SET_SCAN_TOTALS = """
UPDATE input_sessions SET files_found = $2, files_ignored = $3, groups_total = $4 WHERE id = $1
"""
# Only this installation's own sessions (origin NULL): central never rewrites a row a
# machine sent, which says what the machine last said of it.
MARK_INTERRUPTED = """
UPDATE input_sessions
SET status = 'interrupted', completed_at = clock_timestamp(),
    failure = 'the daemon stopped before the session finished; register the folder again to resume'
WHERE status IN ('pending', 'running', 'uploading') AND origin IS NULL
RETURNING id
"""
# An upload call is activity: updated_at (set by the trigger) is its time.
TOUCH_UPLOAD = """
UPDATE input_sessions SET status = status WHERE id = $1 AND status = 'uploading' RETURNING id
"""
INTERRUPT_IDLE_UPLOADS = """
UPDATE input_sessions
SET status = 'interrupted', completed_at = clock_timestamp(), failure = $2
WHERE status = 'uploading' AND updated_at < clock_timestamp() - make_interval(secs => $1)
    AND id <> ALL($3::uuid[]) AND origin IS NULL
RETURNING id
"""
DELETE = "DELETE FROM input_sessions WHERE id = $1"
ADD_ERROR = "INSERT INTO session_errors (session_id, file_path, error) VALUES ($1, $2, $3)"
ERRORS = """
SELECT id, file_path, error, occurred_at FROM session_errors WHERE session_id = $1
ORDER BY occurred_at, file_path LIMIT $2 OFFSET $3
"""
PHOTOS = """
SELECT p.hothash, p.hotpreview_b64, p.taken_at, p.registered_at, f.file_path AS master_path,
    p.damaged, p.damage
FROM photos p LEFT JOIN image_files f ON f.photo_id = p.id AND f.is_master
WHERE p.input_session_id = $1
ORDER BY p.registered_at, p.id LIMIT $2 OFFSET $3
"""


async def insert(
    conn: Conn,
    *,
    name: str,
    source_path: str,
    recursive: bool,
    photographer_id: uuid.UUID,
    event_id: uuid.UUID | None,
    watched_folder_id: uuid.UUID | None = None,
) -> InputSession:
    """Create a pending session."""
    row = await conn.fetchrow(
        INSERT, name, source_path, recursive, photographer_id, event_id, watched_folder_id
    )
    return to_struct(row, InputSession)


async def get(conn: Conn, session_id: uuid.UUID) -> InputSession | None:
    """One session, or None."""
    row = await conn.fetchrow(GET, session_id)
    return to_struct(row, InputSession) if row else None


async def list_recent(conn: Conn, limit: int, offset: int) -> list[InputSession]:
    """Sessions, newest first."""
    return to_structs(await conn.fetch(LIST, limit, offset), InputSession)


async def unfinished(conn: Conn, limit: int) -> list[InputSession]:
    """Sessions not finished yet (pending, running, uploading), oldest first."""
    return to_structs(await conn.fetch(UNFINISHED, limit), InputSession)


async def start(conn: Conn, session_id: uuid.UUID, status: str = "running") -> None:
    """Mark a session running (a folder job) or uploading (a remote client)."""
    await conn.execute(START, session_id, status)


async def finish(conn: Conn, session_id: uuid.UUID, status: str, failure: str | None) -> None:
    """Mark a session finished, unless it already is."""
    await conn.execute(FINISH, session_id, status, failure)


async def add_progress(
    conn: Conn,
    session_id: uuid.UUID,
    *,
    registered: int,
    duplicates: int,
    already_registered: int,
    errors: int,
    groups: int,
    damaged: int,
) -> None:
    """Add one batch's outcome to the session's counts."""
    await conn.execute(
        ADD_PROGRESS,
        session_id,
        registered,
        duplicates,
        already_registered,
        errors,
        groups,
        damaged,
    )


async def set_scan_totals(
    conn: Conn, session_id: uuid.UUID, *, files: int, ignored: int, groups: int
) -> None:
    """Record what the folder holds, once the counting pass is done."""
    await conn.execute(SET_SCAN_TOTALS, session_id, files, ignored, groups)


async def mark_interrupted(conn: Conn) -> list[uuid.UUID]:
    """At start-up: sessions a previous daemon left running never finish; say so."""
    return [row["id"] for row in await conn.fetch(MARK_INTERRUPTED)]


async def touch_upload(conn: Conn, session_id: uuid.UUID) -> bool:
    """Note a call on an upload session; False unless it is still taking uploads.

    In a transaction, the row stays locked (and so uploading) until it ends."""
    return await conn.fetchval(TOUCH_UPLOAD, session_id) is not None


async def interrupt_idle_uploads(
    conn: Conn, idle_seconds: float, failure: str, busy: list[uuid.UUID]
) -> list[uuid.UUID]:
    """End upload sessions with no call for this long, except busy ones; return which."""
    rows = await conn.fetch(INTERRUPT_IDLE_UPLOADS, idle_seconds, failure, busy)
    return [row["id"] for row in rows]


async def delete(conn: Conn, session_id: uuid.UUID) -> None:
    """Remove a session; its photos stay (their input_session_id becomes null)."""
    await conn.execute(DELETE, session_id)


async def add_errors(conn: Conn, session_id: uuid.UUID, errors: list[tuple[str, str]]) -> None:
    """Record files that failed."""
    await conn.executemany(ADD_ERROR, [(session_id, path, error) for path, error in errors])


async def errors(conn: Conn, session_id: uuid.UUID, limit: int, offset: int) -> list[SessionError]:
    """A session's errors in the order they happened."""
    return to_structs(await conn.fetch(ERRORS, session_id, limit, offset), SessionError)


async def photos(conn: Conn, session_id: uuid.UUID, limit: int, offset: int) -> list[SessionPhoto]:
    """Photos a session registered."""
    return to_structs(await conn.fetch(PHOTOS, session_id, limit, offset), SessionPhoto)
