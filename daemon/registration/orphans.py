"""Coldpreview files no row owns: who owns a file, and the sweep that removes the rest.

A batch's coldpreviews are written before the transaction that inserts their rows
commits, so a row never exists without its file. A kill, or a database that goes
away, between the two leaves files without rows; the sweep removes them, at start-up
and after a session ends interrupted or failed.

The sweep must never remove a file a row points at, nor one a running session wrote
and is about to commit. Writers hold their paths in `PendingFiles` from before the
write until their transaction has ended; while a sweep runs, every path held or
released is noted, and the sweep spares all of them. A file the sweep may remove was
therefore last written by a transaction that ended before the sweep started, so the
sweep's own look-up of the rows sees whatever that transaction committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections import Counter
from collections.abc import Collection, Iterator
from itertools import islice
from pathlib import Path

import asyncpg

from daemon.database import connection_lost
from daemon.imaging import coldpreviews
from daemon.store import coldpreviews as store

log = logging.getLogger(__name__)

CHUNK = 1000  # files checked against the catalog per query: memory stays flat
RETRY_EVERY = 5.0  # seconds between attempts while the database is down

_NAME = re.compile(r"([0-9a-f]{64})\.jpg")
_PART = re.compile(r"[0-9a-f]{2}")
_CORRECTED = coldpreviews.corrected_relative_path("0" * 64).split("/", 1)[0]


class PendingFiles:
    """Coldpreview paths written, or about to be, whose rows are not yet committed."""

    def __init__(self) -> None:
        self._held: Counter[str] = Counter()
        self._noted: set[str] | None = None

    @contextlib.contextmanager
    def hold(self, paths: Collection[str]) -> Iterator[None]:
        """Own these relative paths for the duration: take them before writing the files
        and leave the block only once the transaction inserting their rows has ended."""
        self._note(paths)
        self._held.update(paths)
        try:
            yield
        finally:
            self._held.subtract(paths)
            for path in paths:
                if self._held[path] <= 0:
                    del self._held[path]
            self._note(paths)

    def spared(self, path: str) -> bool:
        """True when a sweep must leave this path alone: held now, or while it ran."""
        return path in self._held or (self._noted is not None and path in self._noted)

    @contextlib.contextmanager
    def noting(self) -> Iterator[None]:
        """While a sweep runs: remember every path held or released meanwhile."""
        if self._noted is not None:
            raise RuntimeError("a coldpreview sweep is already running")
        self._noted = set()
        try:
            yield
        finally:
            self._noted = None

    def _note(self, paths: Collection[str]) -> None:
        if self._noted is not None:
            self._noted.update(paths)


def _files(root: Path) -> Iterator[tuple[str, str, Path]]:
    """(relative path, hothash, path) of every file laid out as a coldpreview, streamed.

    Anything else (the temp folder, a stray note) is not the sweep's to judge."""
    for top in _subfolders(root):
        if top.name == _CORRECTED:
            for first in _subfolders(top):
                if _PART.fullmatch(first.name):
                    relative = f"{_CORRECTED}/{first.name}/"
                    yield from _in_folder(first, relative, first.name, root)
        elif _PART.fullmatch(top.name):
            for second in _subfolders(top):
                if _PART.fullmatch(second.name):
                    prefix = top.name + second.name
                    yield from _in_folder(second, f"{top.name}/{second.name}/", prefix, root)


def _subfolders(folder: Path) -> Iterator[Path]:
    try:
        with os.scandir(folder) as entries:
            folders = [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return
    yield from folders


def _in_folder(
    folder: Path, relative: str, prefix: str, root: Path
) -> Iterator[tuple[str, str, Path]]:
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if e.is_file(follow_symlinks=False)]
    except FileNotFoundError:
        return
    for name in names:
        match = _NAME.fullmatch(name)
        if match and match[1].startswith(prefix):
            yield relative + name, match[1], root / relative / name


async def sweep(
    pool: asyncpg.Pool, root: Path, pending: PendingFiles, stop: asyncio.Event | None = None
) -> int:
    """Remove coldpreview files that no photo row, correction row or writer owns."""
    removed = 0
    with pending.noting():
        files = _files(root)
        while not (stop is not None and stop.is_set()) and (
            chunk := await asyncio.to_thread(lambda: list(islice(files, CHUNK)))
        ):
            async with pool.acquire() as conn:
                owned = await store.owned(conn, [hothash for _, hothash, _ in chunk])
            unowned = [(rel, path) for rel, _, path in chunk if rel not in owned]
            if not unowned:
                continue
            # Checked and removed without yielding to the event loop, where writers
            # take their paths: none can take one between the check and the removal.
            for rel, path in unowned:
                if not pending.spared(rel):
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                        removed += 1
    return removed


class Sweeper:
    """Runs sweeps in the background when asked, one at a time, waiting out a database
    that is down; its `run` is a supervised worker."""

    def __init__(self, pool: asyncpg.Pool, root: Path, pending: PendingFiles) -> None:
        self._pool = pool
        self._root = root
        self._pending = pending
        self._due = asyncio.Event()

    def request(self) -> None:
        """Sweep soon (requests made while one runs cause one more sweep)."""
        self._due.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep whenever asked, until the daemon stops."""
        while True:
            stopping = asyncio.create_task(stop.wait())
            due = asyncio.create_task(self._due.wait())
            await asyncio.wait({stopping, due}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            due.cancel()
            if stop.is_set():
                return
            self._due.clear()
            try:
                removed = await sweep(self._pool, self._root, self._pending, stop)
            except Exception as exc:
                self._due.set()  # asked for, not done: a restarted worker sweeps again
                if not connection_lost(exc):
                    raise
                log.warning("coldpreview sweep waits for the database: %s", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), RETRY_EVERY)
                continue
            if removed:
                log.info("removed %d coldpreview file(s) that no photo owns", removed)
