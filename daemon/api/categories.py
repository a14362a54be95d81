"""`/api/categories`."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from daemon.runtime import Runtime
from daemon.services import categories as service
from protocol.categories import Category, CategoryCreate, CategoryPatch


class CategoriesController(Controller):
    """User-defined categories."""

    path = "/api/categories"
    tags = ["categories"]  # noqa: RUF012

    @get()
    async def list_categories(self, runtime: NamedDependency[Runtime]) -> list[Category]:
        """Every category in display order."""
        return await service.list_all(runtime.pool)

    @post()
    async def create_category(
        self, runtime: NamedDependency[Runtime], data: JSONBody[CategoryCreate]
    ) -> Category:
        """Add a category (names are unique: 409)."""
        return await service.create(runtime.pool, data)

    @get("/{category_id:uuid}")
    async def get_category(
        self, runtime: NamedDependency[Runtime], category_id: FromPath[uuid.UUID]
    ) -> Category:
        """One category."""
        return await service.get(runtime.pool, category_id)

    @patch("/{category_id:uuid}")
    async def update_category(
        self,
        runtime: NamedDependency[Runtime],
        category_id: FromPath[uuid.UUID],
        data: JSONBody[CategoryPatch],
    ) -> Category:
        """Change a category."""
        return await service.update(runtime.pool, category_id, data)

    @delete("/{category_id:uuid}")
    async def delete_category(
        self, runtime: NamedDependency[Runtime], category_id: FromPath[uuid.UUID]
    ) -> None:
        """Remove a category; its photos lose the category and nothing else."""
        await service.delete(runtime.pool, category_id)
