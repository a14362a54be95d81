"""Handing one folder's photos to registration: quiet files become whole groups, which
go to the folder's open session (its burst) through a feed; and the paths its sessions
cannot register are listed once, as errors of the burst."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from daemon.imaging.grouping import FileGroup, ScanProblem, group_directory
from daemon.paths import holder, storable_path
from daemon.registration import changes
from daemon.registration.feed import FeedClosed, GroupFeed
from daemon.registration.sessions import Burst
from daemon.store.watching import WatchedFolderRow
from daemon.watching.catalog import Catalog
from daemon.watching.rules import Scope, ignored, photo_key

log = logging.getLogger(__name__)

# A burst's session stays open for this many quiet windows after its last photo was
# handed over: photos of one card import, arriving one after another, share a session.
BURST_GAP_QUIETS = 2.0


class Bursts:
    """The sessions one folder's photos go to: the open one, and every one whose job
    has not ended."""

    def __init__(self, row: WatchedFolderRow, scope: Scope, catalog: Catalog) -> None:
        self._row = row
        self._scope = scope
        self._catalog = catalog
        self._feed: GroupFeed | None = None  # the open burst
        self._feeds: list[GroupFeed] = []  # every burst whose job has not ended
        self._last_fed = 0.0
        # Paths the catalog cannot store that a session of this watch already lists.
        self._reported: set[str] = set()

    @property
    def backlog(self) -> int:
        """Groups handed over and not yet taken by a session's job."""
        return sum(feed.backlog for feed in self._feeds)

    def in_flight(self, paths: list[str]) -> list[str]:
        """Of these paths, those a session's job holds."""
        # A feed whose job has ended (cancelled, say) holds nothing, even before the next
        # tick forgets it: a scan right after a cancel must hand its files over again.
        held = [feed for feed in self._feeds if feed.outcome is None]
        return [path for path in paths if any(path in feed.paths for feed in held)]

    async def hand_over(self, ready: list[list[str]], now: float) -> None:
        """Quiet files → whole groups (every file of the photo on disk) → the burst."""
        keys_by_folder: dict[str, set[str]] = {}
        for paths in ready:
            folder, stem = photo_key(paths[0])
            keys_by_folder.setdefault(folder, set()).add(stem)
        groups = await asyncio.to_thread(
            _regroup, keys_by_folder, self._scope.root, self._scope.own_folders
        )
        groups = [group for group in groups if self._scope.wanted(group.master.path)]
        if not groups:
            return
        known = await self._catalog.known_paths(
            [ref.path for group in groups for ref in group.files]
        )
        # A known name written anew (a reused name, a file overwritten) may hold another
        # picture: a session reads it again, and only that says whose file it is.
        rewritten = await changes.rewritten_masters(known)
        back = [path for path, seen in known.items() if seen.is_file and path not in rewritten]
        if back:
            await self._catalog.set_state(back, "online")
        fresh = [
            group
            for group in groups
            if group.master.path in rewritten or any(ref.path not in known for ref in group.files)
        ]
        if fresh:
            await self._feed_burst(fresh)
            self._last_fed = now

    async def report(self, problems: list[ScanProblem]) -> None:
        """List what the folder's sessions cannot register as an error of its burst, as
        a registration does: once, not again at every rescan or event."""
        fresh = {p.path: p for p in problems if p.path not in self._reported}
        if not fresh:
            return
        # Taken before the look-up: an event and a scan reporting one path at once list it once.
        self._reported.update(fresh)
        try:
            listed = await self._catalog.failed_since(self._row.id, list(fresh))
            unlisted = [problem for path, problem in fresh.items() if path not in listed]
            if unlisted:
                await self._feed_burst(unlisted)
                self._last_fed = time.monotonic()
        except BaseException:
            self._reported.difference_update(fresh)  # not listed: the next scan tries again
            raise

    def follow(self, now: float, quiet: float) -> list[str]:
        """Close the open burst after its gap; the outcomes of the bursts whose job has
        ended since, which are then forgotten."""
        if (
            self._feed is not None
            and self._feed.backlog == 0
            and now - self._last_fed > BURST_GAP_QUIETS * quiet
        ):
            self.close()
        outcomes: list[str] = []
        for feed in list(self._feeds):
            if feed.outcome is None:
                continue
            self._feeds.remove(feed)
            if feed is self._feed:
                self._feed = None
            outcomes.append(feed.outcome)
        return outcomes

    def close(self) -> None:
        """Close the open burst: its session registers what it was given, and ends."""
        if self._feed is not None:
            self._feed.close()
            self._feed = None

    async def _feed_burst(self, groups: Sequence[FileGroup | ScanProblem]) -> None:
        if self._feed is not None:
            try:
                self._feed.put(groups)
                return
            except FeedClosed:
                self._feed = None  # its job ended (cancelled, or the daemon stopping)
        feed = GroupFeed()
        feed.put(groups)
        root = self._scope.root
        name = f"{Path(root).name or root} (watched, {datetime.now():%Y-%m-%d %H:%M})"
        burst = Burst(
            name=name,
            folder=Path(root),
            recursive=self._row.recursive,
            photographer_id=self._row.photographer_id,
            watched_folder_id=self._row.id,
        )
        session_id = await self._catalog.open_burst(feed, burst)
        log.info("%s: new photos go to session %s", root, session_id)
        self._feed = feed
        self._feeds.append(feed)


def _regroup(
    keys_by_folder: dict[str, set[str]], root: str, own_folders: tuple[Path, ...]
) -> list[FileGroup]:
    """The groups of these photos, from every file of theirs now in their folders (never
    from a folder that leads into the daemon's own, whatever link or mount led there)."""
    groups: list[FileGroup] = []
    for folder, stems in keys_by_folder.items():
        if holder(Path(os.path.realpath(folder)), own_folders) is not None:
            continue
        try:
            with os.scandir(folder) as entries:
                names = [
                    entry.name
                    for entry in entries
                    if not ignored(entry.path, root)
                    and photo_key(entry.path)[1] in stems
                    and storable_path(entry.path)
                    and entry.is_file(follow_symlinks=True)
                ]
        except OSError:
            continue  # the folder went meanwhile: its files are gone, not ready
        groups.extend(group_directory(folder, names))
    return groups
