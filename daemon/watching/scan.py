"""Scans of one watched folder: the walk that finds what events missed, which of the
files found the catalog lacks, and, after a full walk, which known files are missing
and which are back."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Awaitable, Callable, Collection, Iterator
from itertools import islice
from pathlib import Path

from daemon.imaging.grouping import FileGroup, ScanProblem, scan
from daemon.registration import changes
from daemon.watching.catalog import Catalog
from daemon.watching.rules import Scope

log = logging.getLogger(__name__)

SCAN_CHUNK = 256
# A scan waits while this many of its files are still settling or queued for a session.
SCAN_BACKLOG = 2000
LOGGED_PROBLEMS = 20  # a scan logs at most this many unreadable files and folders


async def run(
    top: Path,
    scope: Scope,
    catalog: Catalog,
    folder_id: uuid.UUID,
    *,
    full: bool,
    found: Callable[[list[str]], Awaitable[None]],
    backlog: Callable[[], int],
    report: Callable[[list[ScanProblem]], Awaitable[None]],
) -> list[ScanProblem]:
    """One scan of `top`: its paths to `found`, what cannot be registered to `report`;
    after a `full` one, which known files are missing and which are back. What it could
    not read (logged, some of it, after a full scan)."""
    seen, problems = await walk(top, scope, found, backlog)
    await report([problem for problem in problems if not problem.transient])
    if full:
        await reconcile(catalog, scope, seen, problems)
        await catalog.scanned(folder_id)
        for problem in problems[:LOGGED_PROBLEMS]:
            log.warning("%s: %s", problem.path, problem.error)
    return problems


async def walk(
    top: Path,
    scope: Scope,
    found: Callable[[list[str]], Awaitable[None]],
    backlog: Callable[[], int],
) -> tuple[set[str], list[ScanProblem]]:
    """Walk `top`, handing every path found to `found` a chunk at a time (and waiting
    while the `backlog` is long); the paths seen and what could not be read."""
    seen: set[str] = set()
    problems: list[ScanProblem] = []
    items: Iterator[FileGroup | ScanProblem] = scan(
        top, recursive=scope.recursive, own_folders=scope.own_folders
    )
    while True:
        chunk = await asyncio.to_thread(lambda: list(islice(items, SCAN_CHUNK)))
        if not chunk:
            break
        problems.extend(item for item in chunk if isinstance(item, ScanProblem))
        paths = [ref.path for group in chunk if isinstance(group, FileGroup) for ref in group.files]
        seen.update(paths)
        await found(paths)
        # Polled: the backlog shrinks in ticks and in the job, with no event of its own.
        while backlog() > SCAN_BACKLOG:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
    return seen, problems


async def unknown(
    catalog: Catalog, folder_id: uuid.UUID, paths: list[str], in_flight: Collection[str]
) -> list[str]:
    """The paths a scan should hand over: not in the catalog or written since it was
    read there (a reused name), not with a session's job already (`in_flight`), and not
    a file that failed and is unchanged since (each scan would fail it again)."""
    known = await catalog.known_paths(paths)
    rewritten = await changes.rewritten_masters(known)
    candidates = [
        path for path in paths if (path not in known or path in rewritten) and path not in in_flight
    ]
    failed = await catalog.failed_since(folder_id, candidates)
    if not failed:
        return candidates
    changed = await asyncio.to_thread(_changed_since, failed)
    return [path for path in candidates if path not in failed or path in changed]


async def reconcile(
    catalog: Catalog, scope: Scope, seen: set[str], problems: list[ScanProblem]
) -> None:
    """After a full walk: known files it did not see and that are gone are missing;
    those it saw again are back (unless another picture now has their name)."""
    known = await catalog.files_under(scope.prefix)
    if not scope.recursive:
        known = {p: s for p, s in known.items() if os.path.dirname(p) == scope.root}
    # A file under a folder the scan could not read is not known to be gone.
    unread = tuple(problem.path.rstrip(os.sep) + os.sep for problem in problems)
    back = [path for path, state in known.items() if path in seen and state != "online"]
    unseen = [
        path
        for path, state in known.items()
        if path not in seen and state != "missing" and not path.startswith(unread)
    ]

    def settle() -> tuple[list[str], list[str]]:
        return (
            [p for p in back if os.path.lexists(p)],
            [p for p in unseen if not os.path.lexists(p)],
        )

    back, gone = await asyncio.to_thread(settle)
    if back:
        # A name that is back with another picture in it is not its photo's file
        # back: the scan handed it over, and a session reads it again.
        rewritten = await changes.rewritten_masters(await catalog.known_paths(back))
        back = [path for path in back if path not in rewritten]
    if back:
        await catalog.set_state(back, "online")
    if gone:
        await catalog.set_state(gone, "missing")
    if back or gone:
        log.info("%s: %d file(s) back, %d missing", scope.root, len(back), len(gone))


def unreadable(problems: list[ScanProblem]) -> str:
    """The state detail for what a scan had to leave out."""
    if not problems:
        return ""
    first = problems[0]
    more = f" (and {len(problems) - 1} more; see the log)" if len(problems) > 1 else ""
    return f"cannot register everything: {first.path}: {first.error}{more}"


def _changed_since(failed: dict[str, float]) -> set[str]:
    """The files modified (or gone) after their last failure (Unix times)."""
    changed = set()
    for path, when in failed.items():
        try:
            if os.stat(path).st_mtime > when:
                changed.add(path)
        except OSError:
            changed.add(path)
    return changed
