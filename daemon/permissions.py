"""Everything Hotprevue writes is private to the user it runs as, root included.

The process umask makes new files 0600 and new folders 0700, in the daemon and in
every worker it starts. Files left by an older version, which wrote with the
inherited umask, are tightened once at start. The one exception is the search bit
the embedded PostgreSQL's own user needs on the data directory when the daemon runs
as root (see ``daemon.embedded_pg``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from collections.abc import Collection
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
SHARED_BITS = 0o077  # every permission of group and others


def restrict_umask() -> None:
    """Make every file and folder this process and its children create private."""
    os.umask(PRIVATE_UMASK)


def write_private(path: Path, text: str) -> None:
    """Write a small secret file atomically (a reader never sees half of it), mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    # A temp file left by a crash may carry another mode: start from a new one.
    temp.unlink(missing_ok=True)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temp.replace(path)


def make_private(root: Path, *, large: Collection[Path] = ()) -> int:
    """Take group and other permissions from ``root`` and everything in it; return the count.

    A folder in ``large`` (the coldpreviews: hundreds of thousands of files) is walked
    only when its own mode is still loose. Its content is tightened before the folder
    itself, so a pass cut short is done again at the next start."""
    if os.name == "nt" or not root.is_dir():
        # Windows keeps the per-user folders private by their ACLs; modes mean little there.
        return 0
    if root in large:
        return _tighten_tree(root)
    changed = 0
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        for name in list(dirs):
            if here / name in large:
                dirs.remove(name)
                changed += _tighten_tree(here / name)
        for name in [*dirs, *files]:
            changed += _tighten(here / name)
    return changed + _tighten(root)


def _tighten_tree(top: Path) -> int:
    if not _is_shared(top):
        return 0
    changed = 0
    for folder, dirs, files in os.walk(top, topdown=False):
        for name in [*files, *dirs]:
            changed += _tighten(Path(folder) / name)
    return changed + _tighten(top)


def _is_shared(path: Path) -> bool:
    try:
        return bool(path.lstat().st_mode & SHARED_BITS)
    except FileNotFoundError:
        return False


def _tighten(path: Path) -> int:
    """chmod one entry private; symbolic links have no mode of their own and are left."""
    with contextlib.suppress(FileNotFoundError):
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode) and mode & SHARED_BITS:
            try:
                path.chmod(stat.S_IMODE(mode) & ~SHARED_BITS)
            except PermissionError:
                # Another user's file (a data directory once used by root, say).
                log.warning("cannot make %s private: it belongs to another user", path)
                return 0
            return 1
    return 0
