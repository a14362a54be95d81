"""Where the session's PostgreSQL keeps its files, and how much WAL it may keep.

Every test copies a fresh database from the template and drops it afterwards. On disk
that costs a fifth of a second a test and grows as the run goes on (files made and
removed, WAL segments written); in memory it costs two hundredths."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import psutil

MEMORY = Path("/dev/shm")
_PREFIX = "hotprevue-tests-"
# A worker's cluster holds the template, a test database or two and the WAL it may keep
# (cap_wal); most of this room stays free.
_ROOM = 2 * 1024**3
_MAX_WAL = "128MB"


@contextlib.contextmanager
def in_memory(fallback: Path) -> Iterator[Path]:
    """A new folder in memory, removed afterwards; `fallback` where there is no room."""
    if not has_room():
        yield fallback
        return
    _sweep()
    folder = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=MEMORY))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def cap_wal(dsn: str) -> None:
    """Let the server keep little WAL: in memory, every worker's segments take RAM."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"ALTER SYSTEM SET max_wal_size = '{_MAX_WAL}'")
        await conn.execute("SELECT pg_reload_conf()")
    finally:
        await conn.close()


def has_room() -> bool:
    """Whether the machine has a memory file system with room for a cluster."""
    if not MEMORY.is_dir() or not os.access(MEMORY, os.W_OK | os.X_OK):
        return False
    stat = os.statvfs(MEMORY)
    return stat.f_bavail * stat.f_frsize >= _ROOM


def _sweep() -> None:
    """Remove the folders of test runs that were killed before they could."""
    for folder in MEMORY.glob(f"{_PREFIX}*"):
        pid = folder.name.removeprefix(_PREFIX).partition("-")[0]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
