"""Watched folders: a burst, the latency of one photo, and the idle cost of a big tree.

Run: python -m tests.benchmarks.watch [--burst 2000] [--drops 20] [--idle-files 100000]

All against a real `hotprevue run` with the default quiet window (5 s):
(a) burst: --burst photos copied into a watched folder one after another; each must
    be registered exactly once; time from the last file closed to the last photo
    registered (target: the quiet window plus the decoding of what is left);
(b) latency: one photo dropped in at a time, --drops times; p50 and p95 from the file
    closed to the photo registered (target: quiet window + 2 s);
(c) idle: --idle-files tiny photos in --idle-files/20 folders, watched and caught up;
    then the daemon's CPU (and its workers') over 60 s with nothing happening (target
    < 1 % of a core) and its RSS.
The RAW figure (embedded preview against JPEG) is tests/benchmarks/raw.py.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil
from PIL import Image

from tests.support.daemon_process import DaemonProcess
from tests.support.factories import register_measured

QUIET = 5.0  # the default quiet window, which the figures are for
IDLE_SECONDS = 60.0


def _write(args: tuple[Path, int, int, int]) -> None:
    path, seed, width, height = args
    rng = random.Random(seed)
    small = Image.new("RGB", (12, 8))
    small.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(96)])
    image = small.resize((width, height), Image.Resampling.BICUBIC)
    noise = Image.effect_noise((width, height), 20).convert("RGB")
    Image.blend(image, noise, 0.1).save(path, "JPEG", quality=90)


def make_photos(paths: list[Path], seed: int, size: tuple[int, int]) -> None:
    """Write distinct photos to these paths (folders made), on every core."""
    for folder in {path.parent for path in paths}:
        folder.mkdir(parents=True, exist_ok=True)
    jobs = [(path, seed + n, *size) for n, path in enumerate(paths)]
    with ProcessPoolExecutor() as pool:
        list(pool.map(_write, jobs, chunksize=64))


def photos(daemon: DaemonProcess) -> list[dict[str, Any]]:
    """Every photo of the catalog, in pages."""
    found: list[dict[str, Any]] = []
    while True:
        status, page = daemon.request("GET", f"/api/photos?limit=1000&offset={len(found)}")
        assert status == 200, page
        found.extend(page)
        if len(page) < 1000:
            return found


def count_photos(daemon: DaemonProcess) -> int:
    """How many photos (one cheap request per thousand)."""
    return len(photos(daemon))


def wait_photos(daemon: DaemonProcess, expected: int, timeout: float) -> None:
    """Until the catalog holds `expected` photos."""
    deadline = time.monotonic() + timeout
    while (seen := count_photos(daemon)) < expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"{seen} of {expected} photos after {timeout:.0f} s")
        time.sleep(0.5)


def registered_at(photo: dict[str, Any]) -> float:
    """The photo's registration time as a Unix time."""
    return datetime.fromisoformat(photo["registered_at"]).timestamp()


def watch(daemon: DaemonProcess, folder: Path) -> None:
    """Add a watched folder through the API."""
    status, body = daemon.request("POST", "/api/watched-folders", {"path": str(folder)})
    assert status == 201, body


def burst(daemon: DaemonProcess, root: Path, count: int) -> None:
    """(a): a card's worth of photos copied in, one after another."""
    source, inbox = root / "card", root / "burst"
    inbox.mkdir()
    names = [f"IMG_{n:05}.JPG" for n in range(count)]
    make_photos([source / name for name in names], seed=10_000, size=(1920, 1280))
    watch(daemon, inbox)
    time.sleep(2)
    began = time.time()
    for name in names:
        shutil.copyfile(source / name, inbox / name)
    closed = time.time()
    wait_photos(daemon, count, timeout=count * 2 + 120)
    found = photos(daemon)
    status, sessions = daemon.request("GET", "/api/input-sessions?limit=1000")
    assert status == 200, sessions
    registered = sum(session["photo_count"] for session in sessions)
    duplicates = sum(session["duplicate_count"] for session in sessions)
    errors = sum(session["error_count"] for session in sessions)
    last = max(registered_at(photo) for photo in found)
    print(
        f"(a) burst: {count} photos copied in {closed - began:.1f} s; {len(found)} photos, "
        f"{registered} registrations, {duplicates} duplicates, {errors} errors, in "
        f"{len(sessions)} session(s)"
    )
    print(f"    last file closed -> last photo registered: {last - closed:.1f} s")
    assert len(found) == registered == count, "each photo registered exactly once"
    assert duplicates == errors == 0
    # The baseline in the same run: `register` decodes the same files (as duplicates).
    seconds, session, _ = register_measured(daemon, source)
    assert session["duplicate_count"] == count, session
    print(
        f"    baseline, the same files registered as a folder: {seconds:.1f} s; "
        f"burst minus the quiet window: {last - closed - QUIET:.1f} s"
    )


def latency(daemon: DaemonProcess, root: Path, drops: int) -> None:
    """(b): one photo at a time, each waited for."""
    inbox = root / "drops"
    inbox.mkdir()
    staged = [root / "staged" / f"drop_{n:03}.jpg" for n in range(drops)]
    make_photos(staged, seed=50_000, size=(4000, 3000))
    watch(daemon, inbox)
    time.sleep(2)
    before = count_photos(daemon)
    delays = []
    for n, path in enumerate(staged):
        target = inbox / path.name
        shutil.copyfile(path, target)
        closed = time.time()
        wait_photos(daemon, before + n + 1, timeout=60)
        newest = max(photos(daemon), key=registered_at)
        delays.append(registered_at(newest) - closed)
    delays.sort()
    p95 = delays[min(len(delays) - 1, round(0.95 * (len(delays) - 1)))]
    print(
        f"(b) latency, one 12 MP photo dropped in, {drops} times: p50 "
        f"{statistics.median(delays):.2f} s, p95 {p95:.2f} s (quiet window {QUIET:.0f} s; "
        f"target {QUIET + 2:.0f} s)"
    )


def idle(daemon: DaemonProcess, root: Path, files: int) -> None:
    """(c): a big watched tree with nothing happening."""
    tree = root / "archive"
    per_folder = 20
    paths = [
        tree / f"{n // (per_folder * 50):03}" / f"{n // per_folder:05}" / f"{n:06}.jpg"
        for n in range(files)
    ]
    made = time.perf_counter()
    make_photos(paths, seed=100_000, size=(64, 48))
    print(
        f"(c) wrote {files} photos in {files // per_folder} folders in "
        f"{time.perf_counter() - made:.0f} s"
    )
    before = count_photos(daemon)
    began = time.perf_counter()
    watch(daemon, tree)
    wait_photos(daemon, before + files, timeout=files / 20 + 300)
    caught_up = time.perf_counter() - began
    print(f"    catch-up scan registered them in {caught_up:.0f} s ({files / caught_up:.0f}/s)")
    time.sleep(15)  # the last session closes; the workers go idle
    assert daemon.proc is not None
    process = psutil.Process(daemon.proc.pid)
    tree_processes = [process] + [
        child
        for child in process.children(recursive=True)
        if not child.name().startswith("postgres")
    ]

    def cpu() -> float:
        total = 0.0
        for proc in tree_processes:
            times = proc.cpu_times()
            total += times.user + times.system
        return total

    start_cpu, start = cpu(), time.perf_counter()
    time.sleep(IDLE_SECONDS)
    used, elapsed = cpu() - start_cpu, time.perf_counter() - start
    rss = sum(proc.memory_info().rss for proc in tree_processes)
    print(
        f"    idle over {elapsed:.0f} s: {100 * used / elapsed:.2f} % of a core "
        f"(target < 1 %); RSS of the daemon {process.memory_info().rss / 2**20:.0f} MB, "
        f"with its workers {rss / 2**20:.0f} MB"
    )


def main() -> None:
    """Run the three measurements against one daemon."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--drops", type=int, default=20)
    parser.add_argument("--idle-files", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hotprevue-watch-") as scratch:
        root = Path(scratch)
        daemon = DaemonProcess(root / "data")
        try:
            daemon.start().wait_healthy()
            if args.burst:
                burst(daemon, root, args.burst)
            if args.drops:
                latency(daemon, root, args.drops)
            if args.idle_files:
                idle(daemon, root, args.idle_files)
        finally:
            daemon.kill_all()


if __name__ == "__main__":
    main()
