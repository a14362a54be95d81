"""SQL for the single system_settings row."""

from __future__ import annotations

from typing import Any

from daemon.store.base import Conn, to_struct, update_statement
from protocol.settings import SystemSettings

CREATE_IF_MISSING = "INSERT INTO system_settings DEFAULT VALUES ON CONFLICT DO NOTHING"
GET = "SELECT * FROM system_settings WHERE singleton"


async def create_if_missing(conn: Conn) -> None:
    """Create the row with its defaults and a new installation_id on first start."""
    await conn.execute(CREATE_IF_MISSING)


async def get(conn: Conn) -> SystemSettings:
    """The settings row."""
    return to_struct(await conn.fetchrow(GET), SystemSettings)


async def update(conn: Conn, values: dict[str, Any]) -> SystemSettings:
    """Change the given columns and return the row."""
    sql, args = update_statement("system_settings", values, key="singleton = $1", returning="*")
    return to_struct(await conn.fetchrow(sql, True, *args), SystemSettings)
