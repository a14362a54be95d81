"""Groups handed to a running registration job as they become ready (a watched folder),
and the files it cannot register at all, which the job lists as errors."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Iterable

from daemon.imaging.grouping import FileGroup, ScanProblem


class FeedClosed(Exception):
    """The feed's job has taken its last group; open a new session for more."""


class GroupFeed:
    """A queue of file groups with an end: the job registers what it is given until closed."""

    def __init__(self) -> None:
        self._groups: collections.deque[FileGroup | ScanProblem] = collections.deque()
        self._changed = asyncio.Event()
        self._closed = False
        # The session's final status once its job has ended; groups still in the feed
        # then were never registered.
        self.outcome: str | None = None
        self.groups_fed = 0
        self.files_fed = 0
        # Every file given, until the job ends: a scan meanwhile must not give them again.
        self.paths: set[str] = set()

    @property
    def closed(self) -> bool:
        """No group can be added any more."""
        return self._closed

    @property
    def backlog(self) -> int:
        """Groups given but not yet taken by the job."""
        return len(self._groups)

    def put(self, groups: Iterable[FileGroup | ScanProblem]) -> None:
        """Hand groups, and problems to list as errors, to the job."""
        if self._closed:
            raise FeedClosed
        for group in groups:
            self._groups.append(group)
            if isinstance(group, ScanProblem):
                continue
            self.groups_fed += 1
            self.files_fed += len(group.files)
            self.paths.update(ref.path for ref in group.files)
        self._changed.set()

    def close(self) -> None:
        """No more groups: the job ends once it has registered those given."""
        self._closed = True
        self._changed.set()

    async def take(self, most: int, wait: float) -> list[FileGroup | ScanProblem] | None:
        """Up to `most` groups; [] once closed and drained; None if none came within `wait`."""
        if not self._groups and not self._closed:
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), wait)
            except TimeoutError:
                return None
        return [self._groups.popleft() for _ in range(min(most, len(self._groups)))]
