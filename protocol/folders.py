"""Folders of this machine, for choosing one to register or watch."""

from __future__ import annotations

from protocol.base import Response


class Folder(Response):
    """A folder to open: its name as shown and its absolute path."""

    name: str
    path: str


class FolderListing(Response):
    """A folder's subfolders, or (`path` null) the places to start from.

    `truncated`: there were more subfolders than listed; `skipped`: subfolders left out
    because their names are not valid text and cannot be shown."""

    path: str | None
    parent: str | None
    folders: list[Folder]
    truncated: bool
    skipped: int
