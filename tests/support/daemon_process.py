"""Run the real `hotprevue` command in a child process, as a user would."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from daemon.embedded_pg import EmbeddedPostgres
from daemon.imaging import coldpreviews
from protocol.local import DataPaths, RuntimeInfo
from tests.support import tiers

START_TIMEOUT = 60.0


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    """Run one `hotprevue` command to completion."""
    tiers.require("process", "runs a hotprevue command")
    return subprocess.run(
        [sys.executable, "-m", "daemon.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or clean_env(),
        check=False,
    )


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without anything that would point the daemon elsewhere."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL",
            "COLDPREVIEW_DIR",
            "HOTPREVUE_DATA_DIR",
            "HOTPREVUE_PORT",
            "HOTPREVUE_API_KEY",
        )
    }
    env.update(extra)
    return env


class DaemonProcess:
    """`hotprevue run` on its own data dir and a free port."""

    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.paths = DataPaths(data_dir)
        self.args = args
        self.env = env or clean_env()
        self.proc: subprocess.Popen[str] | None = None
        self.log = data_dir.parent / f"{data_dir.name}-stderr.log"

    def start(self) -> DaemonProcess:
        """Start without waiting."""
        tiers.require("process", "starts a daemon")
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.paths.runtime.unlink(missing_ok=True)
        with self.log.open("a") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "daemon.cli",
                    "run",
                    "--data-dir",
                    str(self.data_dir),
                    "--port",
                    "0",
                    *self.args,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                env=self.env,
            )
        return self

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> float:
        """Wait for GET /health to answer 200; return the seconds it took from now."""
        started = time.monotonic()
        deadline = started + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited {self.proc.returncode}:\n{self.output()}")
            info = RuntimeInfo.read(self.paths.runtime)
            if info is not None:
                try:
                    status, _ = self.request("GET", "/health", timeout=2)
                    if status == 200:
                        return time.monotonic() - started
                except OSError:
                    pass
            time.sleep(0.05)
        raise AssertionError(f"daemon not healthy after {timeout} s:\n{self.output()}")

    @property
    def url(self) -> str:
        info = RuntimeInfo.read(self.paths.runtime)
        assert info is not None, "daemon.json missing"
        return info.url

    @property
    def api_key(self) -> str:
        """The key the daemon took: HOTPREVUE_API_KEY when it was given one, else its file."""
        return self.env.get("HOTPREVUE_API_KEY") or self.paths.api_key.read_text().strip()

    def request(
        self, method: str, path: str, body: Any = None, *, timeout: float = 10
    ) -> tuple[int, Any]:
        """One HTTP call with the API key; returns (status, decoded JSON or None)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"X-API-Key": self.api_key, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw else None

    def postgres(self) -> list[Any]:
        """PostgreSQL processes serving this daemon's pgdata."""
        return EmbeddedPostgres(self.paths.pgdata).processes()

    def postmaster_pid(self) -> int:
        return int((self.paths.pgdata / "postmaster.pid").read_text().split()[0])

    def signal(self, signum: int) -> int:
        """Send a signal and return the exit code once the daemon has exited."""
        assert self.proc is not None
        self.proc.send_signal(signum)
        return self.wait_exit()

    def kill_daemon(self) -> None:
        """SIGKILL the daemon alone, as a crash would; its PostgreSQL keeps running."""
        self.signal(signal.SIGKILL)

    def wait_exit(self, timeout: float = 60) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_session(
        self, session_id: str, done: Callable[[dict[str, Any]], bool], timeout: float = 120
    ) -> dict[str, Any]:
        """Poll a session until `done` says so (503s while the database is away are skipped)."""
        deadline = time.monotonic() + timeout
        session: dict[str, Any] = {}
        while time.monotonic() < deadline:
            status, body = self.request("GET", f"/api/input-sessions/{session_id}")
            if status == 200:
                session = body
                if done(session):
                    return session
            time.sleep(0.05)
        raise AssertionError(f"session {session_id}: timed out; last seen {session}")

    def coldpreview_files(self) -> set[str]:
        """Paths under the coldpreview folder of every coldpreview on disk (temp files aside)."""
        root = self.paths.coldpreviews
        relative = (path.relative_to(root) for path in root.rglob("*.jpg"))
        return {path.as_posix() for path in relative if path.parts[0] != ".incoming"}

    def owned_coldpreviews(self) -> set[str]:
        """The coldpreview paths the catalog's photo and correction rows point at (by the API)."""
        owned: set[str] = set()
        for deleted in ("false", "true"):
            status, page = self.request("GET", f"/api/photos?limit=1000&deleted={deleted}")
            assert status == 200, page
            assert len(page) < 1000, "more photos than one page"
            for item in page:
                status, photo = self.request("GET", f"/api/photos/{item['hothash']}")
                assert status == 200, photo
                if photo["coldpreview_path"]:
                    owned.add(photo["coldpreview_path"])
                if photo["correction"] is not None:
                    owned.add(coldpreviews.corrected_relative_path(photo["hothash"]))
        return owned

    def settled_coldpreviews(self, timeout: float = 60) -> set[str]:
        """Wait until the coldpreviews on disk are exactly those the rows own (the orphan
        sweep runs in the background); fail at once if a row's file is missing."""
        deadline = time.monotonic() + timeout
        while True:
            files, owned = self.coldpreview_files(), self.owned_coldpreviews()
            assert owned <= files, f"files of rows are missing: {owned - files}"
            if files == owned:
                return files
            if time.monotonic() > deadline:
                raise AssertionError(f"files without rows stay: {files - owned}")
            time.sleep(0.2)

    def kill_all(self) -> None:
        """Leave nothing running, whatever state the test ended in."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        for proc in self.postgres():
            with contextlib.suppress(Exception):
                proc.kill()
