"""Steps of the two-daemon sync tests: push, wait, and compare both catalogs row by row."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg

from daemon.database import CATALOG_DATABASE
from daemon.embedded_pg import SUPERUSER, PostmasterPid
from tests.support.daemon_process import DaemonProcess
from tests.support.images import write_jpeg

RUN_TIMEOUT = 300.0

# What is compared of each table: columns that say the row is the same on both sides.
# Photos, files and corrections name the photo by hothash (ids differ per machine).
TABLES: dict[str, str] = {
    "photographers": "SELECT id::text AS key, name, website FROM photographers t",
    "categories": "SELECT id::text AS key, name, display_order FROM categories t",
    "events": "SELECT id::text AS key, name, parent_id, cover_hothash, date FROM events t",
    "input_sessions": "SELECT id::text AS key, name, status, photo_count FROM input_sessions t",
    "photos": """
        SELECT hothash AS key, hotpreview_b64, rating, tags, deleted_at, taken_at,
            taken_at_offset, location_lat, event_id, category_id, stack_id, is_stack_cover
        FROM photos t""",
    "image_files": """
        SELECT t.id::text AS key, p.hothash, t.file_path, t.is_master, t.state
        FROM image_files t JOIN photos p ON p.id = t.photo_id""",
    "collections": "SELECT id::text AS key, name, cover_hothash FROM collections t",
    "text_items": "SELECT id::text AS key, title, body FROM text_items t",
    "collection_items": """
        SELECT id::text AS key, collection_id, hothash, text_item_id, position, caption
        FROM collection_items t""",
    "photo_corrections": """
        SELECT p.hothash AS key, t.rotation, t.exposure_ev, t.crop_left
        FROM photo_corrections t JOIN photos p ON p.id = t.photo_id""",
}
Snapshot = dict[str, dict[str, tuple[Any, ...]]]


def catalog_dsn(daemon: DaemonProcess) -> str:
    """The local daemon's own catalog database, through its PostgreSQL's socket."""
    info = PostmasterPid.read(daemon.paths.pgdata)
    assert info is not None, "the daemon's PostgreSQL is not running"
    assert info.socket_dir, "the daemon's PostgreSQL has no socket"
    return (
        f"postgresql://{SUPERUSER}@/{CATALOG_DATABASE}"
        f"?host={quote(info.socket_dir)}&port={info.port or 5432}"
    )


async def _snapshot(dsn: str, origin: str | None) -> Snapshot:
    # Local rows have no origin; central's rows of one machine carry its installation id.
    # Photos are shared on central, so they are compared whole.
    conn = await asyncpg.connect(dsn)
    try:
        result: Snapshot = {}
        for table, query in TABLES.items():
            if table == "photos":
                where = ""
            elif origin is None:
                where = " WHERE t.origin IS NULL"
            else:
                where = f" WHERE t.origin = '{origin}'"
            rows = await conn.fetch(query + where)
            result[table] = {row["key"]: tuple(row.values())[1:] for row in rows}
        return result
    finally:
        await conn.close()


def snapshot(dsn: str, origin: str | None = None) -> Snapshot:
    """Every synced row of a catalog (of one origin, on central), by table and key."""
    return asyncio.run(_snapshot(dsn, origin))


async def _fetch(dsn: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


def fetch(dsn: str, query: str, *args: Any) -> list[asyncpg.Record]:
    """One query's rows."""
    return asyncio.run(_fetch(dsn, query, *args))


async def _execute(dsn: str, statement: str, *args: Any) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(statement, *args)
    finally:
        await conn.close()


def execute(dsn: str, statement: str, *args: Any) -> None:
    """One statement, committed."""
    asyncio.run(_execute(dsn, statement, *args))


def installation_id(daemon: DaemonProcess) -> str:
    """The daemon's installation id, as its status reports it."""
    return str(fetch(catalog_dsn(daemon), "SELECT installation_id FROM system_settings")[0][0])


def add_target(
    local: DaemonProcess, central: DaemonProcess, token: str, *, machine_name: str = "laptop"
) -> dict[str, Any]:
    """Point the local daemon at central (plain http: loopback is allowed)."""
    status, target = local.request(
        "POST",
        "/api/sync/targets",
        {"url": central.url, "token": token, "machine_name": machine_name},
    )
    assert status == 201, target
    return dict(target)


def start_sync(local: DaemonProcess, **body: Any) -> dict[str, Any]:
    """POST /api/sync/runs; the run as it started."""
    status, run = local.request("POST", "/api/sync/runs", body)
    assert status == 201, run
    return dict(run)


def wait_run(local: DaemonProcess, run_id: str, timeout: float = RUN_TIMEOUT) -> dict[str, Any]:
    """Poll a run until it has ended."""
    deadline = time.monotonic() + timeout
    run: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status, body = local.request("GET", f"/api/sync/runs/{run_id}")
        assert status == 200, body
        run = body
        if run["state"] != "running":
            return run
        time.sleep(0.05)
    raise AssertionError(f"sync run {run_id} still running after {timeout} s: {run}")


def sync_now(local: DaemonProcess, **body: Any) -> dict[str, Any]:
    """One whole push; fails the test unless it succeeded."""
    run = wait_run(local, start_sync(local, **body)["id"])
    assert run["state"] == "succeeded", run
    return run


def new_photos(folder: Path, count: int, *, first_seed: int = 0) -> Path:
    """A folder of `count` new photos, each a picture of its own."""
    for n in range(count):
        write_jpeg(folder / f"IMG_{first_seed + n}.jpg", 640, 480, seed=first_seed + n)
    return folder


def register(daemon: DaemonProcess, folder: Path) -> dict[str, Any]:
    """Register a folder and wait for the session to complete."""
    status, session = daemon.request(
        "POST", "/api/input-sessions", {"name": folder.name, "source_path": str(folder)}
    )
    assert status == 201, session
    done = daemon.wait_session(session["id"], lambda s: s["status"] not in ("pending", "running"))
    assert done["status"] == "completed", done
    return done


def assert_mirrored(local: DaemonProcess, central: DaemonProcess, central_dsn: str) -> None:
    """Central holds exactly the local catalog's rows (no more, no fewer, field-equal),
    and every coldpreview, byte-equal, with no half-written file left."""
    mine = snapshot(catalog_dsn(local))
    theirs = snapshot(central_dsn, installation_id(local))
    for table in TABLES:
        assert theirs[table] == mine[table], f"{table} differs on central"
    rows = fetch(central_dsn, "SELECT hothash, coldpreview_path FROM photos")
    local_paths = {
        row["hothash"]: row["coldpreview_path"]
        for row in fetch(catalog_dsn(local), "SELECT hothash, coldpreview_path FROM photos")
    }
    for row in rows:
        assert row["coldpreview_path"] is not None, f"{row['hothash']}: no coldpreview on central"
        sent = (central.paths.coldpreviews / row["coldpreview_path"]).read_bytes()
        assert sent == (local.paths.coldpreviews / local_paths[row["hothash"]]).read_bytes()
    incoming = central.paths.coldpreviews / ".incoming"
    assert not incoming.exists() or not any(incoming.iterdir()), "half-written files stay"
