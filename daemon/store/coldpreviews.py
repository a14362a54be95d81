"""SQL for which coldpreview files the catalog's rows point at."""

from __future__ import annotations

from daemon.store.base import Conn

# By hothash (the unique index): a file's name says which photo it would belong to.
OWNED = """
SELECT p.coldpreview_path, c.corrected_coldpreview_path
FROM photos p LEFT JOIN photo_corrections c ON c.photo_id = p.id
WHERE p.hothash = ANY($1::text[])
"""


async def owned(conn: Conn, hothashes: list[str]) -> set[str]:
    """The relative paths that the rows of these photos (and their corrections) point at."""
    paths: set[str] = set()
    for row in await conn.fetch(OWNED, hothashes):
        paths.update(path for path in row.values() if path is not None)
    return paths
