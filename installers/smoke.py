"""A smoke test of a built `hotprevue`: python -m installers.smoke PROGRAM PHOTOS.

Runs the program as an installed user would, with an empty environment (no Python,
no virtualenv on PATH): first start creates the catalog, /health answers, the photos
register, `hotprevue stop` leaves no PostgreSQL behind. Prints each step's time and
the hothashes, so a binary's run can be compared with the virtualenv's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

HEALTH_TIMEOUT = 120.0


def _env(home: Path) -> dict[str, str]:
    # What a login gives a program, and nothing of the build's Python.
    return {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOTPREVUE_PORT": "0"}


def _run(program: str, *args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [program, *args], capture_output=True, text=True, env=env, timeout=600, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"`hotprevue {' '.join(args)}` failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def _request(url: str, key: str, path: str) -> object:
    request = urllib.request.Request(url + path, headers={"X-API-Key": key})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def _postgres_of(data: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "postgres" and any(str(data) in part for part in cmdline):
            found.append(proc)
    return found


def smoke(program: str, photos: Path) -> list[str]:
    """Run every step; return the registered photos' hothashes, sorted."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        data = home / "data"
        env = _env(home)
        began = time.monotonic()
        daemon = subprocess.Popen(
            [program, "run", "--data-dir", str(data)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(home / "daemon.log").open("wb"),
        )
        try:
            url, key = _wait_healthy(data, daemon, home)
            print(f"first start to /health 200: {time.monotonic() - began:.2f} s")
            started = time.monotonic()
            _run(program, "register", str(photos), "--data-dir", str(data), env=env)
            print(f"registration of {photos}: {time.monotonic() - started:.2f} s")
            page = _request(url, key, "/api/photos?limit=1000")
            assert isinstance(page, list)
            hothashes = sorted(photo["hothash"] for photo in page)
            _run(program, "stop", "--data-dir", str(data), env=env)
            daemon.wait(60)
        finally:
            if daemon.poll() is None:
                daemon.kill()
        left = _postgres_of(data)
        if left:
            raise SystemExit(f"PostgreSQL left running after stop: {[p.pid for p in left]}")
        print("stop: no PostgreSQL left")
        return hothashes


def _wait_healthy(data: Path, daemon: subprocess.Popen[bytes], home: Path) -> tuple[str, str]:
    deadline = time.monotonic() + HEALTH_TIMEOUT
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            log = (home / "daemon.log").read_text(errors="replace")
            raise SystemExit(f"the daemon exited {daemon.returncode}:\n{log}")
        runtime = data / "daemon.json"
        if runtime.exists():
            url = json.loads(runtime.read_text())["url"]
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return url, (data / "api_key").read_text().strip()
            except OSError:
                pass
        time.sleep(0.1)
    raise SystemExit("the daemon did not answer /health in time")


def main() -> None:
    """Smoke-test PROGRAM on PHOTOS and print the hothashes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("program", help="the hotprevue program to test")
    parser.add_argument("photos", type=Path, help="a folder of photos to register")
    args = parser.parse_args()
    hothashes = smoke(args.program, args.photos.resolve())
    print(f"{len(hothashes)} photos:")
    for hothash in hothashes:
        print(hothash)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
