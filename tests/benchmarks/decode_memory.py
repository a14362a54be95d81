"""Peak memory of the daemon's process tree on hostile images, with and without the budget.

Run: python -m tests.benchmarks.decode_memory [--photos 60] [--runs 1]

Counted: the daemon process and every process under it (decoding workers, the
multiprocessing resource tracker), sampled every 50 ms; PostgreSQL is not counted.
(1) hostile-but-small images (palette PNGs of 20 KB that claim 13000x13000, a
    progressive JPEG claiming 30000x30000, a 16-bit TIFF of 12000x12000, ...)
    beside photos and large images: peak under the default decode memory budget,
    and with the budget effectively off (1 TB, the baseline: every file admitted
    at once, as before the budget existed);
(2) ordinary 24 MP JPEGs: registration rate under the default budget and with it
    off, and the cost of the header probe per file against a whole decode.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from daemon.config import DEFAULT_DECODE_MEMORY_MB
from daemon.imaging.decode_cost import decode_cost
from daemon.imaging.previews import init_decoders, make_previews
from tests.benchmarks.registration import _write_photo, ensure_files, read_all
from tests.support.daemon_process import DaemonProcess, clean_env
from tests.support.factories import register_measured
from tests.support.hostile import hostile_folder

OFF_MB = 1024 * 1024  # a terabyte: nothing waits and nothing is refused
MB = 1024 * 1024


def run_daemon(work: Path, folder: Path, budget_mb: int) -> tuple[float, dict[str, Any], int]:
    """Register folder on a fresh daemon: seconds, the finished session, peak tree RSS."""
    with tempfile.TemporaryDirectory(dir=work) as data:
        env = clean_env(HOTPREVUE_DECODE_MEMORY_MB=str(budget_mb))
        daemon = DaemonProcess(Path(data) / "data", env=env).start()
        try:
            daemon.wait_healthy()
            return register_measured(daemon, folder)
        finally:
            daemon.kill_all()


def probe_cost(paths: list[Path]) -> tuple[float, float]:
    """Milliseconds per file: the header probe, and a whole make_previews (one process)."""
    init_decoders()
    began = time.perf_counter()
    for path in paths:
        decode_cost(path, coldpreview_max_px=1200)
    probe = (time.perf_counter() - began) / len(paths)
    began = time.perf_counter()
    for path in paths:
        make_previews(path, coldpreview_max_px=1200, quality=80)
    decode = (time.perf_counter() - began) / len(paths)
    return probe * 1000, decode * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=60)
    parser.add_argument("--runs", type=int, default=1, help="repeat the figures, take medians")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "hp-bench")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    cores = os.cpu_count() or 2
    budgets = {"default budget": DEFAULT_DECODE_MEMORY_MB, "budget off": OFF_MB}

    with tempfile.TemporaryDirectory(dir=args.work) as hostile_dir:
        folder = Path(hostile_dir) / "hostile"
        kinds = hostile_folder(folder)
        print(
            f"hostile folder: {sum(len(v) for v in kinds.values())} files, "
            f"{sum(p.stat().st_size for p in folder.iterdir()) / 1e6:.0f} MB on disk; "
            f"{cores} cores"
        )
        print(
            f"\n{'hostile images':<16} {'peak RSS':>9} {'seconds':>8} {'photos':>7} {'errors':>7}"
        )
        for label, megabytes in budgets.items():
            runs = [run_daemon(args.work, folder, megabytes) for _ in range(args.runs)]
            peak = statistics.median(r[2] for r in runs)
            seconds = statistics.median(r[0] for r in runs)
            session = runs[-1][1]
            print(
                f"{label:<16} {peak / MB:>6.0f} MB {seconds:>8.1f} "
                f"{session['photo_count']:>7} {session['error_count']:>7}"
            )

    photos = ensure_files(args.work / "photos", args.photos, _write_photo, "IMG", cores)
    read_all(photos)
    print(f"\n{len(photos)} ordinary 24 MP JPEGs")
    print(f"{'':<16} {'photos/s':>9} {'peak RSS':>9}")
    for label, megabytes in budgets.items():
        runs = [run_daemon(args.work, photos[0].parent.parent, megabytes) for _ in range(args.runs)]
        rate = statistics.median(r[1]["photo_count"] / r[0] for r in runs)
        peak = statistics.median(r[2] for r in runs)
        print(f"{label:<16} {rate:>9.1f} {peak / MB:>6.0f} MB")
    probe, decode = probe_cost(photos[: min(len(photos), 20)])
    print(
        f"header probe {probe:.2f} ms per file against {decode:.1f} ms for its previews "
        f"({probe / decode:.1%})"
    )


if __name__ == "__main__":
    main()
