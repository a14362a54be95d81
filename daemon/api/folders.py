"""`/api/folders`: this machine's folders, to choose one to register or watch (local only)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from daemon.services import folders as service
from protocol.folders import FolderListing


class FoldersController(Controller):
    """A folder picker's view of the filesystem, one level at a time."""

    path = "/api/folders"
    tags = ["folders"]  # noqa: RUF012

    @get()
    async def list_folders(
        self, path: Annotated[str | None, QueryParameter(max_length=32_767)] = None
    ) -> FolderListing:
        """The subfolders of the absolute `path`, hidden ones left out, by name (at most
        1,000: `truncated` says there were more; `skipped` counts those whose names are not
        valid text); without `path`, the places to start from (home, drives or `/`, where
        disks are mounted). 422 saying why for a path that is no readable folder."""
        return await service.listing(path)
