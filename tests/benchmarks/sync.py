"""Sync throughput: a local daemon pushes to a central daemon on its own PostgreSQL.

Run: python -m tests.benchmarks.sync [--photos 10000] [--large 100000] [--edits 1000]

One run, over loopback, with central on a second PostgreSQL reached by TCP with a
password (as in production):
(a) first sync of --photos photos with real ~1200 px coldpreviews: photos/s and MB/s;
(b) --edits photos edited, then re-synced: seconds;
(c) the catalog grown to --large photos (rows only) and synced, then a sync with
    nothing changed: seconds; and GET /api/sync/status: ms;
peak RSS of each daemon (its process tree) during (a).
Targets (sync issue): (a) >= 200 photos/s; no-change sync at 100,000 < 2 s; status
< 20 ms; peak RSS < 300 MB each.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import io
import json
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from daemon.database import ensure_database
from daemon.embedded_pg import EmbeddedPostgres
from daemon.imaging import coldpreviews
from tests.support.daemon_process import DaemonProcess, clean_env, free_port
from tests.support.factories import RssSampler
from tests.support.images import photo_like
from tests.sync.flows import catalog_dsn, sync_now

BASE_PREVIEWS, BASE_COLDPREVIEWS = 20, 40


def _jpeg(args: tuple[int, int, int, int]) -> bytes:
    width, height, seed, quality = args
    out = io.BytesIO()
    photo_like(width, height, seed).save(out, "JPEG", quality=quality)
    return out.getvalue()


def unique(base: bytes, n: int) -> bytes:
    """The base JPEG with n appended after its end marker: other bytes, same image.
    Decoders stop at the end marker, so central checks and decodes it like any other."""
    return base + n.to_bytes(8, "big")


async def fill(
    dsn: str, root: Path, start: int, count: int, previews: list[bytes], colds: list[bytes] | None
) -> None:
    """Insert photos start..start+count (files and a session too), with coldpreview files
    on disk when `colds` is given."""
    conn = await asyncpg.connect(dsn)
    try:
        photographer = await conn.fetchval("SELECT id FROM photographers WHERE is_default")
        session = await conn.fetchval(
            "INSERT INTO input_sessions (name, source_path, default_photographer_id, status) "
            "VALUES ($1, '/photos', $2, 'completed') RETURNING id",
            f"bench {start}",
            photographer,
        )
        taken = datetime(2015, 1, 1)
        registered = datetime(2024, 1, 1, tzinfo=UTC)
        photos, files = [], []
        for i in range(start, start + count):
            preview = unique(previews[i % len(previews)], i)
            hothash = hashlib.sha256(preview).hexdigest()
            relative = None
            if colds is not None:
                relative = coldpreviews.write(root, hothash, unique(colds[i % len(colds)], i))
            photo_id = uuid.uuid4()
            photos.append(
                (
                    photo_id,
                    hothash,
                    base64.b64encode(preview).decode(),
                    relative,
                    json.dumps({"image": {"Make": "Canon", "Model": "EOS R6"}}),
                    taken + timedelta(minutes=i),
                    "Canon",
                    "EOS R6",
                    photographer,
                    session,
                    registered + timedelta(seconds=i),
                )
            )
            files.append(
                (uuid.uuid4(), photo_id, f"/photos/{i // 1000:03}/IMG_{i:06}.jpg", "JPEG", True)
            )
        await conn.copy_records_to_table(
            "photos",
            records=photos,
            columns=[
                "id",
                "hothash",
                "hotpreview_b64",
                "coldpreview_path",
                "exif_data",
                "taken_at",
                "camera_make",
                "camera_model",
                "photographer_id",
                "input_session_id",
                "registered_at",
            ],
        )
        await conn.copy_records_to_table(
            "image_files",
            records=files,
            columns=["id", "photo_id", "file_path", "file_type", "is_master"],
        )
        await conn.execute("VACUUM ANALYZE photos, image_files")
    finally:
        await conn.close()


async def edit(dsn: str, count: int) -> None:
    """Rate and tag `count` photos, as a user working through a shoot would."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "UPDATE photos SET rating = 4, tags = '{edited}' "
            "WHERE id IN (SELECT id FROM photos ORDER BY registered_at LIMIT $1)",
            count,
        )
    finally:
        await conn.close()


def timed_sync(local: DaemonProcess) -> tuple[float, dict[str, Any]]:
    began = time.perf_counter()
    run = sync_now(local)
    return time.perf_counter() - began, run


def status_latency(local: DaemonProcess, repeat: int = 50) -> list[float]:
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        status, body = local.request("GET", "/api/sync/status")
        timings.append((time.perf_counter() - began) * 1000)
        assert status == 200, body
    return sorted(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--edits", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ProcessPoolExecutor(2) as pool:
        root = Path(tmp)
        print("generating previews ...", flush=True)
        previews = list(pool.map(_jpeg, [(150, 150, s, 85) for s in range(BASE_PREVIEWS)]))
        colds = list(pool.map(_jpeg, [(1200, 800, s, 85) for s in range(BASE_COLDPREVIEWS)]))
        print(f"coldpreview size: {statistics.mean(map(len, colds)) / 1e3:.0f} kB on average")

        server = EmbeddedPostgres(root / "central-pg" / "pgdata", tcp=True)
        server.start()
        daemons: list[DaemonProcess] = []
        try:
            central_url = asyncio.run(ensure_database(server.dsn))
            central = DaemonProcess(
                root / "central",
                "--central",
                "--port",
                str(free_port()),
                env=clean_env(DATABASE_URL=central_url),
            ).start()
            local = DaemonProcess(root / "local").start()
            daemons += [central, local]
            central.wait_healthy()
            local.wait_healthy()
            status, token = central.request("POST", "/api/machines", {"name": "bench"})
            assert status == 201, token
            status, target = local.request(
                "POST",
                "/api/sync/targets",
                {"url": central.url, "token": token["token"], "machine_name": "bench"},
            )
            assert status == 201, target

            dsn = catalog_dsn(local)
            began = time.perf_counter()
            asyncio.run(fill(dsn, local.paths.coldpreviews, 0, args.photos, previews, colds))
            print(f"filled {args.photos} photos in {time.perf_counter() - began:.0f} s")

            assert central.proc is not None
            assert local.proc is not None
            with (
                RssSampler(central.proc.pid) as central_rss,
                RssSampler(local.proc.pid) as local_rss,
            ):
                seconds, run = timed_sync(local)
            megabytes = run["bytes_sent"] / 1e6
            print(
                f"(a) first sync of {args.photos} photos: {seconds:.1f} s, "
                f"{args.photos / seconds:.0f} photos/s (target >= 200), "
                f"{megabytes / seconds:.1f} MB/s ({megabytes:.0f} MB, "
                f"{run['coldpreviews_sent']} coldpreviews)"
            )
            print(
                f"    peak RSS: local {local_rss.peak / 1e6:.0f} MB, "
                f"central {central_rss.peak / 1e6:.0f} MB (target < 300 each)"
            )

            asyncio.run(edit(dsn, args.edits))
            seconds, run = timed_sync(local)
            print(
                f"(b) {args.edits} edited photos re-synced: {seconds:.2f} s "
                f"({run['rows_sent']} rows)"
            )

            more = args.large - args.photos
            if more > 0:
                began = time.perf_counter()
                asyncio.run(fill(dsn, local.paths.coldpreviews, args.photos, more, previews, None))
                print(f"    filled {more} more photos in {time.perf_counter() - began:.0f} s")
                seconds, run = timed_sync(local)
                print(
                    f"    synced them (rows only): {seconds:.1f} s, "
                    f"{more / seconds:.0f} photos/s, {run['bytes_sent'] / 1e6 / seconds:.1f} MB/s"
                )
            with (
                RssSampler(central.proc.pid) as central_rss,
                RssSampler(local.proc.pid) as local_rss,
            ):
                runs = [timed_sync(local)[0] for _ in range(5)]
            print(
                f"(c) sync with nothing changed at {max(args.large, args.photos)} photos: "
                f"median {statistics.median(runs):.3f} s, worst {max(runs):.3f} s (target < 2)"
            )
            timings = status_latency(local)
            print(
                f"    GET /api/sync/status: p50 {statistics.median(timings):.1f} ms, "
                f"p95 {timings[round(0.95 * len(timings)) - 1]:.1f} ms (target < 20)"
            )
        finally:
            for daemon in daemons:
                daemon.kill_all()
            server.stop()


if __name__ == "__main__":
    main()
