"""A smoke test of a built `hotprevue`: python -m installers.smoke PROGRAM PHOTOS....

Runs the program as an installed user would, with an empty environment (no Python, no
virtualenv on PATH): first start creates the catalog, /health answers, the web UI's page
and an asset load through `hotprevue open --print`'s link, the photos
register with the hothashes this source gives them, a sync reaches a central server run
from the same program with --central, the tray comes up under Xvfb and quits, and
`hotprevue stop` leaves no PostgreSQL behind. With --deb the package is installed
first and /usr/bin/hotprevue is tested; removing it then must stop a running daemon
and leave no file behind.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from daemon.embedded_pg import EmbeddedPostgres
from protocol.client import DaemonClient, DaemonError, DaemonUnreachable
from protocol.local import DataPaths, RuntimeInfo, lock_held
from protocol.photos import PhotoItem

HEALTH_TIMEOUT = 120.0
# The tray's own promise: Quit (and so SIGTERM) ends it within 3 s.
TRAY_QUIT_TIMEOUT = 3.5
INSTALLED = Path("/usr/bin/hotprevue")


class SmokeFailure(Exception):
    """A step of the smoke test went wrong; the message says which and why."""


@dataclass
class Report:
    """What a smoke run measured."""

    hothashes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Daemon:
    """A running daemon of the program under test, and a client of its API."""

    process: subprocess.Popen[bytes]
    data: Path
    client: DaemonClient


def program_env(home: Path, **extra: str) -> dict[str, str]:
    """What a login gives a program, and nothing of the build's Python."""
    return {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOTPREVUE_PORT": "0",
        **extra,
    }


def run(program: str, *args: str, env: dict[str, str]) -> str:
    """Run one CLI command of the program; its output, or a failure naming it."""
    result = subprocess.run(
        [program, *args], capture_output=True, text=True, env=env, timeout=600, check=False
    )
    if result.returncode != 0:
        raise SmokeFailure(f"`hotprevue {' '.join(args)}` failed:\n{result.stdout}{result.stderr}")
    return result.stdout


@contextlib.contextmanager
def daemon(program: str, data: Path, env: dict[str, str], *args: str) -> Iterator[Daemon]:
    """`hotprevue run` until /health answers; stopped with `hotprevue stop` at the end."""
    log = data.with_name(data.name + ".log")
    data.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as err:
        process = subprocess.Popen(
            [program, "run", "--data-dir", str(data), *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        yield Daemon(process, data, wait_healthy(data, process, log))
        run(program, "stop", "--data-dir", str(data), env=env)
        process.wait(60)
    finally:
        leave_nothing_running(process, data)


def leave_nothing_running(process: subprocess.Popen[bytes], data: Path) -> None:
    """After a step, failed or not: the process, a daemon of `data` and its PostgreSQL end."""
    if process.poll() is None:
        kill_tree(process.pid)
        process.wait()
    paths = DataPaths(data)
    # A tray's daemon is detached from it, and outlives a tray that was killed.
    info = RuntimeInfo.read(paths.runtime)
    if info is not None and lock_held(paths.lock):
        kill_tree(info.pid)
    EmbeddedPostgres(paths.pgdata).stop_abandoned()


def kill_tree(pid: int) -> None:
    """Kill a process and its children (a daemon's registration workers)."""
    with contextlib.suppress(psutil.Error):
        parent = psutil.Process(pid)
        for proc in [*parent.children(recursive=True), parent]:
            with contextlib.suppress(psutil.Error):
                proc.kill()


def wait_healthy(data: Path, process: subprocess.Popen[bytes], log: Path) -> DaemonClient:
    """A client of the daemon of `data` once its /health answers 200."""
    paths = DataPaths(data)
    deadline = time.monotonic() + HEALTH_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace") if log.exists() else ""
            raise SmokeFailure(f"the daemon exited {process.returncode}:\n{output}")
        info = RuntimeInfo.read(paths.runtime)
        if info is not None:
            with contextlib.suppress(OSError, DaemonUnreachable, DaemonError):
                key = paths.api_key.read_text(encoding="utf-8").strip()
                client = DaemonClient(info.url, key)
                client.get("/health", dict)
                return client
        time.sleep(0.05)
    raise SmokeFailure(f"the daemon of {data} did not answer /health in {HEALTH_TIMEOUT:.0f} s")


def hothashes(server: Daemon) -> list[str]:
    """Every photo's hothash in the daemon's catalog, sorted."""
    found: list[str] = []
    while True:
        page = server.client.get(f"/api/photos?limit=1000&offset={len(found)}", list[PhotoItem])
        found += [photo.hothash for photo in page]
        if len(page) < 1000:
            return sorted(found)


def postgres_of(data: Path) -> list[psutil.Process]:
    """PostgreSQL processes whose command line names a folder under `data`."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline", "status"]):
        # An exited server its parent did not reap yet is gone, not left running.
        if proc.info["status"] == psutil.STATUS_ZOMBIE or proc.info["name"] != "postgres":
            continue
        if any(str(data) in part for part in proc.info["cmdline"] or []):
            found.append(proc)
    return found


@contextlib.contextmanager
def registered(program: str, photos: list[Path], home: Path) -> Iterator[tuple[Daemon, Report]]:
    """A first start to /health, then each folder registered: timed; stopped at the end."""
    data = home / "data"
    env = program_env(home)
    began = time.monotonic()
    with daemon(program, data, env) as local:
        report = Report(seconds={"first start to /health": time.monotonic() - began})
        web_ui_serves(program, data, env)
        registration = 0.0
        for folder in photos:
            began = time.monotonic()
            run(program, "register", str(folder), "--data-dir", str(data), env=env)
            registration += time.monotonic() - began
            listed = hothashes(local)
            if len(listed) == len(report.hothashes):
                raise SmokeFailure(f"nothing registered from {folder}")
            report.hothashes = listed
        report.seconds["registration"] = registration
        yield local, report


def web_ui_serves(program: str, data: Path, env: dict[str, str]) -> None:
    """`hotprevue open --print` gives a link whose page, one of its assets, and sign-in
    work: the UI's files made it into the build."""
    url = run(program, "open", "--print", "--data-dir", str(data), env=env).strip()
    base, _, token = url.partition("/login#")
    page = _http(f"{base}/", {"Accept": "text/html"})
    asset = re.search(rb'src="(/ui/[0-9a-f]+/app\.js)"', page)
    if asset is None or b'data-mode="local"' not in page:
        raise SmokeFailure(f"/ is not the web UI's page:\n{page[:500]!r}")
    if not _http(base + asset[1].decode(), {}).strip():
        raise SmokeFailure(f"{asset[1].decode()} is empty")
    body = b'{"link_token": "%s"}' % token.encode()
    headers = {"Origin": base, "Content-Type": "application/json"}
    if b'"token"' not in _http(f"{base}/api/ui/sessions", headers, body):
        raise SmokeFailure("the login link did not sign a browser in")


def _http(url: str, headers: dict[str, str], body: bytes | None = None) -> bytes:
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            content: bytes = response.read()
            return content
    except (urllib.error.URLError, OSError) as exc:
        raise SmokeFailure(f"{url}: {exc}") from None


def smoke(program: str, photos: list[Path], *, tray: bool) -> Report:
    """Every step on a fresh home folder; what was measured."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        # PostgreSQL must reach its data folder whichever user it runs as.
        home.chmod(0o755)
        with registered(program, photos, home) as (local, report):
            began = time.monotonic()
            sync_to_central(program, local, home)
            report.seconds["sync to central"] = time.monotonic() - began
        if postgres_of(home):
            raise SmokeFailure(f"PostgreSQL left running after stop: {postgres_of(home)}")
        if tray:
            began = time.monotonic()
            tray_starts_and_quits(program, home)
            report.seconds["tray start, its daemon healthy, quit"] = time.monotonic() - began
        return report


def sync_to_central(program: str, local: Daemon, home: Path) -> None:
    """A central server from the same program syncs the local catalog whole."""
    database = EmbeddedPostgres(home / "central-pg" / "pgdata")
    dsn = database.start()
    try:
        env = program_env(home, DATABASE_URL=dsn)
        data = home / "central"
        address = ("--host", "127.0.0.1", "--port", str(free_port()))
        with daemon(program, data, env, "--central", *address) as central:
            made = run(program, "machines", "add", "smoke", "--data-dir", str(data), env=env)
            token = re.search(r"--token (\S+)", made)
            if token is None:
                raise SmokeFailure(f"`machines add` printed no token:\n{made}")
            local_env = program_env(home)
            run(program, "sync", "add-target", central.client.base_url, "--token", token[1],
                "--data-dir", str(local.data), env=local_env)  # fmt: skip
            summary = run(program, "sync", "--data-dir", str(local.data), env=local_env)
            if not summary.startswith("Sync to") or ": succeeded" not in summary.splitlines()[0]:
                raise SmokeFailure(f"the sync did not finish:\n{summary}")
            if hothashes(central) != hothashes(local):
                raise SmokeFailure("central's photos differ from the local catalog's")
    finally:
        database.stop()


def tray_starts_and_quits(program: str, home: Path) -> None:
    """Under Xvfb the tray starts its daemon, and SIGTERM quits it and stops that daemon."""
    data = home / "tray-data"
    with xvfb() as display:
        env = program_env(home, DISPLAY=display)
        with (home / "tray.log").open("wb") as err:
            tray = subprocess.Popen(
                [program, "tray", "--data-dir", str(data)], env=env, stdout=err, stderr=err
            )
        try:
            wait_healthy(data, tray, home / "tray.log")
            tray.send_signal(signal.SIGTERM)
            began = time.monotonic()
            code = tray.wait(30)
            took = time.monotonic() - began
            if code != 0 or took > TRAY_QUIT_TIMEOUT:
                raise SmokeFailure(f"the tray quit with {code} after {took:.1f} s")
            deadline = time.monotonic() + HEALTH_TIMEOUT
            while DataPaths(data).runtime.exists() or postgres_of(data):
                if time.monotonic() > deadline:
                    log = (data / "logs" / "daemon.log").read_text(errors="replace")
                    raise SmokeFailure(f"the tray's daemon did not stop after Quit:\n{log}")
                time.sleep(0.1)
        finally:
            leave_nothing_running(tray, data)


@contextlib.contextmanager
def xvfb() -> Iterator[str]:
    """A private X server; its display name."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as lines:
            number = lines.readline().strip()
        if not number:
            raise SmokeFailure("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def install(deb: Path) -> str:
    """The package installed with apt (its recommendations with it); the program's path."""
    subprocess.run(["apt-get", "install", "-y", "-q", str(deb.resolve())], check=True)
    return str(INSTALLED)


def remove_while_running() -> None:
    """Removing the package stops a daemon running from it and the PostgreSQL a killed
    one left behind, and leaves no file of it."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        home.chmod(0o755)
        env = program_env(home)
        running, killed = home / "running", home / "killed"
        processes = []
        try:
            for data in (killed, running):
                log = data.with_name(data.name + ".log")
                with log.open("wb") as err:
                    processes.append(
                        subprocess.Popen(
                            [str(INSTALLED), "run", "--data-dir", str(data)],
                            env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=err,
                        )
                    )
                wait_healthy(data, processes[-1], log)
            # A daemon killed outright leaves its PostgreSQL running, orphaned.
            processes[0].kill()
            processes[0].wait()
            if not postgres_of(killed):
                raise SmokeFailure("the killed daemon's PostgreSQL did not outlive it")
            remove()
            code = processes[1].wait(10)
            if postgres_of(home):
                raise SmokeFailure(f"removing the package left PostgreSQL: {postgres_of(home)}")
            if code != 0:
                raise SmokeFailure(f"the daemon ended with {code} when the package went")
        finally:
            for process, data in zip(processes, (killed, running), strict=False):
                leave_nothing_running(process, data)


def remove() -> None:
    """Remove the package and check that none of its files is left."""
    subprocess.run(["apt-get", "remove", "-y", "-q", "hotprevue"], check=True)
    if INSTALLED.exists() or Path("/opt/hotprevue").exists():
        raise SmokeFailure("removing the package left its files behind")


def main() -> None:
    """Smoke-test PROGRAM (or the installed package) on PHOTOS; print what it measured."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("program", help="the hotprevue program to test, or the .deb with --deb")
    parser.add_argument("photos", type=Path, nargs="+", help="folders of photos to register")
    parser.add_argument("--tray", action="store_true", help="also start the tray (needs Xvfb)")
    parser.add_argument("--deb", action="store_true", help="PROGRAM is a .deb to install first")
    parser.add_argument(
        "--expect-hothashes-of",
        metavar="PROGRAM",
        help="another build of hotprevue (e.g. the virtualenv's) that must agree",
    )
    args = parser.parse_args()
    photos = [folder.resolve() for folder in args.photos]
    program = install(Path(args.program)) if args.deb else args.program
    try:
        report = smoke(program, photos, tray=args.tray)
        if args.deb:
            remove_while_running()
    except SmokeFailure as exc:
        sys.exit(f"smoke test of {program} failed: {exc}")
    finally:
        if args.deb and INSTALLED.exists():
            remove()
    for step, seconds in report.seconds.items():
        print(f"{step}: {seconds:.2f} s")
    print(f"{len(report.hothashes)} photos registered and synced")
    if args.expect_hothashes_of:
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp).chmod(0o755)
            with registered(args.expect_hothashes_of, photos, Path(tmp)) as (_, baseline):
                other = baseline.hothashes
        if other != report.hothashes:
            sys.exit(f"{args.expect_hothashes_of} gives other hothashes: {len(other)} photos")
        print(f"the same {len(other)} hothashes as {args.expect_hothashes_of}")
    print("smoke test passed")


if __name__ == "__main__":
    main()
