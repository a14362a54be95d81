"""`/api/collections` and `/api/text-items`."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from daemon.api.params import Covers, Offset
from daemon.runtime import Runtime
from daemon.services import collections as service
from protocol.collections import (
    Collection,
    CollectionCreate,
    CollectionItem,
    CollectionPatch,
    ItemCreate,
    ItemPatch,
    ItemPosition,
    ItemsAdd,
    ItemsMove,
    ItemsOrder,
    ItemsRemove,
    TextItem,
    TextItemCreate,
    TextItemPatch,
)

CollectionId = FromPath[uuid.UUID]


class CollectionsController(Controller):
    """Ordered collections of photos and text cards."""

    path = "/api/collections"
    tags = ["collections"]  # noqa: RUF012

    @get()
    async def list_collections(
        self, runtime: NamedDependency[Runtime], covers: Covers = True
    ) -> list[Collection]:
        """Every collection with item_count and cover (`covers=false`: cover left out,
        cover_hothash kept)."""
        return await service.list_all(runtime.pool, covers=covers)

    @post()
    async def create_collection(
        self, runtime: NamedDependency[Runtime], data: JSONBody[CollectionCreate]
    ) -> Collection:
        """Add a collection."""
        return await service.create(runtime.pool, data)

    @get("/{collection_id:uuid}")
    async def get_collection(
        self, runtime: NamedDependency[Runtime], collection_id: CollectionId
    ) -> Collection:
        """One collection."""
        return await service.get(runtime.pool, collection_id)

    @patch("/{collection_id:uuid}")
    async def update_collection(
        self,
        runtime: NamedDependency[Runtime],
        collection_id: CollectionId,
        data: JSONBody[CollectionPatch],
    ) -> Collection:
        """Change name, description or cover."""
        return await service.update(runtime.pool, collection_id, data)

    @delete("/{collection_id:uuid}")
    async def delete_collection(
        self, runtime: NamedDependency[Runtime], collection_id: CollectionId
    ) -> None:
        """Remove a collection; its photos stay."""
        await service.delete(runtime.pool, collection_id)

    @post("/{collection_id:uuid}/clone")
    async def clone_collection(
        self, runtime: NamedDependency[Runtime], collection_id: CollectionId
    ) -> Collection:
        """Copy a collection; its text cards are copied too."""
        return await service.clone(runtime.pool, collection_id)

    @get("/{collection_id:uuid}/items")
    async def list_items(
        self,
        runtime: NamedDependency[Runtime],
        collection_id: CollectionId,
        limit: Annotated[int | None, QueryParameter(ge=1, le=1000)] = None,
        offset: Offset = 0,
    ) -> list[CollectionItem]:
        """Items in order: all of them, or a page of `limit` items from `offset` on (how
        many there are in all: the collection's `item_count`)."""
        return await service.items(runtime.pool, collection_id, limit, offset)

    @post("/{collection_id:uuid}/items")
    async def add_item(
        self,
        runtime: NamedDependency[Runtime],
        collection_id: CollectionId,
        data: JSONBody[ItemCreate],
    ) -> CollectionItem:
        """Add a photo or a text card."""
        return await service.add_item(runtime.pool, collection_id, data)

    @post("/{collection_id:uuid}/items/batch")
    async def add_items(
        self,
        runtime: NamedDependency[Runtime],
        collection_id: CollectionId,
        data: JSONBody[ItemsAdd],
    ) -> list[CollectionItem]:
        """Add many photos at one position (default: the end)."""
        return await service.add_photos(runtime.pool, collection_id, data.hothashes, data.position)

    @put("/{collection_id:uuid}/items")
    async def reorder_items(
        self,
        runtime: NamedDependency[Runtime],
        collection_id: CollectionId,
        data: JSONBody[ItemsOrder],
    ) -> list[CollectionItem]:
        """Reorder: the full list of item ids in the new order."""
        return await service.reorder(runtime.pool, collection_id, data.item_ids)

    @post("/{collection_id:uuid}/items/move", status_code=200)
    async def move_items(
        self,
        runtime: NamedDependency[Runtime],
        collection_id: CollectionId,
        data: JSONBody[ItemsMove],
    ) -> list[ItemPosition]:
        """Move items, keeping their order, to just before the item `before` (null: to
        the end); answers the moved items' new positions (the others keep their order,
        and usually their positions). 422, and nothing moved, for an item that is not in
        the collection, one listed twice, or `before` among the moved or not in it."""
        return await service.move(runtime.pool, collection_id, data)

    @patch("/{collection_id:uuid}/items/{item_id:uuid}")
    async def update_item(
        self,
        runtime: NamedDependency[Runtime],
        collection_id: CollectionId,
        item_id: FromPath[uuid.UUID],
        data: JSONBody[ItemPatch],
    ) -> CollectionItem:
        """Change an item's caption."""
        return await service.set_caption(runtime.pool, collection_id, item_id, data.caption)

    @delete("/{collection_id:uuid}/items/{item_id:uuid}")
    async def remove_item(
        self,
        runtime: NamedDependency[Runtime],
        collection_id: CollectionId,
        item_id: FromPath[uuid.UUID],
    ) -> None:
        """Remove one item."""
        await service.remove(runtime.pool, collection_id, [item_id])

    @post("/{collection_id:uuid}/items/batch-remove", status_code=200)
    async def remove_items(
        self,
        runtime: NamedDependency[Runtime],
        collection_id: CollectionId,
        data: JSONBody[ItemsRemove],
    ) -> list[uuid.UUID]:
        """Remove several items; returns the ids removed."""
        return await service.remove(runtime.pool, collection_id, data.item_ids)


class TextItemsController(Controller):
    """Text cards, shared by the items that show them."""

    path = "/api/text-items"
    tags = ["collections"]  # noqa: RUF012

    @get()
    async def list_text_items(self, runtime: NamedDependency[Runtime]) -> list[TextItem]:
        """Every text card."""
        return await service.text_items(runtime.pool)

    @post()
    async def create_text_item(
        self, runtime: NamedDependency[Runtime], data: JSONBody[TextItemCreate]
    ) -> TextItem:
        """Add a text card."""
        return await service.create_text(runtime.pool, data)

    @get("/{text_item_id:uuid}")
    async def get_text_item(
        self, runtime: NamedDependency[Runtime], text_item_id: FromPath[uuid.UUID]
    ) -> TextItem:
        """One text card."""
        return await service.get_text(runtime.pool, text_item_id)

    @patch("/{text_item_id:uuid}")
    async def update_text_item(
        self,
        runtime: NamedDependency[Runtime],
        text_item_id: FromPath[uuid.UUID],
        data: JSONBody[TextItemPatch],
    ) -> TextItem:
        """Change a text card."""
        return await service.update_text(runtime.pool, text_item_id, data)

    @delete("/{text_item_id:uuid}")
    async def delete_text_item(
        self, runtime: NamedDependency[Runtime], text_item_id: FromPath[uuid.UUID]
    ) -> None:
        """Remove a text card and the items that show it."""
        await service.delete_text(runtime.pool, text_item_id)
