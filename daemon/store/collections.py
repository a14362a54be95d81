"""SQL for collections, their items and text cards."""

from __future__ import annotations

import uuid
from typing import Any

from daemon.store.base import Conn, to_struct, to_structs, update_statement
from protocol.collections import Collection, CollectionItem, TextItem

# Cover rule: the explicit cover (marked when trashed), else the first photo by position.
SELECT = """
SELECT c.*,
    (SELECT count(*) FROM collection_items i WHERE i.collection_id = c.id) AS item_count,
    CASE WHEN cv.hothash IS NULL THEN NULL ELSE jsonb_build_object(
        'hothash', cv.hothash, 'hotpreview_b64', cv.hotpreview_b64,
        'deleted', cv.deleted_at IS NOT NULL) END AS cover
FROM collections c
LEFT JOIN LATERAL (
    SELECT p.hothash, p.hotpreview_b64, p.deleted_at FROM photos p
    WHERE p.hothash = c.cover_hothash
    UNION ALL
    (SELECT p.hothash, p.hotpreview_b64, p.deleted_at
     FROM collection_items i JOIN photos p ON p.hothash = i.hothash
     WHERE c.cover_hothash IS NULL AND i.collection_id = c.id AND p.deleted_at IS NULL
     ORDER BY i.position, i.created_at, i.id LIMIT 1)
) cv ON true
"""
LIST = SELECT + " ORDER BY lower(c.name), c.created_at"
GET = SELECT + " WHERE c.id = $1"
INSERT = """
INSERT INTO collections (name, description, cover_hothash) VALUES ($1, $2, $3) RETURNING id
"""
DELETE = "DELETE FROM collections WHERE id = $1 RETURNING id"
ITEMS = """
SELECT i.id, i.position, i.caption, i.hothash, p.hotpreview_b64,
    CASE WHEN t.id IS NULL THEN NULL ELSE jsonb_build_object(
        'id', t.id, 'title', t.title, 'body', t.body, 'created_at', t.created_at) END
        AS text_item
FROM collection_items i
LEFT JOIN photos p ON p.hothash = i.hothash
LEFT JOIN text_items t ON t.id = i.text_item_id
WHERE i.collection_id = $1
ORDER BY i.position, i.created_at, i.id
"""
NEXT_POSITION = """
SELECT coalesce(max(position) + 1, 0) FROM collection_items WHERE collection_id = $1
"""
ADD_ITEMS = """
INSERT INTO collection_items (collection_id, hothash, text_item_id, position, caption)
SELECT $1, h, $3, $4 + n - 1, $5 FROM unnest($2::text[]) WITH ORDINALITY AS u(h, n) ORDER BY n
RETURNING id
"""
ADD_TEXT_ITEM = """
INSERT INTO collection_items (collection_id, text_item_id, position, caption)
VALUES ($1, $2, $3, $4) RETURNING id
"""
ITEM_IDS = "SELECT id FROM collection_items WHERE collection_id = $1"
REORDER = """
UPDATE collection_items i SET position = u.n - 1
FROM unnest($2::uuid[]) WITH ORDINALITY AS u(id, n)
WHERE i.id = u.id AND i.collection_id = $1
"""
CAPTION = """
UPDATE collection_items SET caption = $3 WHERE collection_id = $1 AND id = $2 RETURNING id
"""
REMOVE_ITEMS = """
DELETE FROM collection_items WHERE collection_id = $1 AND id = ANY($2::uuid[]) RETURNING id
"""
CLONE = """
INSERT INTO collections (name, description, cover_hothash)
SELECT $2, description, cover_hothash FROM collections WHERE id = $1 RETURNING id
"""
CLONE_ITEMS = """
WITH cards AS (
    -- Text cards are deep-copied: editing the clone's cards leaves the original's alone.
    SELECT i.id AS item_id, t.title, t.body, gen_random_uuid() AS new_id
    FROM collection_items i JOIN text_items t ON t.id = i.text_item_id
    WHERE i.collection_id = $1
),
new_cards AS (
    INSERT INTO text_items (id, title, body) SELECT new_id, title, body FROM cards
)
INSERT INTO collection_items (collection_id, hothash, text_item_id, position, caption)
SELECT $2, i.hothash, cards.new_id, i.position, i.caption
FROM collection_items i LEFT JOIN cards ON cards.item_id = i.id
WHERE i.collection_id = $1
"""
TEXT_ITEMS = "SELECT id, title, body, created_at FROM text_items ORDER BY created_at"
TEXT_ITEM = "SELECT id, title, body, created_at FROM text_items WHERE id = $1"
INSERT_TEXT = (
    "INSERT INTO text_items (title, body) VALUES ($1, $2) RETURNING id, title, body, created_at"
)
DELETE_TEXT = "DELETE FROM text_items WHERE id = $1 RETURNING id"


async def list_all(conn: Conn) -> list[Collection]:
    """Every collection with count and cover."""
    return to_structs(await conn.fetch(LIST), Collection)


async def get(conn: Conn, collection_id: uuid.UUID) -> Collection | None:
    """One collection."""
    row = await conn.fetchrow(GET, collection_id)
    return to_struct(row, Collection) if row else None


async def insert(conn: Conn, name: str, description: str, cover: str | None) -> uuid.UUID:
    """Add a collection."""
    collection_id: uuid.UUID = await conn.fetchval(INSERT, name, description, cover)
    return collection_id


async def update(conn: Conn, collection_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Change columns of a collection."""
    sql, args = update_statement("collections", values)
    await conn.execute(sql, collection_id, *args)


async def delete(conn: Conn, collection_id: uuid.UUID) -> bool:
    """Remove a collection and its items (its photos stay)."""
    return await conn.fetchval(DELETE, collection_id) is not None


async def items(conn: Conn, collection_id: uuid.UUID) -> list[CollectionItem]:
    """A collection's items in order."""
    return to_structs(await conn.fetch(ITEMS, collection_id), CollectionItem)


async def next_position(conn: Conn, collection_id: uuid.UUID) -> int:
    """The position after the last item."""
    position: int = await conn.fetchval(NEXT_POSITION, collection_id)
    return position


async def add_photos(
    conn: Conn, collection_id: uuid.UUID, hothashes: list[str], position: int, caption: str
) -> list[uuid.UUID]:
    """Add photo items at consecutive positions from `position`, in the given order."""
    rows = await conn.fetch(ADD_ITEMS, collection_id, hothashes, None, position, caption)
    return [row["id"] for row in rows]


async def add_text(
    conn: Conn, collection_id: uuid.UUID, text_item_id: uuid.UUID, position: int, caption: str
) -> uuid.UUID:
    """Add a text card item."""
    item_id: uuid.UUID = await conn.fetchval(
        ADD_TEXT_ITEM, collection_id, text_item_id, position, caption
    )
    return item_id


async def item_ids(conn: Conn, collection_id: uuid.UUID) -> set[uuid.UUID]:
    """The ids of a collection's items."""
    return {row["id"] for row in await conn.fetch(ITEM_IDS, collection_id)}


async def reorder(conn: Conn, collection_id: uuid.UUID, ordered: list[uuid.UUID]) -> None:
    """Rewrite positions 0..n-1 in the given order."""
    await conn.execute(REORDER, collection_id, ordered)


async def set_caption(
    conn: Conn, collection_id: uuid.UUID, item_id: uuid.UUID, caption: str
) -> bool:
    """Change an item's caption; False when the item is not in the collection."""
    return await conn.fetchval(CAPTION, collection_id, item_id, caption) is not None


async def remove(conn: Conn, collection_id: uuid.UUID, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Remove items; returns those that were there."""
    return [row["id"] for row in await conn.fetch(REMOVE_ITEMS, collection_id, ids)]


async def clone(conn: Conn, collection_id: uuid.UUID, name: str) -> uuid.UUID:
    """Copy a collection with its items; text cards are copied too."""
    clone_id: uuid.UUID = await conn.fetchval(CLONE, collection_id, name)
    await conn.execute(CLONE_ITEMS, collection_id, clone_id)
    return clone_id


async def text_items(conn: Conn) -> list[TextItem]:
    """Every text card."""
    return to_structs(await conn.fetch(TEXT_ITEMS), TextItem)


async def text_item(conn: Conn, text_item_id: uuid.UUID) -> TextItem | None:
    """One text card."""
    row = await conn.fetchrow(TEXT_ITEM, text_item_id)
    return to_struct(row, TextItem) if row else None


async def insert_text(conn: Conn, title: str, body: str) -> TextItem:
    """Add a text card."""
    return to_struct(await conn.fetchrow(INSERT_TEXT, title, body), TextItem)


async def update_text(conn: Conn, text_item_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Change a text card."""
    sql, args = update_statement("text_items", values)
    await conn.execute(sql, text_item_id, *args)


async def delete_text(conn: Conn, text_item_id: uuid.UUID) -> bool:
    """Remove a text card (and the items showing it)."""
    return await conn.fetchval(DELETE_TEXT, text_item_id) is not None
