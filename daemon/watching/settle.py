"""When a file that changed is complete: its size and mtime have stopped changing.

A file counts once neither an event nor a look at its size and mtime has shown a
change for the quiet window, and its mtime is at least that old too (so a file
found by a scan that was written long ago counts at once, and one being copied
when the daemon started does not). A photo's files (`IMG_1.JPG`, `IMG_1.CR2`,
`IMG_1.xmp`) are released together, once every one of them is quiet: files of one
photo that arrive seconds apart become one photo.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Pending:
    size: int = -1
    mtime_ns: int = -1
    # Monotonic time of the last change seen; -inf for a file a scan found.
    changed: float = -math.inf


class Settler:
    """The files seen changing and not yet registered, keyed by path.

    `due` runs on a thread while events may add files on the loop: it walks a copy."""

    def __init__(self, quiet: float, group_key: Callable[[str], tuple[str, str]]) -> None:
        self.quiet = quiet
        self._group_key = group_key
        self._files: dict[str, _Pending] = {}

    def __len__(self) -> int:
        return len(self._files)

    def __contains__(self, path: object) -> bool:
        return path in self._files

    def touch(self, path: str, now: float) -> None:
        """An event says the file changed now."""
        entry = self._files.setdefault(path, _Pending())
        entry.changed = now

    def found(self, path: str) -> None:
        """A scan found a file the catalog does not know."""
        self._files.setdefault(path, _Pending())

    def forget(self, path: str) -> None:
        """The file is gone (deleted, or renamed away)."""
        self._files.pop(path, None)

    def forget_under(self, prefix: str) -> None:
        """Every file under a folder that is gone."""
        for path in [path for path in self._files if path.startswith(prefix)]:
            del self._files[path]

    def due(self, now: float, wall_now: float) -> list[list[str]]:
        """Take the groups whose files are all quiet: each a list of paths of one photo."""
        quiet_by_group: dict[tuple[str, str], bool] = {}
        members: dict[tuple[str, str], list[str]] = {}
        for path, entry in list(self._files.items()):
            try:
                stat = os.stat(path)
            except OSError:
                self._files.pop(path, None)  # gone before it settled: renamed or deleted
                continue
            if (stat.st_size, stat.st_mtime_ns) != (entry.size, entry.mtime_ns):
                if entry.size >= 0:
                    entry.changed = now
                entry.size, entry.mtime_ns = stat.st_size, stat.st_mtime_ns
            mtime_age = wall_now - stat.st_mtime_ns / 1e9
            # An mtime in the future (a clock that differs) says nothing about quiet.
            quiet = now - entry.changed >= self.quiet and (
                mtime_age >= self.quiet or mtime_age < -1
            )
            key = self._group_key(path)
            quiet_by_group[key] = quiet_by_group.get(key, True) and quiet
            members.setdefault(key, []).append(path)
        ready = [members[key] for key, quiet in quiet_by_group.items() if quiet]
        for paths in ready:
            for path in paths:
                self._files.pop(path, None)
        return ready
