"""Whether a watched folder is there: looks at its root, and the verdict on each look.

A look touches the disk (a share that hangs holds it: it runs on the watcher's probe
threads); the verdict is a function of the look and of the folder as it was when its
watch began, with no effect of its own: the folder's watch acts on it.
"""

from __future__ import annotations

import asyncio
import errno
import os
import stat as stat_module
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from daemon.paths import escaped, own_folder_problem

ROOT_CHECK = 2.0  # seconds between looks at whether the folder is still there
ROOT_CHECK_TIMEOUT = 10.0  # a network share that does not answer in this long is offline
OFFLINE = "the folder cannot be reached ({error}); waiting for it to come back"
UNMOUNTED = "its disk seems unmounted: an empty folder on another device is in its place"
NO_ANSWER = "no answer from the disk or share"


@dataclass(frozen=True, slots=True)
class Root:
    """What one look at the folder itself found."""

    device: int
    inode: int
    empty: bool
    # Why the folder cannot be watched now that it leads where it does (a link into
    # the daemon's own folders put in its place); None when it can.
    refused: str | None = None


@dataclass(frozen=True, slots=True)
class Offline:
    """The folder cannot be watched now, and why."""

    reason: str
    unmounted: bool = False  # an empty folder stands where its disk was mounted


# "same": the folder watched is there; "other": a folder is there that the watch has
# not caught up with (another folder now has its name, or it is back).
Verdict = Offline | Literal["same", "other"]


def look_at_root(path: str, own_folders: tuple[Path, ...]) -> Root:
    """The folder's device, inode and emptiness, and whether it now leads into or over
    the daemon's own folders; OSError when it is not a folder."""
    stat = os.stat(path)
    if not stat_module.S_ISDIR(stat.st_mode):
        raise OSError(errno.ENOTDIR, "not a folder any more")
    with os.scandir(path) as entries:
        empty = next(entries, None) is None
    real = os.path.realpath(path)
    refused = own_folder_problem(Path(real), own_folders)
    if refused is not None:
        refused = f"it now leads to {escaped(real)}, which {refused}"
    return Root(stat.st_dev, stat.st_ino, empty, refused)


async def look(probes: Executor, path: str, own_folders: tuple[Path, ...]) -> Root:
    """`look_at_root` on one of the probe threads."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(probes, look_at_root, path, own_folders)


def judge(look: Root | OSError, known: Root | None, *, unmounted: bool) -> Verdict:
    """What a look at the root says of the folder watched as `known` (`unmounted`: its
    disk was found unmounted before). Empty on another device, or still empty after its
    disk was found unmounted, is an unmounted disk: never "every photo deleted"."""
    if isinstance(look, OSError):
        return Offline(look.strerror or str(look))
    if look.refused is not None:
        return Offline(look.refused)
    if look.empty and (unmounted or (known is not None and look.device != known.device)):
        return Offline(UNMOUNTED, unmounted=True)
    same = known is not None and (look.device, look.inode) == (known.device, known.inode)
    return "same" if same else "other"


class Presence:
    """One folder's looks at its root: at most one at a time, one every ROOT_CHECK
    seconds, and one that gets no answer in ROOT_CHECK_TIMEOUT means offline."""

    def __init__(self, look: Callable[[], Awaitable[Root]]) -> None:
        self._look = look
        self._probe: asyncio.Future[Root] | None = None
        self._probe_started = 0.0
        self._next_check = 0.0
        self.identity: Root | None = None  # the folder as its watch began
        self.unmounted = False  # its disk was found unmounted

    async def first(self, known_files: Callable[[], Awaitable[bool]]) -> Offline | None:
        """The look that begins a watch (the folder found is the one watched): why it
        cannot begin, or None. `known_files`: whether the catalog has files from it."""
        try:
            root = await asyncio.wait_for(self._look(), ROOT_CHECK_TIMEOUT)
        except TimeoutError:
            return Offline(NO_ANSWER)
        except OSError as exc:
            return Offline(exc.strerror or str(exc))
        self.identity = root
        if root.refused is not None:
            return Offline(root.refused)
        # Empty while the catalog has files from it: the folder left behind by a disk
        # that is not mounted (never "every photo deleted" without a look at the disk).
        self.unmounted = root.empty and await known_files()
        return Offline(UNMOUNTED, unmounted=True) if self.unmounted else None

    def check(self, now: float) -> Verdict | None:
        """The verdict on the look just finished, or on one that gets no answer; None
        while there is none (and a new look begins when one is due)."""
        if self._probe is None:
            if now >= self._next_check:
                self._probe = asyncio.ensure_future(self._look())
                self._probe_started = now
            return None
        if not self._probe.done():
            if now - self._probe_started > ROOT_CHECK_TIMEOUT:
                return Offline(NO_ANSWER)
            return None
        probe, self._probe = self._probe, None
        self._next_check = now + ROOT_CHECK
        try:
            look: Root | OSError = probe.result()
        except OSError as exc:
            look = exc
        return judge(look, self.identity, unmounted=self.unmounted)
