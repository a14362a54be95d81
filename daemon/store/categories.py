"""SQL for categories."""

from __future__ import annotations

import uuid
from typing import Any

from daemon.store.base import Conn, to_struct, to_structs, update_statement
from protocol.categories import Category, CategoryCreate

LIST = "SELECT * FROM categories ORDER BY display_order, lower(name)"
GET = "SELECT * FROM categories WHERE id = $1"
INSERT = """
INSERT INTO categories (name, excluded_from_stream, display_order) VALUES ($1, $2, $3)
RETURNING *
"""
# ON DELETE SET NULL clears photos.category_id.
DELETE = "DELETE FROM categories WHERE id = $1"


async def list_all(conn: Conn) -> list[Category]:
    """Every category in display order."""
    return to_structs(await conn.fetch(LIST), Category)


async def get(conn: Conn, category_id: uuid.UUID) -> Category | None:
    """One category, or None."""
    row = await conn.fetchrow(GET, category_id)
    return to_struct(row, Category) if row else None


async def insert(conn: Conn, data: CategoryCreate) -> Category:
    """Add a category."""
    row = await conn.fetchrow(INSERT, data.name, data.excluded_from_stream, data.display_order)
    return to_struct(row, Category)


async def update(conn: Conn, category_id: uuid.UUID, values: dict[str, Any]) -> Category | None:
    """Change the given columns; None when the row does not exist."""
    sql, args = update_statement("categories", values, returning="*")
    row = await conn.fetchrow(sql, category_id, *args)
    return to_struct(row, Category) if row else None


async def delete(conn: Conn, category_id: uuid.UUID) -> bool:
    """Remove a category; False when it did not exist."""
    result: str = await conn.execute(DELETE, category_id)
    return result != "DELETE 0"
