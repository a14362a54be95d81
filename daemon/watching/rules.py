"""Which files the watcher ignores, and which files belong to one photo: the rules a
scan of the folder follows (daemon/imaging/grouping.py), applied to single paths; and
which paths one watched folder covers."""

from __future__ import annotations

import os
from pathlib import Path

from daemon.imaging.grouping import file_type, photo_stem, skipped_folder
from daemon.paths import storable_path


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


class Scope:
    """The paths one watched folder covers: under its root (only directly, when not
    recursive), never in the daemon's own folders."""

    def __init__(self, root: str, *, recursive: bool, own_folders: tuple[Path, ...]) -> None:
        self.root = root
        self.prefix = root.rstrip(os.sep) + os.sep
        self.recursive = recursive
        # The API refuses to watch them, but a data or coldpreview folder moved into a
        # watched folder later must still never have its previews registered as photos.
        self.own_folders = own_folders
        self._own_prefixes = tuple(str(folder).rstrip(os.sep) + os.sep for folder in own_folders)

    def inside(self, path: str) -> bool:
        """Whether the path lies where the folder is watched."""
        if not path.startswith(self.prefix):
            return False
        return self.recursive or os.path.dirname(path) == self.root

    def own(self, path: str) -> bool:
        """Whether the path lies in one of the daemon's own folders."""
        return path.startswith(self._own_prefixes)

    def wanted(self, path: str) -> bool:
        """Whether a file at this path is one to register."""
        return (
            self.inside(path)
            and not self.own(path)
            and not ignored(path, self.root)
            and storable_path(path)
        )

    def listed(self, path: str, *, is_dir: bool) -> bool:
        """Whether a scan would list this path when the catalog cannot store it: inside
        the folder, not left out by the rules, under a folder not listed itself."""
        if not self.inside(path) or self.own(path):
            return False
        if is_dir:
            if not self.recursive or ignored_folder(path, self.root):
                return False
        elif ignored(path, self.root):
            return False
        parent = os.path.dirname(path)
        return parent == self.root or storable_path(parent)
