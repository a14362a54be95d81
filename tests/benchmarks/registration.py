"""Registration throughput against the JPEG decode floor and a naive pipeline.

Run: python -m tests.benchmarks.registration [--photos 200] [--rescan-files 10000]

In one run, on the same files and with the same number of processes:
(a) decode floor: Pillow draft decode alone (the least any pipeline must do);
(b) end to end: `hotprevue run` registers the folder (API call -> session completed);
(c) naive: two full decodes + LANCZOS per file.
Also: peak RSS of the daemon and its workers, and re-registering a folder of
already registered files. Targets (registration issue): (b) >= 0.8x (a) and >= 6x (c);
peak RSS < 600 MB; re-registering 10,000 files < 10 s.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image, ImageOps

from tests.support.daemon_process import DaemonProcess
from tests.support.factories import register_measured
from tests.support.images import exif_bytes

WIDTH, HEIGHT = 6000, 4000


def camera_like(seed: int) -> Image.Image:
    """24 MP with smooth areas and texture at two scales; ~6-8 MB at quality 92."""
    rng = random.Random(seed)
    small = Image.new("RGB", (24, 16))
    small.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(24 * 16)])
    image = small.resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
    mid = Image.effect_noise((WIDTH // 8, HEIGHT // 8), 60).resize(
        (WIDTH, HEIGHT), Image.Resampling.BICUBIC
    )
    image = Image.blend(image, mid.convert("RGB"), 0.25)
    return Image.blend(image, Image.effect_noise((WIDTH, HEIGHT), 27).convert("RGB"), 0.17)


def _write_photo(args: tuple[Path, int]) -> None:
    path, seed = args
    orientation = 6 if seed % 4 == 0 else 1
    camera_like(seed).save(path, "JPEG", quality=92, exif=exif_bytes(orientation))


def _write_tiny(args: tuple[Path, int]) -> None:
    path, seed = args
    rng = random.Random(seed)
    image = Image.new("RGB", (8, 6))
    image.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(48)])
    image.resize((64, 48)).save(path, "JPEG", quality=80)


def ensure_files(
    folder: Path, count: int, writer: Callable[[tuple[Path, int]], None], name: str, processes: int
) -> list[Path]:
    """Generate the files once; later runs reuse them."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{i // 1000:03}" / f"{name}_{i:05}.jpg" for i in range(count)]
    missing = [(p, i) for i, p in enumerate(paths) if not p.exists()]
    for path, _ in missing:
        path.parent.mkdir(parents=True, exist_ok=True)
    if missing:
        print(f"generating {len(missing)} {name} files in {folder} ...", flush=True)
        with ProcessPoolExecutor(processes) as pool:
            list(pool.map(writer, missing, chunksize=max(1, len(missing) // (processes * 8))))
    return paths


def draft_decode(path: Path) -> None:
    """The floor: what any pipeline must do, a DCT-domain decode at the needed scale."""
    with Image.open(path) as image:
        image.draft("RGB", (1200, 800))
        image.load()


def naive(path: Path) -> None:
    """A straightforward pipeline: open twice, decode in full, LANCZOS both previews."""
    with Image.open(path) as image:
        hot = ImageOps.fit(ImageOps.exif_transpose(image), (150, 150), Image.Resampling.LANCZOS)
        hot.save(os.devnull, "JPEG", quality=85)
    with Image.open(path) as image:
        cold = ImageOps.exif_transpose(image)
        cold.thumbnail((1200, 1200), Image.Resampling.LANCZOS, reducing_gap=None)
        cold.save(os.devnull, "JPEG", quality=85)


def pool_rate(
    function: Callable[[Path], None],
    paths: list[Path],
    processes: int,
    initializer: Callable[[], None] | None = None,
) -> float:
    """Files per second through `function` in a pool of warmed-up processes."""
    with ProcessPoolExecutor(processes, initializer=initializer) as pool:
        list(pool.map(function, paths[: processes * 2]))  # warm the workers
        began = time.perf_counter()
        list(pool.map(function, paths))
        return len(paths) / (time.perf_counter() - began)


def read_all(paths: list[Path]) -> None:
    """Put the files in the page cache, so every pipeline reads from memory."""
    for path in paths:
        path.read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument(
        "--naive-photos", type=int, default=40, help="the naive pipeline is slow: a subset"
    )
    parser.add_argument("--rescan-files", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "hp-bench")
    parser.add_argument("--runs", type=int, default=1, help="repeat the throughput figures")
    args = parser.parse_args()
    processes = os.cpu_count() or 2

    photos = ensure_files(args.work / "photos", args.photos, _write_photo, "IMG", processes)
    sizes = [p.stat().st_size / 1e6 for p in photos]
    print(
        f"{len(photos)} JPEGs of {WIDTH}x{HEIGHT}, {min(sizes):.1f}-{max(sizes):.1f} MB, "
        f"{sum(1 for i in range(len(photos)) if i % 4 == 0)} with orientation 6; "
        f"{processes} processes"
    )
    read_all(photos)

    floors, naives, ends, peaks = [], [], [], []
    for _ in range(args.runs):
        floors.append(pool_rate(draft_decode, photos, processes))
        naives.append(pool_rate(naive, photos[: args.naive_photos], processes))
        with tempfile.TemporaryDirectory(dir=args.work) as data:
            daemon = DaemonProcess(Path(data) / "data").start()
            try:
                daemon.wait_healthy()
                seconds, session, peak = register_measured(daemon, args.work / "photos")
                assert session["photo_count"] == len(photos), session
                ends.append(len(photos) / seconds)
                peaks.append(peak)
            finally:
                daemon.kill_all()

    floor, naive_rate, end = (statistics.median(x) for x in (floors, naives, ends))
    print()
    print(f"{'pipeline':<44} {'photos/s':>9}")
    print(f"{'(a) decode floor: draft decode only':<44} {floor:>9.1f}")
    print(f"{'(b) hotprevue end to end (API -> completed)':<44} {end:>9.1f}")
    print(f"{'(c) naive: 2 full decodes + LANCZOS':<44} {naive_rate:>9.1f}")
    print(f"(b)/(a) = {end / floor:.2f}   (target >= 0.8)")
    print(f"(b)/(c) = {end / naive_rate:.1f}    (target >= 6)")
    print(f"peak RSS daemon + workers, 24 MP photos: {max(peaks) / 1e6:.0f} MB (target < 600)")

    if args.rescan_files:
        tiny = ensure_files(args.work / "many", args.rescan_files, _write_tiny, "small", processes)
        with tempfile.TemporaryDirectory(dir=args.work) as data:
            daemon = DaemonProcess(Path(data) / "data").start()
            try:
                daemon.wait_healthy()
                first, session, peak = register_measured(daemon, args.work / "many")
                assert session["photo_count"] == len(tiny), session
                again, session, _ = register_measured(daemon, args.work / "many")
                assert session["already_registered_count"] == len(tiny), session
            finally:
                daemon.kill_all()
        print(
            f"{len(tiny)} small files: first registration {first:.1f} s "
            f"({len(tiny) / first:.0f}/s), peak RSS {peak / 1e6:.0f} MB"
        )
        print(f"re-registering {len(tiny)} already registered files: {again:.2f} s (target < 10)")


if __name__ == "__main__":
    main()
