"""The session's PostgreSQL keeps its files in memory where there is room, and cleans up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from daemon.embedded_pg import EmbeddedPostgres
from tests.support import pg


@pytest.fixture
def memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder standing in for the machine's memory file system, with room."""
    folder = tmp_path / "shm"
    folder.mkdir()
    monkeypatch.setattr(pg, "MEMORY", folder)
    monkeypatch.setattr(pg, "_ROOM", 0)
    return folder


def _dead_pid() -> int:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(child.stdout)


def test_a_folder_in_memory_is_made_and_removed(memory: Path, tmp_path: Path) -> None:
    with pg.in_memory(tmp_path / "disk") as folder:
        assert folder.parent == memory
        assert folder.name.startswith(f"hotprevue-tests-{os.getpid()}-")
        (folder / "pgdata").mkdir()
    assert not folder.exists()
    assert list(memory.iterdir()) == []


def test_without_room_the_fallback_is_used(
    memory: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stat = os.statvfs(memory)
    monkeypatch.setattr(pg, "_ROOM", stat.f_bavail * stat.f_frsize + 1)
    with pg.in_memory(tmp_path / "disk") as folder:
        assert folder == tmp_path / "disk"
    assert list(memory.iterdir()) == []


def test_a_killed_runs_folder_is_swept_and_a_running_ones_kept(
    memory: Path, tmp_path: Path
) -> None:
    killed = memory / f"hotprevue-tests-{_dead_pid()}-abc"
    running = memory / f"hotprevue-tests-{os.getppid()}-def"
    other = memory / "PostgreSQL.1234"
    for folder in (killed, running):
        (folder / "pgdata").mkdir(parents=True)
    other.write_bytes(b"not ours")
    with pg.in_memory(tmp_path / "disk"):
        assert not killed.exists()
        assert running.is_dir()
        assert other.is_file()


async def test_the_session_server_keeps_little_wal(pool: asyncpg.Pool) -> None:
    assert await pool.fetchval("SHOW max_wal_size") == "128MB"


def test_the_session_server_lives_in_memory_where_there_is_room(
    pg_server: EmbeddedPostgres,
) -> None:
    assert pg_server.pgdata.is_relative_to(pg.MEMORY.resolve()) == pg.has_room()
