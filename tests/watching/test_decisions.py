"""The watcher's decisions, with the catalog and the OS watch stood in for in memory:
no database, no daemon, no watchdog thread (the real-filesystem tests beside these
watch for real)."""

from __future__ import annotations

import asyncio
import errno
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import ParamSpec, TypeVar

import pytest
from watchdog.events import FileDeletedEvent
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingEmitter

from daemon.registration.feed import GroupFeed
from daemon.registration.sessions import Burst
from daemon.store.registration import FileStat, KnownPath
from daemon.store.watching import WatchedFolderRow
from daemon.watching.events import Deletions
from daemon.watching.folder import OVERFLOW_DETAIL, Context, FolderWatch
from daemon.watching.observer import OsWatch
from daemon.watching.presence import UNMOUNTED, Offline, Root, judge
from daemon.watching.rules import photo_key
from daemon.watching.settle import EMPTY_QUIETS, Settler

P = ParamSpec("P")
T = TypeVar("T")

QUIET = 1.0
WALL = 1_700_000_000.0  # a wall-clock time the settler tests look at files from


class MemoryCatalog:
    """The catalog port, answered from memory: file states, and what it was asked."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.known: dict[str, KnownPath] = {}
        self.scans = 0
        self.bursts: list[GroupFeed] = []

    def add(self, path: Path, state: str = "online") -> None:
        """A file the catalog registered as it is on disk now."""
        stat = path.stat()
        self.files[str(path)] = state
        self.known[str(path)] = KnownPath(
            uuid.uuid4(), deleted=False, is_file=True, stat=FileStat(stat.st_size, stat.st_mtime_ns)
        )

    async def any_files_under(self, prefix: str) -> bool:
        """Whether any file lies under the prefix."""
        return any(path.startswith(prefix) for path in self.files)

    async def files_under(self, prefix: str) -> dict[str, str]:
        """The files under the prefix, with their states."""
        return {path: state for path, state in self.files.items() if path.startswith(prefix)}

    async def known_paths(self, paths: list[str]) -> dict[str, KnownPath]:
        """Of these paths, the known ones."""
        return {path: self.known[path] for path in paths if path in self.known}

    async def failed_since(self, folder_id: uuid.UUID, paths: list[str]) -> dict[str, float]:
        """No file ever failed here."""
        return {}

    async def set_state(self, paths: list[str], state: str) -> None:
        """Give these files a state."""
        for path in paths:
            if path in self.files:
                self.files[path] = state

    async def set_state_under(self, prefix: str, state: str, from_states: list[str]) -> None:
        """Give the files under the prefix in one of `from_states` a state."""
        for path, now in self.files.items():
            if path.startswith(prefix) and now in from_states:
                self.files[path] = state

    async def move_file(self, source: str, destination: str) -> bool:
        """No file is ever moved here."""
        return False

    async def move_folder(self, source: str, destination: str) -> None:
        """No folder is ever moved here."""

    async def scanned(self, folder_id: uuid.UUID) -> None:
        """Count the full scans."""
        self.scans += 1

    async def open_burst(self, feed: GroupFeed, burst: Burst) -> uuid.UUID:
        """Keep the feed, as a session's job would take from it."""
        self.bursts.append(feed)
        return uuid.uuid4()


class StillObserver(BaseObserver):
    """An observer that runs no thread and never stops on its own."""

    def __init__(self) -> None:
        super().__init__(PollingEmitter)

    def is_alive(self) -> bool:
        """Never seen to have stopped."""
        return True


class FakeWatch(OsWatch):
    """An OS watch with no thread: events come only when a test puts them in. What the
    watch says of itself (through the OS or polled, died) is OsWatch's own."""

    def __init__(self, root: str, recursive: bool, *, polls: bool = False) -> None:
        super().__init__(root, recursive)
        self._polls = polls

    async def start(self) -> None:
        """Watch (or poll, as told)."""
        self._observer, self.polling = StillObserver(), self._polls
        self.detail = "polled" if self._polls else ""

    async def short_of_watches(self) -> None:
        """Never short of watches."""

    async def stop(self) -> None:
        """Stop watching."""
        self._observer = None


class InlineExecutor(Executor):
    """Looks at the folder's root at once, on the loop's thread (the test's folders
    never hang)."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Run `fn` now."""
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


@pytest.fixture
def catalog() -> MemoryCatalog:
    """An empty catalog in memory."""
    return MemoryCatalog()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The watched folder, with two photos in it."""
    root = (tmp_path / "card").resolve()
    root.mkdir()
    for name in ("a.jpg", "b.jpg"):
        (root / name).write_bytes(b"not decoded here")
    return root


@pytest.fixture
def os_watches() -> list[FakeWatch]:
    """The OS watches made, in order."""
    return []


@pytest.fixture
async def make_watch(
    tmp_path: Path, folder: Path, catalog: MemoryCatalog, os_watches: list[FakeWatch]
) -> AsyncIterator[Callable[..., FolderWatch]]:
    """Builds the folder's watch on the catalog in memory; stops it after the test."""
    watches: list[FolderWatch] = []

    def os_watch(root: str, recursive: bool, polls: bool) -> FakeWatch:
        os_watches.append(FakeWatch(root, recursive, polls=polls))
        return os_watches[-1]

    def make(*, polls: bool = False) -> FolderWatch:
        row = WatchedFolderRow(uuid.uuid4(), str(folder), True, None, False)
        context = Context(
            catalog,
            (tmp_path / "data", tmp_path / "coldpreviews"),
            InlineExecutor(),
            lambda root, recursive: os_watch(root, recursive, polls),
        )
        watch = FolderWatch(row, context, quiet=QUIET, rescan=3600.0)
        watches.append(watch)
        return watch

    yield make
    for watch in watches:
        await watch.stop()


async def until(check: Callable[[], bool], what: str) -> None:
    """Until the check holds (scans run on threads)."""
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def look_twice(watch: FolderWatch, now: float) -> None:
    """Tick until a look at the folder's root has been taken and acted on."""
    await watch.tick(now, time.time())  # starts the look
    for _ in range(5):
        await asyncio.sleep(0)  # the look's task runs
    await watch.tick(now, time.time())  # acts on it


# The settler: when a file is complete ------------------------------------------------


def test_an_empty_file_is_held_many_quiet_windows() -> None:
    settler = Settler(QUIET, photo_key)
    settler.touch("/card/empty.jpg", 0.0)
    settler.touch("/card/full.jpg", 0.0)
    mtime = int(WALL * 1e9)
    looks: dict[str, tuple[int, int] | None] = {
        "/card/empty.jpg": (0, mtime),
        "/card/full.jpg": (5000, mtime),
    }

    assert settler.due(looks, 0.5, WALL + 0.5) == []
    assert settler.due(looks, 2.0, WALL + 2.0) == [["/card/full.jpg"]]
    assert settler.due(looks, EMPTY_QUIETS * QUIET - 0.5, WALL + 11.5) == []
    assert settler.due(looks, EMPTY_QUIETS * QUIET, WALL + 12) == [["/card/empty.jpg"]]


def test_a_future_mtime_starts_the_quiet_window_at_the_first_look() -> None:
    settler = Settler(QUIET, photo_key)
    settler.found("/card/ahead.jpg")
    settler.found("/card/past.jpg")
    looks: dict[str, tuple[int, int] | None] = {
        "/card/ahead.jpg": (5000, int((WALL + 3600) * 1e9)),
        "/card/past.jpg": (5000, int((WALL - 3600) * 1e9)),
    }

    # A file found by a scan and written long ago is complete at once; one whose mtime
    # lies ahead of the clock says nothing about when it was written.
    assert settler.due(looks, 10.0, WALL) == [["/card/past.jpg"]]
    assert settler.due(looks, 10.5, WALL + 0.5) == []
    assert settler.due(looks, 11.0, WALL + 1.0) == [["/card/ahead.jpg"]]


# Presence: offline is not missing ----------------------------------------------------


def test_a_folder_that_cannot_be_looked_at_is_offline() -> None:
    known = Root(device=1, inode=5, empty=False)
    verdict = judge(OSError(errno.ENOENT, "No such file or directory"), known, unmounted=False)
    assert verdict == Offline("No such file or directory")


def test_an_empty_folder_on_another_device_is_an_unmounted_disk() -> None:
    known = Root(device=1, inode=5, empty=False)
    assert judge(Root(2, 9, empty=True), known, unmounted=False) == Offline(UNMOUNTED, True)
    # Still empty after the disk was found unmounted: still offline, on any device.
    assert judge(Root(1, 5, empty=True), known, unmounted=True) == Offline(UNMOUNTED, True)


def test_a_folder_emptied_on_its_own_disk_is_there() -> None:
    known = Root(device=1, inode=5, empty=False)
    assert judge(Root(1, 5, empty=True), known, unmounted=False) == "same"
    assert judge(Root(1, 6, empty=False), known, unmounted=False) == "other"


def test_a_folder_that_leads_into_the_daemons_own_is_offline() -> None:
    look = Root(1, 5, empty=False, refused="it now leads to the previews")
    assert judge(look, look, unmounted=False) == Offline("it now leads to the previews")


async def test_a_folder_renamed_away_puts_its_files_offline_not_missing(
    folder: Path, catalog: MemoryCatalog, make_watch: Callable[..., FolderWatch]
) -> None:
    catalog.add(folder / "a.jpg")
    catalog.add(folder / "b.jpg")
    watch = make_watch()
    await watch.start()
    await until(lambda: catalog.scans == 1, "the first scan")
    folder.rename(folder.with_name("elsewhere"))

    await look_twice(watch, time.monotonic())

    assert watch.state == "offline"
    assert set(catalog.files.values()) == {"offline"}
    assert not watch.rescan()


async def test_an_empty_folder_with_known_files_starts_offline(
    folder: Path, catalog: MemoryCatalog, make_watch: Callable[..., FolderWatch]
) -> None:
    catalog.add(folder / "a.jpg")
    catalog.add(folder / "b.jpg")
    for path in folder.iterdir():
        path.unlink()  # what an unmounted disk leaves: its empty mount point
    watch = make_watch()

    await watch.start()

    assert watch.state == "offline"
    assert UNMOUNTED in watch.detail
    assert set(catalog.files.values()) == {"offline"}
    assert catalog.scans == 0


async def test_a_file_deleted_while_watched_is_missing_once_it_stays_gone(
    folder: Path,
    catalog: MemoryCatalog,
    make_watch: Callable[..., FolderWatch],
    os_watches: list[FakeWatch],
) -> None:
    catalog.add(folder / "a.jpg")
    catalog.add(folder / "b.jpg")
    watch = make_watch()
    await watch.start()
    await until(lambda: catalog.scans == 1, "the first scan")
    (folder / "a.jpg").unlink()
    events = os_watches[0].events
    events.put_nowait(FileDeletedEvent(str(folder / "a.jpg")))
    await until(events.empty, "the event to be taken")
    await asyncio.sleep(0)  # and sorted

    await watch.tick(time.monotonic(), time.time())
    assert catalog.files[str(folder / "a.jpg")] == "online", "missing before the quiet window"
    await watch.tick(time.monotonic() + QUIET, time.time())

    assert catalog.files == {str(folder / "a.jpg"): "missing", str(folder / "b.jpg"): "online"}
    assert watch.state == "watching"


async def test_a_file_replaced_by_a_save_is_not_missing(
    folder: Path, catalog: MemoryCatalog
) -> None:
    catalog.add(folder / "a.jpg")
    deletions = Deletions()
    deletions.note(str(folder / "a.jpg"), 0.0, is_dir=False)
    deletions.note(str(folder / "gone"), 0.0, is_dir=True)
    catalog.files[str(folder / "gone" / "c.jpg")] = "online"

    await deletions.confirm(QUIET / 2, QUIET, catalog)
    assert deletions, "confirmed before the quiet window"
    await deletions.confirm(QUIET, QUIET, catalog)

    assert not deletions
    assert catalog.files == {str(folder / "a.jpg"): "online", str(folder / "gone/c.jpg"): "missing"}


async def test_a_full_scan_finds_files_missing_and_files_back(
    folder: Path, catalog: MemoryCatalog, make_watch: Callable[..., FolderWatch]
) -> None:
    catalog.add(folder / "a.jpg")
    catalog.files[str(folder / "deleted.jpg")] = "online"
    catalog.files[str(folder / "b.jpg")] = "missing"  # back since
    watch = make_watch()

    await watch.start()
    await until(lambda: catalog.scans == 1, "the first scan")

    assert catalog.files == {
        str(folder / "a.jpg"): "online",
        str(folder / "b.jpg"): "online",
        str(folder / "deleted.jpg"): "missing",
    }


# Overflow: only a scan can tell what the OS dropped ----------------------------------


async def test_an_overflow_rescans_a_folder_watched_through_the_os(
    folder: Path, catalog: MemoryCatalog, make_watch: Callable[..., FolderWatch]
) -> None:
    catalog.add(folder / "a.jpg")
    catalog.add(folder / "b.jpg")
    watch = make_watch()
    await watch.start()
    await until(lambda: catalog.scans == 1, "the first scan")
    (folder / "unheard.jpg").write_bytes(b"written while events were dropped")
    assert watch.pending_files == 0

    watch.overflowed()
    assert watch.detail == OVERFLOW_DETAIL
    await watch.tick(time.monotonic(), time.time())
    await until(lambda: catalog.scans == 2, "a rescan")

    assert watch.settler.paths() == [str(folder / "unheard.jpg")]


async def test_an_overflow_leaves_a_polled_folder_alone(
    folder: Path, catalog: MemoryCatalog, make_watch: Callable[..., FolderWatch]
) -> None:
    watch = make_watch(polls=True)
    await watch.start()
    await until(lambda: catalog.scans == 1, "the first scan")
    await until(lambda: watch.state == "polling", "the scan to end")
    detail = watch.detail

    # A poll drops no events: an overflow there is no reason to walk the folder again.
    watch.overflowed()
    assert watch.detail == detail
    await watch.tick(time.monotonic(), time.time())
    await asyncio.sleep(0.1)
    assert catalog.scans == 1


async def test_the_settlers_files_are_handed_to_one_burst(
    folder: Path, catalog: MemoryCatalog, make_watch: Callable[..., FolderWatch]
) -> None:
    old = time.time() - 3600
    for name in ("a.jpg", "b.jpg"):
        os.utime(folder / name, (old, old))
    watch = make_watch()
    await watch.start()
    await until(lambda: catalog.scans == 1, "the first scan")

    await watch.tick(time.monotonic(), time.time())

    assert len(catalog.bursts) == 1
    assert sorted(catalog.bursts[0].paths) == [str(folder / "a.jpg"), str(folder / "b.jpg")]
    assert watch.pending_files == 2  # with the session's job, which has not taken them
