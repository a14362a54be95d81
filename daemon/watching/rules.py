"""Which files the watcher ignores, and which files belong to one photo."""

from __future__ import annotations

import os

from daemon.imaging.grouping import file_type, photo_stem

# Names of files still being written by their program: they are renamed when complete.
PARTIAL_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", "~")
# Files operating systems leave beside photos.
OS_LITTER = frozenset({"thumbs.db", "desktop.ini", "ehthumbs.db"})


def ignored(path: str) -> bool:
    """True for names the watcher never registers: partial downloads and temporary
    files, hidden files (which includes `._*` and `.DS_Store`), OS litter, and every
    file type Hotprevue does not catalog."""
    name = os.path.basename(path)
    lowered = name.lower()
    if not name or name.startswith(".") or lowered in OS_LITTER:
        return True
    if lowered.endswith(PARTIAL_SUFFIXES):
        return True
    return file_type(name) is None


def photo_key(path: str) -> tuple[str, str]:
    """The folder and stem that make files one photo, as registration groups them."""
    folder, name = os.path.split(path)
    return folder, photo_stem(name)
