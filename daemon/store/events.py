"""SQL for events: the tree, counts and covers."""

from __future__ import annotations

import uuid
from typing import Any

from daemon.store.base import Conn, to_struct, to_structs, update_statement
from protocol.events import Event, EventCreate

_COLUMNS = """
SELECT e.*,
    (SELECT count(*) FROM photos p WHERE p.event_id = e.id AND p.deleted_at IS NULL)
        AS photo_count
"""
# Cover rule: the explicit cover (marked when trashed), else the first photo by time.
SELECT = (
    _COLUMNS  # noqa: S608 - fixed fragments
    + """,
    CASE WHEN c.hothash IS NULL THEN NULL ELSE jsonb_build_object(
        'hothash', c.hothash, 'hotpreview_b64', c.hotpreview_b64,
        'deleted', c.deleted_at IS NOT NULL) END AS cover
FROM events e
LEFT JOIN LATERAL (
    SELECT p.hothash, p.hotpreview_b64, p.deleted_at FROM photos p
    WHERE p.hothash = e.cover_hothash
    UNION ALL
    (SELECT p.hothash, p.hotpreview_b64, p.deleted_at FROM photos p
     WHERE e.cover_hothash IS NULL AND p.event_id = e.id AND p.deleted_at IS NULL
     ORDER BY p.taken_at ASC NULLS LAST, p.registered_at, p.id LIMIT 1)
) c ON true
"""
)
_ORDER = " ORDER BY e.date NULLS LAST, lower(e.name), e.created_at"
LIST = SELECT + _ORDER
# No cover at all: its hotpreview is most of what a listing weighs.
LIST_WITHOUT_COVERS = _COLUMNS + " FROM events e" + _ORDER
GET = SELECT + " WHERE e.id = $1"
EXISTS = "SELECT EXISTS (SELECT 1 FROM events WHERE id = $1)"
PARENT_OF = "SELECT parent_id FROM events WHERE id = $1"
HAS_CHILDREN = "SELECT EXISTS (SELECT 1 FROM events WHERE parent_id = $1)"
INSERT = """
INSERT INTO events (name, description, date, location, parent_id, cover_hothash)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
"""
DELETE = "DELETE FROM events WHERE id = $1 RETURNING id"


async def exists(conn: Conn, event_id: uuid.UUID) -> bool:
    """Whether the event exists."""
    result: bool = await conn.fetchval(EXISTS, event_id)
    return result


async def list_all(conn: Conn, *, covers: bool = True) -> list[Event]:
    """Every event, flat; with covers unless `covers` is false."""
    return to_structs(await conn.fetch(LIST if covers else LIST_WITHOUT_COVERS), Event)


async def get(conn: Conn, event_id: uuid.UUID) -> Event | None:
    """One event with count and cover."""
    row = await conn.fetchrow(GET, event_id)
    return to_struct(row, Event) if row else None


async def parent_of(conn: Conn, event_id: uuid.UUID) -> uuid.UUID | None:
    """The parent of an event (None for a root or an unknown id)."""
    parent: uuid.UUID | None = await conn.fetchval(PARENT_OF, event_id)
    return parent


async def has_children(conn: Conn, event_id: uuid.UUID) -> bool:
    """Whether other events sit under this one."""
    result: bool = await conn.fetchval(HAS_CHILDREN, event_id)
    return result


async def insert(conn: Conn, data: EventCreate) -> uuid.UUID:
    """Add an event."""
    event_id: uuid.UUID = await conn.fetchval(
        INSERT,
        data.name,
        data.description,
        data.date,
        data.location,
        data.parent_id,
        data.cover_hothash,
    )
    return event_id


async def update(conn: Conn, event_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Change columns of an event."""
    sql, args = update_statement("events", values)
    await conn.execute(sql, event_id, *args)


async def delete(conn: Conn, event_id: uuid.UUID) -> bool:
    """Remove an event; its photos stay (event_id becomes null). False when it did not exist."""
    return await conn.fetchval(DELETE, event_id) is not None
