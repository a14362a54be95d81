"""Which files the watcher ignores, and which files belong to one photo: the rules a
scan of the folder follows (daemon/imaging/grouping.py), applied to single paths."""

from __future__ import annotations

import os

from daemon.imaging.grouping import file_type, photo_stem, skipped_folder


def ignored(path: str, root: str) -> bool:
    """True for a path under `root` that a scan of `root` would leave out: hidden files
    and folders (which covers `._*`, `.DS_Store` and rsync's temporary names), OS and
    NAS housekeeping folders, and every file type Hotprevue does not catalog (partial
    downloads such as `.part`, `.crdownload`, `.tmp` and `~` among them)."""
    relative = os.path.relpath(path, root)
    *folders, name = relative.split(os.sep)
    if relative.startswith(os.pardir) or not name or name.startswith("."):
        return True
    if any(folder.startswith(".") or skipped_folder(folder) for folder in folders):
        return True
    return file_type(name) is None


def ignored_folder(path: str, root: str) -> bool:
    """True for a folder under `root` that a scan of `root` would not walk: hidden, OS or
    NAS housekeeping, or inside such a folder."""
    relative = os.path.relpath(path, root)
    if relative.startswith(os.pardir) or relative == os.curdir:
        return True
    return any(
        folder.startswith(".") or skipped_folder(folder) for folder in relative.split(os.sep)
    )


def photo_key(path: str) -> tuple[str, str]:
    """The folder and stem that make files one photo, as registration groups them."""
    folder, name = os.path.split(path)
    return folder, photo_stem(name)
