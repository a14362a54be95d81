"""`/api/photos`: the catalog's photos, addressed by hothash."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.response import File

from daemon.api.params import HothashParam, Limit, Offset
from daemon.runtime import Runtime
from daemon.services import photos as service
from daemon.store.photos import PhotoFilter
from daemon.values import wall_time
from protocol.photos import (
    CompanionCreate,
    Correction,
    CorrectionSet,
    FileState,
    ImageFile,
    PhotoDetail,
    PhotoItem,
    PhotoPatch,
    TagCount,
    TrashEmptied,
)
from protocol.settings import PhotoSort

Rating = Annotated[int | None, QueryParameter(ge=1, le=5)]


class PhotosController(Controller):
    """List, inspect and organise photos."""

    path = "/api/photos"
    tags = ["photos"]  # noqa: RUF012

    @get()
    async def list_photos(
        self,
        runtime: NamedDependency[Runtime],
        sort: Annotated[PhotoSort, QueryParameter()] = "taken_at_desc",
        limit: Limit = 100,
        offset: Offset = 0,
        photographer_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        event_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        session_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        category_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        tags: Annotated[list[str] | None, QueryParameter(max_items=50)] = None,
        in_stream: Annotated[bool | None, QueryParameter()] = None,
        rating_min: Rating = None,
        rating_max: Rating = None,
        taken_after: Annotated[datetime | None, QueryParameter()] = None,
        taken_before: Annotated[datetime | None, QueryParameter()] = None,
        file_state: Annotated[FileState | None, QueryParameter()] = None,
        deleted: Annotated[bool, QueryParameter()] = False,
    ) -> list[PhotoItem]:
        """Photos matching every filter given (tags: all of them; file_state: the state of
        the master file), in the chosen order."""
        filters = PhotoFilter(
            photographer_id=photographer_id,
            event_id=event_id,
            session_id=session_id,
            category_id=category_id,
            tags=tuple(tags or ()),
            in_stream=in_stream,
            rating_min=rating_min,
            rating_max=rating_max,
            taken_after=_naive(taken_after),
            taken_before=_naive(taken_before),
            file_state=file_state,
            deleted=deleted,
        )
        return await service.list_page(runtime.pool, filters, sort, limit, offset)

    @post("/empty-trash", status_code=200)
    async def empty_trash(self, runtime: NamedDependency[Runtime]) -> TrashEmptied:
        """Delete every photo in the trash for good, coldpreview files included."""
        return await service.empty_trash(runtime.pool, runtime.settings.coldpreview_dir)

    @get("/{hothash:str}")
    async def get_photo(
        self, runtime: NamedDependency[Runtime], hothash: HothashParam
    ) -> PhotoDetail:
        """One photo with EXIF, files, session and correction."""
        return await service.get(runtime.pool, hothash)

    @patch("/{hothash:str}")
    async def update_photo(
        self, runtime: NamedDependency[Runtime], hothash: HothashParam, data: JSONBody[PhotoPatch]
    ) -> PhotoDetail:
        """Change rating, tags, category, photographer, event, time or location."""
        return await service.update(runtime.pool, hothash, data)

    @get("/{hothash:str}/coldpreview", media_type="image/jpeg")
    async def coldpreview(
        self,
        runtime: NamedDependency[Runtime],
        hothash: HothashParam,
        request: Request[object, object, State],
    ) -> Response[bytes] | File:
        """The detail-view JPEG (correction applied); 304 when the client has it."""
        path, etag = await service.coldpreview(
            runtime.pool, runtime.settings.coldpreview_dir, hothash
        )
        headers = {"ETag": etag, "Cache-Control": "private, max-age=3600"}
        if etag in request.headers.get("if-none-match", ""):
            return Response(b"", status_code=304, headers=headers)
        return File(
            path, media_type="image/jpeg", headers=headers, content_disposition_type="inline"
        )

    @get("/{hothash:str}/files")
    async def photo_files(
        self, runtime: NamedDependency[Runtime], hothash: HothashParam
    ) -> list[ImageFile]:
        """The photo's physical files, master first."""
        return await service.files(runtime.pool, hothash)

    @post("/{hothash:str}/companions")
    async def add_companion(
        self,
        runtime: NamedDependency[Runtime],
        hothash: HothashParam,
        data: JSONBody[CompanionCreate],
    ) -> ImageFile:
        """Attach another file of this photo (409 if that path is already known)."""
        return await service.add_companion(runtime.pool, hothash, data)

    @get("/{hothash:str}/correction")
    async def get_correction(
        self, runtime: NamedDependency[Runtime], hothash: HothashParam
    ) -> Correction:
        """The photo's correction (404 when it has none)."""
        return await service.correction(runtime.pool, hothash)

    @put("/{hothash:str}/correction")
    async def set_correction(
        self,
        runtime: NamedDependency[Runtime],
        hothash: HothashParam,
        data: JSONBody[CorrectionSet],
    ) -> Correction:
        """Correct the coldpreview (rotation → horizon → crop → exposure); the hotpreview,
        and so the hothash, never change."""
        return await service.set_correction(
            runtime.pool,
            runtime.settings.coldpreview_dir,
            runtime.registrations.pending,
            hothash,
            data,
        )

    @delete("/{hothash:str}/correction")
    async def delete_correction(
        self, runtime: NamedDependency[Runtime], hothash: HothashParam
    ) -> None:
        """Remove the correction and its file."""
        await service.delete_correction(runtime.pool, runtime.settings.coldpreview_dir, hothash)

    @post("/{hothash:str}/{action:str}", status_code=200)
    async def photo_action(
        self,
        runtime: NamedDependency[Runtime],
        hothash: HothashParam,
        action: Annotated[
            Literal["delete", "restore", "reset-time", "reset-location"], PathParameter()
        ],
    ) -> PhotoDetail:
        """delete/restore (the trash), reset-time/reset-location (back to EXIF)."""
        if action in ("delete", "restore"):
            return await service.set_deleted(runtime.pool, hothash, action == "delete")
        if action == "reset-time":
            return await service.reset_time(runtime.pool, hothash)
        return await service.reset_location(runtime.pool, hothash)


class TagsController(Controller):
    """`/api/tags`."""

    path = "/api/tags"
    tags = ["tags"]  # noqa: RUF012

    @get()
    async def list_tags(
        self,
        runtime: NamedDependency[Runtime],
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
        with_count: Annotated[bool, QueryParameter()] = False,
        limit: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1000,
    ) -> list[TagCount]:
        """Distinct tags of photos outside the trash; `q` filters by prefix."""
        return await service.tags(runtime.pool, q, with_count, limit)


def _naive(moment: datetime | None) -> datetime | None:
    # taken_at is camera wall time: compare wall time with wall time.
    return wall_time(moment) if moment is not None else None
