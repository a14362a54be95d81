"""SQL for browser sessions of the web UI (hashes only; never synced)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from daemon.store.base import Conn

CREATE = """
INSERT INTO ui_sessions (token_hash, cookie_hash, read_only) VALUES ($1, $2, $3)
RETURNING id, read_only, last_used_at
"""
# A session unused for longer than its lifetime is gone, whether or not it was swept.
# Its use is written at most once a minute: a page's every request need not write, and
# the look-up and the note are one round trip on every browser request.
USE = """
WITH live AS (
    SELECT id, token_hash, read_only, last_used_at FROM ui_sessions
    WHERE cookie_hash = $1 AND last_used_at > now() - $2::interval
), noted AS (
    UPDATE ui_sessions s SET last_used_at = now() FROM live
    WHERE s.id = live.id AND live.last_used_at < now() - interval '1 minute'
)
SELECT * FROM live
"""
DELETE = "DELETE FROM ui_sessions WHERE id = $1"
DELETE_EXPIRED = "DELETE FROM ui_sessions WHERE last_used_at <= now() - $1::interval"


@dataclass(frozen=True, slots=True)
class UiSession:
    """A stored browser session."""

    id: uuid.UUID
    token_hash: bytes
    read_only: bool
    last_used_at: datetime


async def create(conn: Conn, token_hash: bytes, cookie_hash: bytes, read_only: bool) -> UiSession:
    """Store a new session's hashes."""
    row = await conn.fetchrow(CREATE, token_hash, cookie_hash, read_only)
    assert row is not None
    return UiSession(row["id"], token_hash, row["read_only"], row["last_used_at"])


async def use(conn: Conn, cookie_hash: bytes, lifetime: timedelta) -> UiSession | None:
    """The live session this cookie belongs to, if any, its use noted."""
    row = await conn.fetchrow(USE, cookie_hash, lifetime)
    if row is None:
        return None
    return UiSession(row["id"], bytes(row["token_hash"]), row["read_only"], row["last_used_at"])


async def delete(conn: Conn, session_id: uuid.UUID) -> None:
    """End a session."""
    await conn.execute(DELETE, session_id)


async def delete_expired(conn: Conn, lifetime: timedelta) -> int:
    """Remove sessions unused for longer than their lifetime."""
    result: str = await conn.execute(DELETE_EXPIRED, lifetime)
    return int(result.split()[-1])
