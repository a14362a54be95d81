"""SQL for this installation's secret, which proves to central servers that a push comes
from the installation it names."""

from __future__ import annotations

from daemon.store.base import Conn

# Two first pushes at once keep the first secret written.
CREATE_IF_MISSING = "INSERT INTO installation_secret (secret) VALUES ($1) ON CONFLICT DO NOTHING"
GET = "SELECT secret FROM installation_secret WHERE singleton"


async def secret(conn: Conn, new: str) -> str:
    """The installation's secret: the one it has, else `new`, kept from now on."""
    await conn.execute(CREATE_IF_MISSING, new)
    kept: str = await conn.fetchval(GET)
    return kept
