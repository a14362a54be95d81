"""`/api/photos/batch/…`: the same change on many photos, best effort."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter

from daemon.runtime import Runtime
from daemon.services import batches as service
from protocol.photos import (
    Batch,
    BatchCategory,
    BatchEvent,
    BatchLocation,
    BatchPhotographer,
    BatchRating,
    BatchResult,
    BatchTags,
    BatchTakenAt,
    BatchTakenAtOffset,
)


class BatchesController(Controller):
    """Every batch answers `{updated: [...], failed: [{hothash, reason}]}`."""

    path = "/api/photos/batch"
    tags = ["photo batches"]  # noqa: RUF012

    @post("/tags/{edit:str}", status_code=200)
    async def batch_tags(
        self,
        runtime: NamedDependency[Runtime],
        edit: Annotated[Literal["add", "remove", "set"], PathParameter()],
        data: JSONBody[BatchTags],
    ) -> BatchResult:
        """Add, remove or set tags."""
        return await service.tags(runtime.pool, data, edit)

    @post("/rating", status_code=200)
    async def batch_rating(
        self, runtime: NamedDependency[Runtime], data: JSONBody[BatchRating]
    ) -> BatchResult:
        """Set or clear the rating."""
        return await service.set_fields(runtime.pool, data, {"rating": data.rating})

    @post("/event", status_code=200)
    async def batch_event(
        self, runtime: NamedDependency[Runtime], data: JSONBody[BatchEvent]
    ) -> BatchResult:
        """Put the photos in an event, or in none."""
        return await service.set_fields(runtime.pool, data, {"event_id": data.event_id})

    @post("/category", status_code=200)
    async def batch_category(
        self, runtime: NamedDependency[Runtime], data: JSONBody[BatchCategory]
    ) -> BatchResult:
        """Give the photos a category, or none."""
        return await service.set_fields(runtime.pool, data, {"category_id": data.category_id})

    @post("/photographer", status_code=200)
    async def batch_photographer(
        self, runtime: NamedDependency[Runtime], data: JSONBody[BatchPhotographer]
    ) -> BatchResult:
        """Credit the photos to a photographer."""
        return await service.set_fields(
            runtime.pool, data, {"photographer_id": data.photographer_id}
        )

    @post("/taken-at", status_code=200)
    async def batch_taken_at(
        self, runtime: NamedDependency[Runtime], data: JSONBody[BatchTakenAt]
    ) -> BatchResult:
        """Set the time (marked as set by hand)."""
        return await service.set_fields(
            runtime.pool,
            data,
            {"taken_at": data.taken_at, "taken_at_accuracy": data.taken_at_accuracy},
        )

    @post("/taken-at-offset", status_code=200)
    async def batch_taken_at_offset(
        self, runtime: NamedDependency[Runtime], data: JSONBody[BatchTakenAtOffset]
    ) -> BatchResult:
        """Shift the time by ± hours, minutes, seconds."""
        return await service.shift_time(runtime.pool, data)

    @post("/location", status_code=200)
    async def batch_location(
        self, runtime: NamedDependency[Runtime], data: JSONBody[BatchLocation]
    ) -> BatchResult:
        """Place the photos, or clear their location."""
        return await service.location(runtime.pool, data)

    @post("/{action:str}", status_code=200)
    async def batch_trash(
        self,
        runtime: NamedDependency[Runtime],
        action: Annotated[Literal["delete", "restore"], PathParameter()],
        data: JSONBody[Batch],
    ) -> BatchResult:
        """Move the photos to the trash, or out of it."""
        return await service.trash(runtime.pool, data, action == "delete")
