"""SQL for collections, their items and text cards."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from daemon.store.base import Conn, to_struct, to_structs, update_statement
from protocol.collections import Collection, CollectionItem, ItemPosition, TextItem

# Moved items are numbered this far apart, so that later moves find room between them
# and write only the moved rows (positions need not be consecutive: they only sort).
SPACING = 1024


class Place(msgspec.Struct, frozen=True, kw_only=True):
    """Where an item sorts: by position, then (equal positions) creation, then id."""

    position: int
    created_at: datetime
    id: uuid.UUID


# items_version: the newest change number of the items; with item_count it tells a
# window that another one added, moved, edited or removed an item.
_COLUMNS = """
SELECT c.*,
    (SELECT count(*) FROM collection_items i WHERE i.collection_id = c.id) AS item_count,
    (SELECT coalesce(max(i.change_seq), 0) FROM collection_items i
     WHERE i.collection_id = c.id) AS items_version
"""
# Cover rule: the explicit cover (marked when trashed), else the first photo by position.
SELECT = (
    _COLUMNS  # noqa: S608 - fixed fragments
    + """,
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
)
_ORDER = " ORDER BY lower(c.name), c.created_at"
LIST = SELECT + _ORDER
# No cover at all: its hotpreview is most of what a listing weighs.
LIST_WITHOUT_COVERS = _COLUMNS + " FROM collections c" + _ORDER
GET = SELECT + " WHERE c.id = $1"
EXISTS = "SELECT EXISTS (SELECT 1 FROM collections WHERE id = $1)"
INSERT = """
INSERT INTO collections (name, description, cover_hothash) VALUES ($1, $2, $3) RETURNING id
"""
DELETE = "DELETE FROM collections WHERE id = $1 RETURNING id"
# The page's ids first, from the order index alone: a deep page reads no other row.
ITEMS = """
WITH page AS (
    SELECT id, position, created_at FROM collection_items
    WHERE collection_id = $1
    ORDER BY position, created_at, id
    LIMIT $2 OFFSET $3
)
SELECT i.id, i.position, i.caption, i.hothash, p.hotpreview_b64,
    CASE WHEN t.id IS NULL THEN NULL ELSE jsonb_build_object(
        'id', t.id, 'title', t.title, 'body', t.body, 'created_at', t.created_at) END
        AS text_item
FROM page
JOIN collection_items i ON i.id = page.id
LEFT JOIN photos p ON p.hothash = i.hothash
LEFT JOIN text_items t ON t.id = i.text_item_id
ORDER BY page.position, page.created_at, page.id
"""
ITEM = """
SELECT i.id, i.position, i.caption, i.hothash, p.hotpreview_b64,
    CASE WHEN t.id IS NULL THEN NULL ELSE jsonb_build_object(
        'id', t.id, 'title', t.title, 'body', t.body, 'created_at', t.created_at) END
        AS text_item
FROM collection_items i
LEFT JOIN photos p ON p.hothash = i.hothash
LEFT JOIN text_items t ON t.id = i.text_item_id
WHERE i.collection_id = $1 AND i.id = $2
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
LOCK = "SELECT id FROM collections WHERE id = $1 FOR UPDATE"
PRESENT = "SELECT id FROM collection_items WHERE collection_id = $1 AND id = ANY($2::uuid[])"
PLACE = """
SELECT position, created_at, id FROM collection_items WHERE collection_id = $1 AND id = $2
"""
# The item that will stand right before the moved ones, the moved ones left out.
PREVIOUS_POSITION = """
SELECT position FROM collection_items
WHERE collection_id = $1 AND (position, created_at, id) < ($2, $3, $4)
    AND id <> ALL($5::uuid[])
ORDER BY position DESC, created_at DESC, id DESC
LIMIT 1
"""
LAST_POSITION = """
SELECT position FROM collection_items
WHERE collection_id = $1 AND id <> ALL($2::uuid[])
ORDER BY position DESC, created_at DESC, id DESC
LIMIT 1
"""
SET_POSITIONS = """
UPDATE collection_items i SET position = u.position
FROM unnest($2::uuid[], $3::int[]) AS u(id, position)
WHERE i.collection_id = $1 AND i.id = u.id
"""
# Every item in its new order, `SPACING` apart (closer in a collection too large for
# that): the moved ones, in the order given, sort with the item they go before, just
# ahead of it; with no such item ($3 null), after all the others. Only the rows whose
# position changes are written (each one written is sent by the next sync push).
RENUMBER = """
WITH moved AS (
    SELECT id, n FROM unnest($2::uuid[]) WITH ORDINALITY AS m(id, n)
),
place AS (
    SELECT position, created_at, id FROM collection_items
    WHERE collection_id = $1 AND id = $3::uuid
),
ordered AS (
    SELECT i.id, (row_number() OVER (ORDER BY
            m.id IS NOT NULL AND $3::uuid IS NULL,
            CASE WHEN m.id IS NULL THEN i.position ELSE p.position END,
            CASE WHEN m.id IS NULL THEN i.created_at ELSE p.created_at END,
            CASE WHEN m.id IS NULL THEN i.id ELSE p.id END,
            m.n NULLS LAST)
        * least($4::bigint, 2147483647 / (count(*) OVER () + 1)))::int AS position
    FROM collection_items i
    LEFT JOIN moved m ON m.id = i.id
    LEFT JOIN place p ON true
    WHERE i.collection_id = $1
)
UPDATE collection_items i SET position = o.position
FROM ordered o
WHERE i.id = o.id AND i.position <> o.position
"""
POSITIONS = """
SELECT i.id, i.position
FROM unnest($2::uuid[]) WITH ORDINALITY AS u(id, n)
JOIN collection_items i ON i.id = u.id AND i.collection_id = $1
ORDER BY u.n
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


async def list_all(conn: Conn, *, covers: bool = True) -> list[Collection]:
    """Every collection with its count, and with its cover unless `covers` is false."""
    return to_structs(await conn.fetch(LIST if covers else LIST_WITHOUT_COVERS), Collection)


async def get(conn: Conn, collection_id: uuid.UUID) -> Collection | None:
    """One collection."""
    row = await conn.fetchrow(GET, collection_id)
    return to_struct(row, Collection) if row else None


async def exists(conn: Conn, collection_id: uuid.UUID) -> bool:
    """Whether the collection exists."""
    result: bool = await conn.fetchval(EXISTS, collection_id)
    return result


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


async def items(
    conn: Conn, collection_id: uuid.UUID, limit: int | None = None, offset: int = 0
) -> list[CollectionItem]:
    """A collection's items in order: all of them, or `limit` from `offset` on."""
    return to_structs(await conn.fetch(ITEMS, collection_id, limit, offset), CollectionItem)


async def item(conn: Conn, collection_id: uuid.UUID, item_id: uuid.UUID) -> CollectionItem:
    """One item of the collection (it must be there)."""
    return to_struct(await conn.fetchrow(ITEM, collection_id, item_id), CollectionItem)


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


async def lock(conn: Conn, collection_id: uuid.UUID) -> bool:
    """Hold the collection's row until the transaction ends (False: no such collection);
    inserting items waits for it too, through their foreign key."""
    return await conn.fetchval(LOCK, collection_id) is not None


async def present(conn: Conn, collection_id: uuid.UUID, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Those of these item ids that are items of the collection."""
    return {row["id"] for row in await conn.fetch(PRESENT, collection_id, ids)}


async def place(conn: Conn, collection_id: uuid.UUID, item_id: uuid.UUID) -> Place | None:
    """An item's sort key, or None when it is not in the collection."""
    row = await conn.fetchrow(PLACE, collection_id, item_id)
    return to_struct(row, Place) if row else None


async def previous_position(
    conn: Conn, collection_id: uuid.UUID, before: Place, leaving_out: list[uuid.UUID]
) -> int | None:
    """The position of the last item ahead of `before`, these items left out."""
    position: int | None = await conn.fetchval(
        PREVIOUS_POSITION,
        collection_id,
        before.position,
        before.created_at,
        before.id,
        leaving_out,
    )
    return position


async def last_position(
    conn: Conn, collection_id: uuid.UUID, leaving_out: list[uuid.UUID]
) -> int | None:
    """The position of the last item, these items left out."""
    position: int | None = await conn.fetchval(LAST_POSITION, collection_id, leaving_out)
    return position


async def set_positions(
    conn: Conn, collection_id: uuid.UUID, ids: list[uuid.UUID], positions: list[int]
) -> None:
    """Give each of these items its position."""
    await conn.execute(SET_POSITIONS, collection_id, ids, positions)


async def renumber(
    conn: Conn, collection_id: uuid.UUID, moved: list[uuid.UUID], before: uuid.UUID | None
) -> None:
    """Move items before another (None: to the end) by numbering every item afresh."""
    await conn.execute(RENUMBER, collection_id, moved, before, SPACING)


async def positions(
    conn: Conn, collection_id: uuid.UUID, ids: list[uuid.UUID]
) -> list[ItemPosition]:
    """These items' positions, in the order given."""
    return to_structs(await conn.fetch(POSITIONS, collection_id, ids), ItemPosition)


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
