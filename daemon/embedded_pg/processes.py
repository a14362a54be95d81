"""``postmaster.pid`` and the PostgreSQL processes serving a cluster: which are ours,
which a killed server left behind, and what a dead one's lock files still claim."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from daemon.embedded_pg.binaries import IS_WINDOWS

log = logging.getLogger(__name__)

_ORPHAN_GRACE = 10.0


@dataclass(frozen=True, slots=True)
class PostmasterPid:
    """What a running (or crashed) server wrote to ``postmaster.pid``."""

    pid: int
    port: int | None
    socket_dir: str | None
    status: str

    @classmethod
    def read(cls, pgdata: Path) -> PostmasterPid | None:
        """Parse the file; None when absent or too short to be meaningful."""
        try:
            lines = (pgdata / "postmaster.pid").read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return None
        if not lines or not lines[0].strip().isdigit():
            return PostmasterPid(pid=0, port=None, socket_dir=None, status="")
        field = [line.strip() for line in lines] + [""] * 8
        return cls(
            pid=int(field[0]),
            port=int(field[3]) if field[3].isdigit() else None,
            socket_dir=field[4] or None,
            status=field[7],
        )


def our_postmaster(pgdata: Path, pid: int) -> psutil.Process | None:
    """The process with this pid if it is a PostgreSQL serving *this* pgdata."""
    if pid <= 0:
        return None
    try:
        proc = psutil.Process(pid)
        if proc.pid == os.getpid() or not _is_postgres(proc):
            return None
        return proc if serves_pgdata(pgdata, proc) else None
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def serves_pgdata(pgdata: Path, proc: psutil.Process) -> bool:
    """True when the process works in this pgdata."""
    # The postmaster and every backend chdir into the data folder; the command
    # line names it on platforms where the cwd cannot be read. A backend that has
    # exited since it was listed (psutil.NoSuchProcess) serves nothing.
    with contextlib.suppress(psutil.Error, OSError):
        if Path(proc.cwd()).resolve() == pgdata:
            return True
    with contextlib.suppress(psutil.Error):
        return str(pgdata) in proc.cmdline()
    return False


def processes(pgdata: Path) -> list[psutil.Process]:
    """Every PostgreSQL process serving this pgdata, the postmaster and its backends."""
    found = []
    for proc in psutil.process_iter(["name"]):
        if _is_postgres(proc) and serves_pgdata(pgdata, proc):
            found.append(proc)
    return found


def clear_stale_lock(pgdata: Path, info: PostmasterPid, owner: psutil.Process | None) -> None:
    """Remove lock files a dead postmaster left; PostgreSQL would trust their pid."""
    if owner is not None:
        return  # our server exited while we waited: PostgreSQL clears its own lock
    if info.pid > 0 and _alive_pid(info.pid):
        log.warning(
            "postmaster.pid names pid %d, which is now another program; "
            "removing the stale lock files (that program is left alone)",
            info.pid,
        )
    else:
        log.warning("PostgreSQL was not stopped cleanly last time; it will recover")
    # The socket's lock file carries the same pid: a zombie or a reused pid behind
    # it would make PostgreSQL refuse to start, just as postmaster.pid would.
    if info.socket_dir and not IS_WINDOWS:
        port = info.port or 5432
        (Path(info.socket_dir) / f".s.PGSQL.{port}.lock").unlink(missing_ok=True)
    (pgdata / "postmaster.pid").unlink(missing_ok=True)


def reap_orphans(pgdata: Path, postmaster: psutil.Process | None) -> None:
    """Let backends of a killed postmaster exit; they hold the shared memory it used."""
    deadline = time.monotonic() + _ORPHAN_GRACE
    while orphans := _orphans(pgdata, postmaster):
        if time.monotonic() >= deadline:
            for proc in orphans:
                log.warning("killing orphaned PostgreSQL process %d", proc.pid)
                with contextlib.suppress(psutil.NoSuchProcess):
                    proc.kill()
            psutil.wait_procs(orphans, timeout=5)
            return
        time.sleep(0.1)


def _orphans(pgdata: Path, postmaster: psutil.Process | None) -> list[psutil.Process]:
    """PostgreSQL processes in this pgdata that no live postmaster of ours owns."""
    live = postmaster.pid if postmaster and alive(postmaster) else None
    found = []
    for proc in processes(pgdata):
        with contextlib.suppress(psutil.Error):
            if proc.pid != live and proc.ppid() != live:
                found.append(proc)
    return found


def alive(proc: psutil.Process) -> bool:
    """True while the process runs (a zombie does not)."""
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _is_postgres(proc: psutil.Process) -> bool:
    with contextlib.suppress(psutil.Error):
        return (proc.name() or "").lower().startswith("postgres")
    return False


def _alive_pid(pid: int) -> bool:
    try:
        return alive(psutil.Process(pid))
    except psutil.Error:
        return False
