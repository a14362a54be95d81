"""Whether a known path still holds the file the catalog read there.

Files are known by path, but a name gets reused (a camera's numbering starts again)
and a file gets overwritten: a known master whose size or modification time differ
from what was recorded when it was read is read again, and only its picture tells
whether it is still the same photo. Watched and manual registration ask the same
question here.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from pathlib import Path

from daemon.store.registration import FileStat, KnownPath


def look(paths: Iterable[str]) -> dict[str, os.stat_result]:
    """What each path is like now (on a thread: it touches the disk); a path that cannot
    be looked at is left out."""
    found = {}
    for path in paths:
        try:
            found[path] = Path(path).stat()
        except (OSError, ValueError):
            continue
    return found


def stat_of(now: os.stat_result | None) -> FileStat | None:
    """What the catalog records of a file it reads."""
    return FileStat(now.st_size, now.st_mtime_ns) if now is not None else None


def rewritten(known: KnownPath, now: os.stat_result | None) -> bool:
    """Whether the file at a known path was written since the catalog read it.

    A file that cannot be looked at is not: whether it is gone is the scan's to say.
    A row with nothing recorded (made before sizes were recorded, or never read here)
    counts as rewritten only when the OS says the file was written, or put in its place,
    after the row was made. Reading every such file again would cost a catalog's
    worth of decoding at the first scan after an upgrade, and a file untouched since
    it was registered is the file that was registered."""
    if now is None:
        return False
    if known.stat is not None:
        return (now.st_size, now.st_mtime_ns) != (known.stat.size, known.stat.mtime_ns)
    if known.since is None:
        return False
    # ctime is when the file was created or renamed into its place (or its inode changed),
    # which a copy that kept an older modification time cannot hide.
    changed_ns = max(now.st_mtime_ns, now.st_ctime_ns)
    return changed_ns > known.since.timestamp() * 1e9


async def rewritten_masters(known: dict[str, KnownPath]) -> set[str]:
    """Of these known paths, the masters (and duplicates) whose file was written since
    it was read; the files are looked at on a thread."""
    masters = [path for path, seen in known.items() if seen.is_master]
    if not masters:
        return set()
    looks = await asyncio.to_thread(look, masters)
    return {path for path in masters if rewritten(known[path], looks.get(path))}
