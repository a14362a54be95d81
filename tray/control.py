"""Finding, starting, restarting and stopping the daemon the tray looks after."""

from __future__ import annotations

import contextlib
import logging
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass

import psutil

from protocol.client import DaemonClient, DaemonError, DaemonUnreachable
from protocol.local import LocalSettings, RuntimeInfo, local_api_key, lock_held
from tray.program import program_argv

log = logging.getLogger(__name__)

# A first start creates the catalog (a few seconds); crash recovery of a big one
# can take minutes. Until then a daemon holding its lock is "starting", not broken.
START_TIMEOUT = 600.0
HEALTH_TIMEOUT = 2.0
POLL_TIMEOUT = 5.0
# How long `hotprevue stop` may take to stop a database left behind (pg_ctl's own wait,
# then the kill of what is left, stay well within it).
STOP_DATABASE_TIMEOUT = 120.0


@dataclass(frozen=True, slots=True)
class StopTimeouts:
    """How long each step of a stop waits before the next, harder one."""

    request: float
    shutdown: float
    terminate: float
    kill: float


# From the menu the daemon may finish what it is writing. Quit must end the tray within
# 3 s (the request, both waits and some slack): it asks twice and leaves the daemon to
# finish stopping on its own, which takes about 2 s with the embedded PostgreSQL.
PATIENT = StopTimeouts(request=5.0, shutdown=60.0, terminate=15.0, kill=10.0)
QUICK = StopTimeouts(request=0.5, shutdown=1.6, terminate=0.3, kill=0.0)


class RestartBudget:
    """At most `limit` restarts within `window` seconds; then the tray gives up."""

    def __init__(self, limit: int = 3, window: float = 600.0) -> None:
        self.limit = limit
        self.window = window
        self._times: deque[float] = deque()

    def take(self, now: float) -> bool:
        """Record a restart and return True, or return False when the budget is spent."""
        while self._times and now - self._times[0] > self.window:
            self._times.popleft()
        if len(self._times) >= self.limit:
            return False
        self._times.append(now)
        return True

    @property
    def used(self) -> int:
        """Restarts within the current window."""
        return len(self._times)

    def reset(self) -> None:
        """Forget past restarts (the user asked for a fresh start)."""
        self._times.clear()


class DaemonControl:
    """The daemon of one data directory: adopted when it runs, else started detached."""

    def __init__(
        self,
        settings: LocalSettings,
        argv: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self._argv = argv if argv is not None else program_argv()
        # None: the tray's own environment, which is what a user's login gives both.
        self._env = env
        self._child: subprocess.Popen[bytes] | None = None

    @property
    def owned(self) -> bool:
        """True while a daemon this tray started is alive (Quit stops only that one)."""
        return self._child is not None and self._child.poll() is None

    def running(self) -> bool:
        """True while some process holds the data directory's daemon lock."""
        self._reap()
        return lock_held(self.settings.paths.lock)

    def info(self) -> RuntimeInfo | None:
        """Where the running daemon listens, from its daemon.json."""
        return RuntimeInfo.read(self.settings.paths.runtime)

    def healthy(self, info: RuntimeInfo) -> bool:
        """True when the daemon answers /health with 200 (its database answers)."""
        request = urllib.request.Request(info.url.rstrip("/") + "/health")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=HEALTH_TIMEOUT) as response:  # noqa: S310
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def client(self, info: RuntimeInfo, timeout: float = POLL_TIMEOUT) -> DaemonClient:
        """An API client of the running daemon, with this user's key."""
        key = local_api_key(self.settings.paths, self.settings.api_key)
        return DaemonClient(info.url, key, timeout=timeout)

    def crashed(self) -> bool:
        """True when the daemon is gone without a clean stop (a restart is due)."""
        if self.running():
            return False
        child = self._child
        if child is not None and child.poll() is not None:
            # Its exit is judged once: a daemon seen later is another one.
            self._child = None
            return child.returncode != 0
        # A clean stop removes daemon.json; a killed daemon leaves it behind.
        return self.settings.paths.runtime.exists()

    def start(self) -> None:
        """Start `hotprevue run` detached from the tray: it outlives a tray that crashes."""
        command = [*self._argv, "run", "--data-dir", str(self.settings.data_dir)]
        log.info("starting the daemon: %s", subprocess.list2cmdline(command))
        # The daemon logs to its own file; its console output would go nowhere.
        self._child = subprocess.Popen(  # type: ignore[call-overload]
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            env=self._env,
            **_detached(),
        )

    def stop(self, timeouts: StopTimeouts = PATIENT) -> bool:
        """Stop the running daemon: shutdown request, then SIGTERM, then kill.

        Returns True when it is gone (and PostgreSQL with it)."""
        child = self._child
        if child is not None and child.poll() is None and not self.running():
            return self._stop_unlocked(child, timeouts)
        info = self.info()
        if info is not None:
            with contextlib.suppress(DaemonUnreachable, DaemonError, OSError):
                self.client(info, timeout=timeouts.request).post_empty("/api/shutdown")
        if self._wait_gone(timeouts.shutdown):
            return True
        if info is None:
            return False
        log.warning("the daemon did not stop when asked; sending it SIGTERM")
        self._signal(info, signal.SIGTERM)
        if not self._wait_gone(timeouts.terminate):
            if timeouts.kill <= 0:
                return False
            log.error("the daemon did not stop on SIGTERM; killing pid %d", info.pid)
            self._signal(info, getattr(signal, "SIGKILL", signal.SIGTERM))
            if not self._wait_gone(timeouts.kill):
                return False
        # A daemon ended by a signal may not have stopped its database (on Windows a
        # "SIGTERM" is TerminateProcess): whatever is left of it goes now.
        self.stop_database()
        return True

    def _stop_unlocked(self, child: subprocess.Popen[bytes], timeouts: StopTimeouts) -> bool:
        # Started but not holding its lock yet: no API to ask, so a signal.
        child.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeouts.shutdown)
        if child.poll() is None:
            return False
        self.stop_database()
        return True

    def stop_database(self) -> None:
        """Stop a PostgreSQL a killed daemon left running in the data directory."""
        if lock_held(self.settings.paths.lock):
            # A daemon runs (started meanwhile, elsewhere): its database is no one's
            # leftover, and `hotprevue stop` would stop the daemon too.
            log.info("a daemon runs in %s; its database stays", self.settings.data_dir)
            return
        # `hotprevue stop` does that when no daemon runs, and so the daemon's database
        # code stays out of the tray. Its messages go to the tray's log.
        command = [*self._argv, "stop", "--data-dir", str(self.settings.data_dir)]
        try:
            done = subprocess.run(  # type: ignore[call-overload]
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                close_fds=True,
                env=self._env,
                check=False,
                timeout=STOP_DATABASE_TIMEOUT,
                **_detached(),
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.error("could not run %s: %s", subprocess.list2cmdline(command), exc)
            return
        level = logging.INFO if done.returncode == 0 else logging.ERROR
        said = done.stdout.decode(errors="replace").strip()
        log.log(level, "%s (exit %d): %s", subprocess.list2cmdline(command), done.returncode, said)

    def _wait_gone(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.running():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def _signal(self, info: RuntimeInfo, sig: signal.Signals) -> None:
        # Only a process that still is that daemon: after it exits its pid may be reused
        # by a program started later than the daemon wrote daemon.json.
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(info.pid)
            if process.create_time() <= info.started_at.timestamp() + 1 and self.running():
                process.send_signal(sig)

    def _reap(self) -> None:
        # A child that exited stays a zombie, holding its pid, until it is waited for.
        if self._child is not None:
            self._child.poll()


def _detached() -> dict[str, object]:
    """subprocess arguments that keep a program the tray starts apart from the tray."""
    if sys.platform == "win32":
        # A console without a window, not none at all (DETACHED_PROCESS): the console
        # programs the daemon runs (pg_ctl, initdb, postgres) share it instead of each
        # opening a window of its own.
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW}
    return {"start_new_session": True}
