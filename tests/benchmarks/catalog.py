"""Photo-list latency through the HTTP stack on a catalog of 100,000 photos.

Run: python -m tests.benchmarks.catalog [--photos 100000] [--repeat 40]

Starts the real daemon, bulk-inserts realistic rows (hotpreviews included) into
its embedded database, then times GET /api/photos?limit=100 for every sort, the
common filters and deep pagination, over one kept-alive connection.
Target (catalog API issue): p95 < 50 ms for each.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import http.client
import io
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, get_args

import asyncpg

from daemon.database import with_database
from protocol.settings import PhotoSort
from tests.support.daemon_process import DaemonProcess
from tests.support.images import photo_like

TAGS = [f"tag{i:03}" for i in range(200)]


def hotpreviews(count: int) -> list[str]:
    """Real 150x150 JPEGs, base64 like the catalog stores them."""
    result = []
    for seed in range(count):
        out = io.BytesIO()
        photo_like(150, 150, seed).save(out, "JPEG", quality=85)
        result.append(base64.b64encode(out.getvalue()).decode())
    return result


async def fill(dsn: str, photos: int) -> dict[str, Any]:
    """Bulk-insert photos with events, categories and tags; return ids to query by."""
    rng = random.Random(7)
    conn = await asyncpg.connect(dsn)
    try:
        photographer = await conn.fetchval("SELECT id FROM photographers WHERE is_default")
        categories = [
            await conn.fetchval(
                "INSERT INTO categories (name, excluded_from_stream) VALUES ($1, $2) RETURNING id",
                f"category {i}",
                i == 0,
            )
            for i in range(5)
        ]
        events = [
            await conn.fetchval("INSERT INTO events (name) VALUES ($1) RETURNING id", f"event {i}")
            for i in range(500)
        ]
        previews = hotpreviews(20)
        start = datetime(2015, 1, 1)
        registered = datetime(2024, 1, 1, tzinfo=UTC)
        records = []
        for i in range(photos):
            taken = (
                None
                if rng.random() < 0.03
                else start + timedelta(seconds=rng.randrange(10 * 365 * 86400))
            )
            records.append(
                (
                    uuid.uuid4(),
                    hashlib.sha256(f"photo {i}".encode()).hexdigest(),
                    previews[i % len(previews)],
                    f"ab/cd/{i}.jpg",
                    json.dumps({"image": {"Make": "Canon", "Model": "EOS"}}),
                    taken,
                    rng.choice([None, 1, 2, 3, 4, 5]),
                    rng.sample(TAGS[: 20 if rng.random() < 0.5 else 200], rng.randrange(0, 5)),
                    rng.choice([None, *categories]),
                    photographer,
                    rng.choice([None, *events]),
                    registered + timedelta(seconds=i),
                    registered if rng.random() < 0.02 else None,
                )
            )
        await conn.copy_records_to_table(
            "photos",
            records=records,
            columns=[
                "id",
                "hothash",
                "hotpreview_b64",
                "coldpreview_path",
                "exif_data",
                "taken_at",
                "rating",
                "tags",
                "category_id",
                "photographer_id",
                "event_id",
                "registered_at",
                "deleted_at",
            ],
        )
        await conn.execute("VACUUM ANALYZE photos")
        return {"event": events[0], "category": categories[1]}
    finally:
        await conn.close()


def measure(
    connection: http.client.HTTPConnection, key: str, path: str, repeat: int
) -> list[float]:
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        connection.request("GET", path, headers={"X-API-Key": key})
        response = connection.getresponse()
        body = response.read()
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status == 200, (path, response.status, body[:200])
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        daemon = DaemonProcess(Path(tmp) / "data").start()
        try:
            daemon.wait_healthy()
            pgdata = daemon.paths.pgdata
            dsn = with_database(f"postgresql://postgres@/postgres?host={pgdata}", "hotprevue")
            began = time.perf_counter()
            ids = asyncio.run(fill(dsn, args.photos))
            print(f"inserted {args.photos} photos in {time.perf_counter() - began:.0f} s")
            queries = {
                **{f"sort={s}": f"?sort={s}" for s in get_args(PhotoSort)},
                "tags=tag001": "?tags=tag001",
                "tags=tag001&tags=tag002": "?tags=tag001&tags=tag002",
                "tags=tag150 (rare)": "?tags=tag150",
                "event_id": f"?event_id={ids['event']}",
                "category_id": f"?category_id={ids['category']}",
                "in_stream=true": "?in_stream=true",
                "rating_min=4": "?rating_min=4",
                "taken in 2019": (
                    "?taken_after=2019-01-01T00:00:00&taken_before=2020-01-01T00:00:00"
                ),
                "deleted=true": "?deleted=true",
                "offset=90000 (taken_at_desc)": "?offset=90000",
                "offset=90000 (registered_at_asc)": "?offset=90000&sort=registered_at_asc",
                "offset=90000 (rating_desc)": "?offset=90000&sort=rating_desc",
            }
            host = daemon.url.removeprefix("http://")
            connection = http.client.HTTPConnection(host.split(":")[0], int(host.split(":")[1]))
            print(f"{'GET /api/photos?limit=100&…':<40} {'p50 ms':>7} {'p95 ms':>7}")
            worst = 0.0
            for name, query in queries.items():
                path = f"/api/photos{query}&limit=100" if "?" in query else "/api/photos?limit=100"
                measure(connection, daemon.api_key, path, 3)  # warm
                timings = sorted(measure(connection, daemon.api_key, path, args.repeat))
                p50 = statistics.median(timings)
                p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
                worst = max(worst, p95)
                print(f"{name:<40} {p50:>7.1f} {p95:>7.1f}")
            print(f"worst p95: {worst:.1f} ms (target < 50)")
        finally:
            daemon.kill_all()


if __name__ == "__main__":
    main()
