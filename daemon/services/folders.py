"""This machine's folders, for choosing one to register or watch: one level at a time."""

from __future__ import annotations

import asyncio
import getpass
import os
import stat
import sys
from pathlib import Path

import psutil

from daemon.errors import Invalid
from daemon.paths import pseudo_mounts, readable_folder, storable
from protocol.folders import Folder, FolderListing

# A listing answers this many subfolders at most, the first by name.
MAX_FOLDERS = 1000
# Where disks show up on Linux and macOS, besides `/`: the parents of their mount points.
_DISK_PLACES = (
    ("/media/{user}", "Removable media"),
    ("/run/media/{user}", "Removable media"),
    ("/mnt", "Mounted disks"),
    ("/Volumes", "Volumes"),
)


async def listing(path: str | None) -> FolderListing:
    """The subfolders of `path` (Invalid saying why for a path that is no readable
    folder), or without one the places to start from."""
    if path is None:
        return await asyncio.to_thread(_places)
    return await asyncio.to_thread(_subfolders, path)


def _subfolders(raw: str) -> FolderListing:
    """Visible subfolders by name, case aside; folders a symlink points at count too."""
    # The checks registration makes: a folder offered here can be registered.
    canonical = readable_folder(raw, "path")
    given = Path(raw).expanduser()
    # Shown as given (a symlinked folder keeps its place), unless `..` could mean
    # another folder than the one checked, or the root is spelled oddly (`//`).
    odd = ".." in given.parts or given.anchor != canonical.anchor
    folder = canonical if odd else given
    hidden_mounts = pseudo_mounts()
    folders: list[Folder] = []
    skipped = 0
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or not _is_folder(entry) or _hidden(entry):
                    continue
                if not storable(entry.name):
                    # Not valid Unicode (bytes of another encoding): JSON cannot carry it.
                    skipped += 1
                elif entry.path not in hidden_mounts:
                    folders.append(Folder(name=entry.name, path=entry.path))
    except OSError as exc:
        raise _unreadable(folder, exc) from None
    folders.sort(key=lambda f: (f.name.casefold(), f.name))
    parent = folder.parent
    return FolderListing(
        path=str(folder),
        parent=None if parent == folder else str(parent),
        folders=folders[:MAX_FOLDERS],
        truncated=len(folders) > MAX_FOLDERS,
        skipped=skipped,
    )


def _places() -> FolderListing:
    """The home folder, then the drives (Windows) or `/` and where disks are mounted."""
    places: list[Folder] = []
    home = _home()
    if home is not None:
        places.append(Folder(name="Home", path=home))
    if sys.platform == "win32":
        for partition in psutil.disk_partitions():
            places.append(Folder(name=partition.mountpoint, path=partition.mountpoint))
    else:
        places.append(Folder(name="Computer", path="/"))
        user = _user()
        for pattern, name in _DISK_PLACES:
            if "{user}" in pattern and user is None:
                continue
            place = pattern.format(user=user)
            if Path(place).is_dir():
                places.append(Folder(name=name, path=place))
    return FolderListing(path=None, parent=None, folders=places, truncated=False, skipped=0)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows a symlink: a link to a folder is a folder
    except OSError:
        return False


if sys.platform == "win32":

    def _hidden(entry: os.DirEntry[str]) -> bool:
        """Hidden by the Windows attribute."""
        try:
            attributes = entry.stat(follow_symlinks=False).st_file_attributes
        except OSError:
            return False
        return bool(attributes & stat.FILE_ATTRIBUTE_HIDDEN)

else:

    def _hidden(entry: os.DirEntry[str]) -> bool:
        """Only a name starting with a dot hides a folder here (checked before)."""
        return False


def _home() -> str | None:
    try:
        home = str(Path.home())
    except RuntimeError:  # no home folder known for this user
        return None
    return home if storable(home) else None


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this user id (a container's user)
        return None


def _unreadable(folder: Path, exc: OSError) -> Invalid:
    return Invalid(f"path cannot be read: {folder}: {exc.strerror or exc}")
