"""SQL for exporting a collection: its items with what the ZIP needs of each photo."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from daemon.store.base import Conn, to_structs


class ExportCorrection(msgspec.Struct, kw_only=True):
    """A photo's correction, and the corrected coldpreview a local daemon keeps of it."""

    rotation: int
    horizon_angle: float
    exposure_ev: float
    crop_left: float
    crop_top: float
    crop_right: float
    crop_bottom: float
    corrected_coldpreview_path: str | None


class ExportRow(msgspec.Struct, kw_only=True):
    """One item of the collection: a photo (hothash set) or a text card (title and body)."""

    hothash: str | None
    caption: str
    title: str | None
    body: str | None
    taken_at: datetime | None
    photographer: str | None
    coldpreview_path: str | None
    correction: ExportCorrection | None


# Photos in the trash are on their way out of the catalog: they are not handed on.
ITEMS = """
SELECT i.hothash, i.caption, t.title, t.body, p.taken_at, g.name AS photographer,
    p.coldpreview_path,
    CASE WHEN c.photo_id IS NULL THEN NULL ELSE jsonb_build_object(
        'rotation', c.rotation, 'horizon_angle', c.horizon_angle,
        'exposure_ev', c.exposure_ev, 'crop_left', c.crop_left, 'crop_top', c.crop_top,
        'crop_right', c.crop_right, 'crop_bottom', c.crop_bottom,
        'corrected_coldpreview_path', c.corrected_coldpreview_path) END AS correction
FROM collection_items i
LEFT JOIN photos p ON p.hothash = i.hothash
LEFT JOIN photographers g ON g.id = p.photographer_id
LEFT JOIN photo_corrections c ON c.photo_id = p.id
LEFT JOIN text_items t ON t.id = i.text_item_id
WHERE i.collection_id = $1 AND (i.hothash IS NULL OR p.deleted_at IS NULL)
ORDER BY i.position, i.created_at, i.id
"""


async def items(conn: Conn, collection_id: uuid.UUID) -> list[ExportRow]:
    """The collection's items in order, trashed photos left out."""
    return to_structs(await conn.fetch(ITEMS, collection_id), ExportRow)
