"""One embedded PostgreSQL server: started or adopted, recovered after a crash, stopped."""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from daemon.embedded_pg import binaries, cluster, processes
from daemon.embedded_pg.binaries import IS_WINDOWS, ROOT_RUN_AS, EmbeddedPostgresError
from daemon.embedded_pg.ownership import claim_cluster, hand_over
from daemon.embedded_pg.processes import PostmasterPid, alive

log = logging.getLogger(__name__)

_PROGRESS_EVERY = 5.0


class EmbeddedPostgres:
    """One PostgreSQL cluster in ``pgdata``, owned by this process while it runs.

    It listens on a private socket folder, or with ``tcp`` (always on Windows) on
    127.0.0.1 at a free port, where a password is required."""

    def __init__(self, pgdata: Path, *, start_timeout: float = 600.0, tcp: bool = False) -> None:
        self.pgdata = pgdata.resolve()
        self.start_timeout = start_timeout
        self._tcp = tcp or IS_WINDOWS
        self.log_file = self.pgdata / "postgres.log"
        self._run_as = ROOT_RUN_AS if not IS_WINDOWS and os.geteuid() == 0 else None
        self._postmaster: psutil.Process | None = None
        self._dsn: str | None = None

    @property
    def dsn(self) -> str:
        """Connection URL of the maintenance database; valid after start()."""
        if self._dsn is None:
            raise EmbeddedPostgresError("the embedded PostgreSQL is not running")
        return self._dsn

    @property
    def pid(self) -> int | None:
        """The postmaster's pid while it runs."""
        return self._postmaster.pid if self._postmaster is not None else None

    def is_running(self) -> bool:
        """True while the postmaster this object started or adopted is alive."""
        return self._postmaster is not None and alive(self._postmaster)

    def start(self) -> str:
        """Start (or adopt) the server, recovering from any crash; return its DSN."""
        cluster.ensure_initialized(self.pgdata, tcp=self._tcp, run_as=self._run_as)
        claim_cluster(self.pgdata, self._run_as)
        # At every start, an adopted server's too: the daemon has just made its data
        # directory private (daemon.permissions), passage for PostgreSQL included.
        hand_over(self.pgdata, self.pgdata, self._run_as)
        info = PostmasterPid.read(self.pgdata)
        if info is not None:
            owner = self._our_postmaster(info.pid)
            if owner is not None and self._wait_adoptable(owner):
                log.info("adopting PostgreSQL left running in %s (pid %d)", self.pgdata, owner.pid)
                return self._became_ready(owner)
            processes.clear_stale_lock(self.pgdata, info, owner)
        self._reap_orphans()
        cluster.write_conf(self.pgdata, tcp=self._tcp, run_as=self._run_as)
        self._launch()
        info = PostmasterPid.read(self.pgdata)
        owner = self._our_postmaster(info.pid) if info else None
        if owner is None:
            raise EmbeddedPostgresError(
                f"PostgreSQL reported a start but is not running; see {self.log_file}"
            )
        return self._became_ready(owner)

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the server cleanly (fast shutdown), forcing it only if that fails."""
        if not self.is_running():
            self._postmaster = None
            self._reap_orphans()
            return
        for mode in ("fast", "immediate"):
            try:
                self._pg_ctl(["stop", "-m", mode, "-w", "-t", str(int(timeout))], timeout + 10)
                break
            except (EmbeddedPostgresError, subprocess.TimeoutExpired) as exc:
                log.warning("pg_ctl stop -m %s failed: %s", mode, exc)
        assert self._postmaster is not None
        with contextlib.suppress(psutil.NoSuchProcess, psutil.TimeoutExpired):
            self._postmaster.wait(timeout)
        if alive(self._postmaster):
            log.warning("PostgreSQL did not stop; killing pid %d", self._postmaster.pid)
            self._postmaster.kill()
        self._postmaster = None
        self._dsn = None
        self._reap_orphans()
        log.info("embedded PostgreSQL stopped")

    def stop_abandoned(self, timeout: float = 30.0) -> None:
        """Stop a server of this pgdata whose daemon was killed, if one still runs."""
        info = PostmasterPid.read(self.pgdata)
        owner = self._our_postmaster(info.pid) if info is not None else None
        if owner is not None:
            log.warning("stopping PostgreSQL (pid %d) left running by a killed daemon", owner.pid)
            self._postmaster = owner
        self.stop(timeout)

    def processes(self) -> list[psutil.Process]:
        """Every PostgreSQL process serving this pgdata, the postmaster and its backends."""
        return processes.processes(self.pgdata)

    # -- start, adoption and crash recovery ------------------------------------------

    def _launch(self) -> None:
        args = ["start", "-w", "-t", str(int(self.start_timeout)), "-l", str(self.log_file)]
        log.info("starting embedded PostgreSQL in %s", self.pgdata)
        started = time.monotonic()
        with tempfile.TemporaryFile() as output:
            # A session of its own: a Ctrl+C in the terminal reaches the daemon, which
            # then stops PostgreSQL in order, instead of reaching PostgreSQL directly.
            proc = subprocess.Popen(
                binaries.command("pg_ctl", ["-D", str(self.pgdata), *args]),
                stdout=output,
                stderr=subprocess.STDOUT,
                **self._identity(),
                start_new_session=not IS_WINDOWS,
            )
            next_note = started + _PROGRESS_EVERY
            while proc.poll() is None:
                time.sleep(0.05)
                if time.monotonic() >= next_note:
                    log.info(
                        "PostgreSQL is still starting after %.0f s (recovering after an "
                        "unclean stop?); waiting up to %.0f s",
                        time.monotonic() - started,
                        self.start_timeout,
                    )
                    next_note += _PROGRESS_EVERY
            output.seek(0)
            said = output.read().decode(errors="replace").strip()
        if proc.returncode != 0:
            raise EmbeddedPostgresError(
                f"PostgreSQL did not start (pg_ctl exit {proc.returncode}): {said}\n"
                f"last lines of {self.log_file}:\n{self._log_tail()}"
            )
        log.info("embedded PostgreSQL ready in %.2f s", time.monotonic() - started)

    def _wait_adoptable(self, postmaster: psutil.Process) -> bool:
        """Wait for a left-running server to be ready; False if it exits meanwhile."""
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            info = PostmasterPid.read(self.pgdata)
            if not alive(postmaster) or info is None:
                return False
            if info.status == "ready":
                return True
            if info.status == "stopping":
                with contextlib.suppress(psutil.TimeoutExpired):
                    postmaster.wait(self.start_timeout)
                return False
            time.sleep(0.1)
        raise EmbeddedPostgresError(f"PostgreSQL in {self.pgdata} did not become ready in time")

    def _became_ready(self, postmaster: psutil.Process) -> str:
        info = PostmasterPid.read(self.pgdata)
        assert info is not None
        self._postmaster = postmaster
        self._dsn = cluster.dsn(self.pgdata, info, tcp=self._tcp)
        return self._dsn

    def _our_postmaster(self, pid: int) -> psutil.Process | None:
        """The process with this pid if it is a PostgreSQL serving *this* pgdata."""
        return processes.our_postmaster(self.pgdata, pid)

    def _reap_orphans(self) -> None:
        processes.reap_orphans(self.pgdata, self._postmaster)

    # -- running the PostgreSQL tools --------------------------------------------------

    def _pg_ctl(self, args: list[str], timeout: float) -> None:
        binaries.run(
            "pg_ctl", ["-D", str(self.pgdata), *args], timeout=timeout, run_as=self._run_as
        )

    def _identity(self) -> dict[str, Any]:
        """subprocess arguments that run a PostgreSQL tool as the PostgreSQL user."""
        return binaries.identity(self._run_as)

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])
