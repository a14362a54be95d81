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

# Sizes and mtimes as one look at the disk found them (None: the file was gone).
Looks = dict[str, tuple[int, int] | None]
# A 0-byte file is held this many quiet windows: browsers create the final name empty
# beside their partial download and fill it at the end.
EMPTY_QUIETS = 12


@dataclass(slots=True)
class _Pending:
    size: int = -1
    mtime_ns: int = -1
    # Monotonic time of the last change seen; -inf for a file a scan found.
    changed: float = -math.inf


class Settler:
    """The files seen changing and not yet registered, keyed by path.

    Only `look` touches the disk, on a thread; every decision and every change to the
    pending files happens on the event loop."""

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

    def paths(self) -> list[str]:
        """The pending paths, for `look`."""
        return list(self._files)

    @staticmethod
    def look(paths: list[str]) -> Looks:
        """Size and mtime of each path (blocking: run it on a thread)."""
        looks: Looks = {}
        for path in paths:
            try:
                stat = os.stat(path)
            except OSError:
                looks[path] = None
            else:
                looks[path] = (stat.st_size, stat.st_mtime_ns)
        return looks

    def due(self, looks: Looks, now: float, wall_now: float) -> list[list[str]]:
        """Take the groups whose files are all quiet by these looks (taken at `now`):
        each a list of paths of one photo."""
        quiet_by_group: dict[tuple[str, str], bool] = {}
        members: dict[tuple[str, str], list[str]] = {}
        for path, entry in list(self._files.items()):
            if path not in looks or entry.changed > now:
                quiet = False  # added or changed since the look: wait for the next one
            elif (look := looks[path]) is None:
                del self._files[path]  # gone before it settled: renamed or deleted
                continue
            else:
                quiet = self._quiet(entry, look, now, wall_now)
            key = self._group_key(path)
            quiet_by_group[key] = quiet_by_group.get(key, True) and quiet
            members.setdefault(key, []).append(path)
        ready = [members[key] for key, quiet in quiet_by_group.items() if quiet]
        for paths in ready:
            for path in paths:
                del self._files[path]
        return ready

    def _quiet(self, entry: _Pending, look: tuple[int, int], now: float, wall_now: float) -> bool:
        if look != (entry.size, entry.mtime_ns):
            if entry.size >= 0:
                entry.changed = now
            entry.size, entry.mtime_ns = look
        mtime_age = wall_now - entry.mtime_ns / 1e9
        if mtime_age < -1 and entry.changed == -math.inf:
            # An mtime in the future (a card's local-time clock, a share's skew) says
            # nothing: the window starts at this first look instead.
            entry.changed = now
        window = self.quiet * (EMPTY_QUIETS if entry.size == 0 else 1)
        return now - entry.changed >= window and (mtime_age >= window or mtime_age < -1)
