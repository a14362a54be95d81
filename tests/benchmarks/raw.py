"""RAW decoding against the JPEG pipeline, on pictures of the same size.

Run: python -m tests.benchmarks.raw [--photos 16] [--width 6000 --height 4000]

In one run, with the same number of processes, `make_previews` on:
(a) JPEGs: the embedded previews of (b), written out as JPEG files;
(b) RAW files (DNG) with a full-size embedded JPEG preview, which raw.py decodes
    through the JPEG pipeline;
(c) RAW files with a preview that covers the hotpreview only (1620 px, as Sony's),
    at a 2560 px coldpreview: the coldpreview comes from the demosaic;
(d) RAW files without a preview: the half-size demosaic.
The DNGs are written by tests/support/raw_files.py (uncompressed 12-bit Bayer data, a smooth
synthetic scene); the files are generated once and reused.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import rawpy

from daemon.imaging.previews import init_decoders, make_previews
from tests.benchmarks.registration import pool_rate, read_all
from tests.support.raw_files import PreviewPlace, write_dng

KINDS: dict[str, tuple[PreviewPlace, int]] = {
    "full": ("ifd0", 0),  # 0: the preview is as big as the picture
    "small": ("subifd", 1620),
    "none": ("none", 0),
}


def _write(args: tuple[Path, int, int, int, str]) -> None:
    path, width, height, seed, kind = args
    place, preview_px = KINDS[kind]
    write_dng(
        path,
        width,
        height,
        seed=seed,
        orientation=6 if seed % 4 == 0 else 1,
        preview=place,
        preview_px=preview_px or max(width, height),
    )


def ensure_raws(
    folder: Path, kind: str, count: int, width: int, height: int, processes: int
) -> list[Path]:
    """Generate the DNGs once; later runs reuse them."""
    folder = folder / f"{kind}_{width}x{height}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"RAW_{i:04}.dng" for i in range(count)]
    missing = [(p, width, height, i, kind) for i, p in enumerate(paths) if not p.exists()]
    if missing:
        print(f"generating {len(missing)} {kind} DNGs in {folder} ...", flush=True)
        with ProcessPoolExecutor(processes) as pool:
            list(pool.map(_write, missing))
    return paths


def extract_jpegs(raws: list[Path], folder: Path) -> list[Path]:
    """The RAW files' embedded previews as JPEG files: the same pixels, the JPEG pipeline."""
    folder.mkdir(parents=True, exist_ok=True)
    jpegs = []
    for path in raws:
        jpeg = folder / f"{path.stem}.jpg"
        if not jpeg.exists():
            with rawpy.imread(str(path)) as opened:
                thumb = opened.extract_thumb()
            assert isinstance(thumb.data, bytes)
            jpeg.write_bytes(thumb.data)
        jpegs.append(jpeg)
    return jpegs


def decode(path: Path, coldpreview_max_px: int) -> None:
    """What a registration worker does with a master file."""
    make_previews(path, coldpreview_max_px=coldpreview_max_px, quality=85)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=16)
    parser.add_argument("--width", type=int, default=6000)
    parser.add_argument("--height", type=int, default=4000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "hp-bench")
    parser.add_argument("--runs", type=int, default=3, help="the median of this many runs")
    args = parser.parse_args()
    processes = os.cpu_count() or 2
    work = args.work / "raw"

    files = {
        kind: ensure_raws(work, kind, args.photos, args.width, args.height, processes)
        for kind in KINDS
    }
    files["jpeg"] = extract_jpegs(files["full"], work / f"jpeg_{args.width}x{args.height}")
    for paths in files.values():
        read_all(paths)
    megapixels = args.width * args.height / 1e6
    raw_mb = statistics.mean(p.stat().st_size for p in files["full"]) / 1e6
    jpeg_mb = statistics.mean(p.stat().st_size for p in files["jpeg"]) / 1e6
    print(
        f"{args.photos} files of each kind, {args.width}x{args.height} ({megapixels:.0f} MP); "
        f"DNG ~{raw_mb:.0f} MB, its preview / the JPEG ~{jpeg_mb:.1f} MB; {processes} processes"
    )

    pipelines = [
        ("(a) JPEG files", "jpeg", 1200),
        ("(b) RAW, full-size embedded preview", "full", 1200),
        ("(b') the same at a 2560 px coldpreview", "full", 2560),
        ("(a') JPEG files at a 2560 px coldpreview", "jpeg", 2560),
        ("(c) RAW, 1620 px preview, 2560 px coldpreview", "small", 2560),
        ("(d) RAW without preview: half-size demosaic", "none", 1200),
    ]
    rates: dict[str, list[float]] = {label: [] for label, _, _ in pipelines}
    for _ in range(args.runs):
        for label, kind, cold in pipelines:
            rates[label].append(
                pool_rate(
                    partial(decode, coldpreview_max_px=cold),
                    files[kind],
                    processes,
                    initializer=init_decoders,
                )
            )
    median = {label: statistics.median(values) for label, values in rates.items()}

    print()
    print(f"{'make_previews':<48} {'photos/s':>9}")
    for label, _, _ in pipelines:
        print(f"{label:<48} {median[label]:>9.1f}")
    jpeg, full = median["(a) JPEG files"], median["(b) RAW, full-size embedded preview"]
    print(f"(b)/(a) = {full / jpeg:.2f}   (the cost of reaching the preview inside the RAW)")
    demosaic = median["(d) RAW without preview: half-size demosaic"]
    print(f"(d)/(a) = {demosaic / jpeg:.2f}   (demosaic against a JPEG of the same size)")


if __name__ == "__main__":
    main()
