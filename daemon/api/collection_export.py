"""`GET /api/collections/{id}/export`: a collection as a ZIP to hand to someone."""

from __future__ import annotations

import unicodedata
import uuid
from urllib.parse import quote

from litestar import Controller, get
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Stream

from daemon.runtime import Runtime
from daemon.services.collection_export import CollectionExport

ZIP = "application/zip"
# A collection's photos are private, and the ZIP is made anew for every download.
NO_STORE = "private, no-store"


def provide_collection_export(runtime: NamedDependency[Runtime]) -> CollectionExport:
    """The collection export service the lifespan built."""
    return runtime.collection_export


class CollectionExportController(Controller):
    """A collection, downloaded for someone without Hotprevue."""

    path = "/api/collections"
    tags = ["collections"]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "collection_export": Provide(provide_collection_export, sync_to_thread=False)
    }

    @get(
        "/{collection_id:uuid}/export",
        media_type=ZIP,
        content_media_type=ZIP,
        response_description="the ZIP, streamed as it is made: photos/NNNN-<hothash>.jpg "
        "(corrections applied), collection.json and an index.html that shows them offline",
        response_headers=[
            ResponseHeader(
                name="Content-Disposition",
                value="attachment; filename=\"Summer.zip\"; filename*=UTF-8''Summer.zip",
                description="attachment, named after the collection",
                documentation_only=True,
            ),
            ResponseHeader(name="Cache-Control", value=NO_STORE, documentation_only=True),
        ],
    )
    async def export_collection(
        self,
        collection_export: NamedDependency[CollectionExport],
        collection_id: FromPath[uuid.UUID],
    ) -> Stream:
        """The collection as a ZIP: its photos in order, a JSON description, and a page
        that shows them in any browser, offline. A photo whose coldpreview is gone is
        marked missing; photos in the trash are left out."""
        export = await collection_export.export(collection_id)
        return Stream(
            export.chunks,
            media_type=ZIP,
            headers={
                "Content-Disposition": _attachment(f"{export.stem}.zip"),
                "Cache-Control": NO_STORE,
            },
        )


def _attachment(filename: str) -> str:
    """RFC 6266: an ASCII name for old clients, the real one (RFC 8187) for the rest."""
    plain = unicodedata.normalize("NFKD", filename)
    fallback = "".join(
        char if " " <= char <= "~" and char not in '"\\' else "_"
        for char in plain
        if not unicodedata.combining(char)
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
