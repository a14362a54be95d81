"""`/api/stacks` and `/api/duplicates`."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from daemon.api.params import HothashParam, HothashQuery, Limit, Offset
from daemon.runtime import Runtime
from daemon.services import stacks as service
from protocol.stacks import DuplicateFile, Stack, StackCover, StackPhotos


class StacksController(Controller):
    """Shots of one subject shown as one, under a cover."""

    path = "/api/stacks"
    tags = ["stacks"]  # noqa: RUF012

    @post()
    async def create_stack(
        self, runtime: NamedDependency[Runtime], data: JSONBody[StackPhotos]
    ) -> Stack:
        """Stack photos (409 if one is in another stack); the first registered is the cover."""
        return await service.create(runtime.pool, data.hothashes)

    @get("/{stack_id:uuid}")
    async def get_stack(
        self, runtime: NamedDependency[Runtime], stack_id: FromPath[uuid.UUID]
    ) -> Stack:
        """A stack's photos in registration order."""
        return await service.get(runtime.pool, stack_id)

    @post("/{stack_id:uuid}/photos", status_code=200)
    async def add_to_stack(
        self,
        runtime: NamedDependency[Runtime],
        stack_id: FromPath[uuid.UUID],
        data: JSONBody[StackPhotos],
    ) -> Stack:
        """Add photos (409 if one is in another stack)."""
        return await service.add(runtime.pool, stack_id, data.hothashes)

    @delete("/{stack_id:uuid}/photos/{hothash:str}", status_code=200)
    async def remove_from_stack(
        self,
        runtime: NamedDependency[Runtime],
        stack_id: FromPath[uuid.UUID],
        hothash: HothashParam,
    ) -> Response[Stack | None]:
        """Take a photo out; 204 when that dissolved the stack."""
        stack = await service.remove(runtime.pool, stack_id, hothash)
        return Response(stack, status_code=200 if stack is not None else 204)

    @put("/{stack_id:uuid}/cover")
    async def set_stack_cover(
        self,
        runtime: NamedDependency[Runtime],
        stack_id: FromPath[uuid.UUID],
        data: JSONBody[StackCover],
    ) -> Stack:
        """Choose the cover (409 if the photo is not in the stack)."""
        return await service.set_cover(runtime.pool, stack_id, data.hothash)

    @delete("/{stack_id:uuid}")
    async def dissolve_stack(
        self, runtime: NamedDependency[Runtime], stack_id: FromPath[uuid.UUID]
    ) -> None:
        """Dissolve the stack; its photos stay."""
        await service.dissolve(runtime.pool, stack_id)


class DuplicatesController(Controller):
    """Files whose picture is already in the catalog under another path."""

    path = "/api/duplicates"
    tags = ["duplicates"]  # noqa: RUF012

    @get()
    async def list_duplicates(
        self,
        runtime: NamedDependency[Runtime],
        session_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        hothash: HothashQuery = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[DuplicateFile]:
        """Duplicates, of one session or one photo when asked."""
        return await service.duplicates(runtime.pool, session_id, hothash, limit, offset)

    @delete("/{duplicate_id:uuid}")
    async def delete_duplicate(
        self, runtime: NamedDependency[Runtime], duplicate_id: FromPath[uuid.UUID]
    ) -> None:
        """Forget a duplicate row; the file is never touched."""
        await service.delete_duplicate(runtime.pool, duplicate_id)
