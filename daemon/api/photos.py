"""`/api/photos`: the catalog's photos, addressed by hothash."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.response import File

from daemon.api.params import HothashParam, Limit, Offset
from daemon.runtime import Runtime
from daemon.services import photos as service
from daemon.services.photos import Photos
from daemon.store.photos import PhotoFilter
from daemon.values import wall_time
from protocol.photos import (
    Camera,
    CompanionCreate,
    Correction,
    CorrectionSet,
    FileState,
    Granularity,
    Hothash,
    ImageFile,
    PhotoBuckets,
    PhotoDetail,
    PhotoItem,
    PhotoPatch,
    StackView,
    TagCount,
    TrashEmptied,
)
from protocol.settings import PhotoSort

Rating = Annotated[int | None, QueryParameter(ge=1, le=5)]
# At most as many as a URL comfortably holds (100 times 72 characters).
MAX_HOTHASHES = 100


def photo_filter(
    photographer_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
    event_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
    session_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
    category_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
    tags: Annotated[list[str] | None, QueryParameter(max_items=50)] = None,
    in_stream: Annotated[bool | None, QueryParameter()] = None,
    rating_min: Rating = None,
    rating_max: Rating = None,
    rated: Annotated[bool | None, QueryParameter()] = None,
    damaged: Annotated[bool | None, QueryParameter()] = None,
    taken_after: Annotated[datetime | None, QueryParameter()] = None,
    taken_before: Annotated[datetime | None, QueryParameter()] = None,
    file_state: Annotated[FileState | None, QueryParameter()] = None,
    camera: Annotated[str | None, QueryParameter(min_length=1, max_length=500)] = None,
    hothash: Annotated[
        list[Hothash] | None, QueryParameter(min_items=1, max_items=MAX_HOTHASHES)
    ] = None,
    stacks: Annotated[StackView, QueryParameter()] = "all",
    deleted: Annotated[bool, QueryParameter()] = False,
) -> PhotoFilter:
    """The list's filters, which the list, its buckets and its hothashes share."""
    return PhotoFilter(
        photographer_id=photographer_id,
        event_id=event_id,
        session_id=session_id,
        category_id=category_id,
        tags=tuple(tags or ()),
        in_stream=in_stream,
        rating_min=rating_min,
        rating_max=rating_max,
        rated=rated,
        damaged=damaged,
        taken_after=_naive(taken_after),
        taken_before=_naive(taken_before),
        file_state=file_state,
        camera=camera,
        hothashes=tuple(hothash or ()),
        collapsed=stacks == "collapsed",
        deleted=deleted,
    )


Sort = Annotated[PhotoSort, QueryParameter()]
GranularityParam = Annotated[Granularity, QueryParameter()]
BucketKey = Annotated[str | None, QueryParameter(min_length=1, max_length=20)]


def provide_photos(runtime: NamedDependency[Runtime]) -> Photos:
    """The photos service the lifespan built."""
    return runtime.photos


class PhotosController(Controller):
    """List, inspect and organise photos."""

    path = "/api/photos"
    tags = ["photos"]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "filters": Provide(photo_filter, sync_to_thread=False),
        "photos": Provide(provide_photos, sync_to_thread=False),
    }

    @get()
    async def list_photos(
        self,
        runtime: NamedDependency[Runtime],
        filters: NamedDependency[PhotoFilter],
        sort: Sort = "taken_at_desc",
        bucket: BucketKey = None,
        granularity: GranularityParam = "day",
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[PhotoItem]:
        """Photos matching every filter given (tags: all of them; hothash: any of them;
        file_state: the state of the master file; damaged: registered from a damaged
        original), in the chosen order; with `bucket`,
        only that bucket of `GET /api/photos/buckets`, `offset` counting within it."""
        return await service.list_page(
            runtime.pool, filters, sort, limit, offset, _bucket(bucket, granularity)
        )

    @get("/buckets")
    async def photo_buckets(
        self,
        runtime: NamedDependency[Runtime],
        filters: NamedDependency[PhotoFilter],
        sort: Sort = "taken_at_desc",
        granularity: GranularityParam = "day",
    ) -> PhotoBuckets:
        """How many photos of the same list fall on each day or month (time sorts) or
        rating (rating sorts), in list order: what a grid needs to size its scrollbar."""
        return await service.buckets(runtime.pool, filters, sort, granularity)

    @get("/hothashes")
    async def photo_hothashes(
        self,
        runtime: NamedDependency[Runtime],
        filters: NamedDependency[PhotoFilter],
        sort: Sort = "taken_at_desc",
        bucket: BucketKey = None,
        granularity: GranularityParam = "day",
        limit: Annotated[int, QueryParameter(ge=1, le=10_000)] = 10_000,
        offset: Offset = 0,
    ) -> list[str]:
        """The hothashes of the same list, in its order: selecting all, or a range over
        rows not loaded yet."""
        return await service.list_hothashes(
            runtime.pool, filters, sort, limit, offset, _bucket(bucket, granularity)
        )

    @post("/empty-trash", status_code=200)
    async def empty_trash(self, photos: NamedDependency[Photos]) -> TrashEmptied:
        """Delete every photo in the trash for good, coldpreview files included."""
        return await photos.empty_trash()

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
        photos: NamedDependency[Photos],
        hothash: HothashParam,
        request: Request[object, object, State],
    ) -> Response[bytes] | File:
        """The detail-view JPEG (correction applied); 304 when the client has it."""
        found = await photos.coldpreview(hothash)
        # Asked again every time, answered 304 while the ETag holds: a new correction shows
        # at once.
        headers = {"ETag": found.etag, "Cache-Control": "private, no-cache"}
        if found.etag in request.headers.get("if-none-match", ""):
            return Response(b"", status_code=304, headers=headers)
        if found.correction is not None:
            jpeg = await service.corrected_coldpreview(runtime.pool, found)
            return Response(jpeg, media_type="image/jpeg", headers=headers)
        return File(
            found.path, media_type="image/jpeg", headers=headers, content_disposition_type="inline"
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
        photos: NamedDependency[Photos],
        hothash: HothashParam,
        data: JSONBody[CorrectionSet],
    ) -> Correction:
        """Correct the coldpreview (rotation → horizon → crop → exposure); the hotpreview,
        and so the hothash, never change."""
        return await photos.set_correction(hothash, data)

    @delete("/{hothash:str}/correction")
    async def delete_correction(
        self, photos: NamedDependency[Photos], hothash: HothashParam
    ) -> None:
        """Remove the correction and its file."""
        await photos.delete_correction(hothash)

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


class CamerasController(Controller):
    """`/api/cameras`."""

    path = "/api/cameras"
    tags = ["photos"]  # noqa: RUF012

    @get()
    async def list_cameras(self, runtime: NamedDependency[Runtime]) -> list[Camera]:
        """Cameras of photos outside the trash, most photos first; `name` is what
        `GET /api/photos?camera=` takes."""
        return await service.cameras(runtime.pool)


def _bucket(key: str | None, granularity: Granularity) -> service.Bucket | None:
    return service.Bucket(key, granularity) if key is not None else None


def _naive(moment: datetime | None) -> datetime | None:
    # taken_at is camera wall time: compare wall time with wall time.
    return wall_time(moment) if moment is not None else None
