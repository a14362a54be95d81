"""`/api/photographers`."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from daemon.runtime import Runtime
from daemon.services import photographers as service
from protocol.photographers import (
    Photographer,
    PhotographerCreate,
    PhotographerMerge,
    PhotographerPatch,
)


class PhotographersController(Controller):
    """Who took the photos."""

    path = "/api/photographers"
    tags = ["photographers"]  # noqa: RUF012

    @get()
    async def list_photographers(self, runtime: NamedDependency[Runtime]) -> list[Photographer]:
        """Every photographer, the default and unknown ones first."""
        return await service.list_all(runtime.pool)

    @post()
    async def create_photographer(
        self, runtime: NamedDependency[Runtime], data: JSONBody[PhotographerCreate]
    ) -> Photographer:
        """Add a photographer."""
        return await service.create(runtime.pool, data)

    @get("/{photographer_id:uuid}")
    async def get_photographer(
        self, runtime: NamedDependency[Runtime], photographer_id: FromPath[uuid.UUID]
    ) -> Photographer:
        """One photographer."""
        return await service.get(runtime.pool, photographer_id)

    @patch("/{photographer_id:uuid}")
    async def update_photographer(
        self,
        runtime: NamedDependency[Runtime],
        photographer_id: FromPath[uuid.UUID],
        data: JSONBody[PhotographerPatch],
    ) -> Photographer:
        """Change a photographer."""
        return await service.update(runtime.pool, photographer_id, data)

    @delete("/{photographer_id:uuid}")
    async def delete_photographer(
        self, runtime: NamedDependency[Runtime], photographer_id: FromPath[uuid.UUID]
    ) -> None:
        """Remove a photographer no photo refers to (409 otherwise)."""
        await service.delete(runtime.pool, photographer_id)

    @post("/{photographer_id:uuid}/merge", status_code=200)
    async def merge_photographer(
        self,
        runtime: NamedDependency[Runtime],
        photographer_id: FromPath[uuid.UUID],
        data: JSONBody[PhotographerMerge],
    ) -> Photographer:
        """Give this photographer's photos, input sessions and watched folders to `into`,
        then remove this one; answers `into`. 409 for a built-in photographer, or while a
        registration giving its photos to this one runs."""
        return await service.merge(runtime.pool, runtime.watcher, photographer_id, data.into)
