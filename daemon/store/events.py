"""SQL for events (the full resource comes with the catalog API)."""

from __future__ import annotations

import uuid

from daemon.store.base import Conn

EXISTS = "SELECT EXISTS (SELECT 1 FROM events WHERE id = $1)"


async def exists(conn: Conn, event_id: uuid.UUID) -> bool:
    """Whether the event exists."""
    result: bool = await conn.fetchval(EXISTS, event_id)
    return result
