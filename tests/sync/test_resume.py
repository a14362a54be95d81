"""A push killed at any moment, on either side, converges on the next one."""

from __future__ import annotations

import asyncio
import shutil
import signal
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg

from daemon.database import with_database
from daemon.embedded_pg import EmbeddedPostgres
from tests.daemon_process import DaemonProcess
from tests.images import CORPUS, write_jpeg
from tests.sync.flows import add_target, assert_mirrored, register, start_sync, sync_now, wait_run

MakeLocal = Callable[..., DaemonProcess]
MachineToken = Callable[[DaemonProcess, str], str]
KILLS = 10
# Small batches: the corpus then takes dozens of them, so each kill lands mid-push.
BATCH_ROWS = "3"


def _wait_progress(
    local: DaemonProcess, run_id: str, ready: Callable[[dict[str, Any]], bool]
) -> bool:
    """Until the run shows the wanted progress; False if it ended first."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status, run = local.request("GET", f"/api/sync/runs/{run_id}")
        assert status == 200, run
        if run["state"] != "running":
            return False
        if ready(run):
            return True
        time.sleep(0.005)
    raise AssertionError(f"run {run_id} made no progress")


def _more_work(local: DaemonProcess, root: Path, k: int) -> None:
    """New photos for the next push, so that every kill lands in a push with work left."""
    folder = root / f"batch-{k}"
    folder.mkdir(parents=True)
    for n in range(3):
        write_jpeg(folder / f"IMG_{k}_{n}.jpg", 900, 600, seed=1000 * k + n)
    register(local, folder)


def _kill_point(k: int) -> Callable[[dict[str, Any]], bool]:
    # Odd points while coldpreviews go up, even ones between batches of rows.
    if k % 2:
        return lambda run: run["coldpreviews_sent"] >= 1
    return lambda run: run["rows_sent"] >= 1


def test_client_killed_at_ten_points_converges(
    tmp_path: Path,
    central: DaemonProcess,
    central_database_url: str,
    make_local: MakeLocal,
    machine_token: MachineToken,
) -> None:
    local = make_local("laptop", HOTPREVUE_SYNC_BATCH_ROWS=BATCH_ROWS)
    register(local, shutil.copytree(CORPUS, tmp_path / "photos"))
    add_target(local, central, machine_token(central, "laptop"))
    landed = 0
    for k in range(KILLS):
        _more_work(local, tmp_path / "more", k)
        run = start_sync(local)
        if _wait_progress(local, run["id"], _kill_point(k)):
            time.sleep(0.003 * k)
            local.kill_daemon()
            landed += 1
        local.start().wait_healthy()
    assert landed >= KILLS - 2, "the push ended before most kills: make it longer"
    sync_now(local)
    assert_mirrored(local, central, central_database_url)


def test_central_killed_at_ten_points_converges(
    tmp_path: Path,
    central: DaemonProcess,
    central_database_url: str,
    make_local: MakeLocal,
    machine_token: MachineToken,
) -> None:
    local = make_local("laptop", HOTPREVUE_SYNC_BATCH_ROWS=BATCH_ROWS)
    register(local, shutil.copytree(CORPUS, tmp_path / "photos"))
    add_target(local, central, machine_token(central, "laptop"))
    landed = 0
    for k in range(KILLS):
        _more_work(local, tmp_path / "more", k)
        run = start_sync(local)
        if _wait_progress(local, run["id"], _kill_point(k)):
            time.sleep(0.003 * k)
            central.kill_daemon()
            landed += 1
            central.start().wait_healthy()
        # The push retries while central is away: it succeeds, or fails after its retries.
        assert wait_run(local, run["id"])["state"] in ("succeeded", "failed")
    assert landed >= KILLS - 2, "the push ended before most kills: make it longer"
    sync_now(local)
    assert_mirrored(local, central, central_database_url)


def test_a_central_restored_from_a_backup_is_sent_what_it_lost(
    tmp_path: Path,
    central: DaemonProcess,
    central_pg: EmbeddedPostgres,
    central_database_url: str,
    make_local: MakeLocal,
    machine_token: MachineToken,
) -> None:
    local = make_local("laptop")
    folder = tmp_path / "photos"
    for n in range(4):
        write_jpeg(folder / f"IMG_{n}.jpg", 640, 480, seed=n)
    register(local, folder)
    add_target(local, central, machine_token(central, "laptop"))
    sync_now(local)
    # The backup: a copy of central's database as it is now (taken while it is stopped).
    backup = f"backup_{uuid.uuid4().hex[:8]}"
    central.signal(signal.SIGTERM)
    original = central_database_url.rsplit("/", 1)[1].split("?")[0]
    _sql(central_pg.dsn, f'CREATE DATABASE "{backup}" TEMPLATE "{original}"')
    central.start().wait_healthy()

    # Afterwards the laptop registers, edits and deletes, and pushes all that.
    register(local, _more_photos(tmp_path / "later", 3))
    _, page = local.request("GET", "/api/photos?limit=100")
    first, second = page[0]["hothash"], page[1]["hothash"]
    assert local.request("PATCH", f"/api/photos/{first}", {"rating": 4})[0] == 200
    assert local.request("POST", f"/api/photos/{second}/delete")[0] == 200
    assert local.request("POST", "/api/photos/empty-trash")[0] == 200
    sync_now(local)

    # Central comes back from the backup: it lacks all of that, and says so.
    central.signal(signal.SIGTERM)
    restored = with_database(central_database_url, backup)
    central.env["DATABASE_URL"] = restored
    central.start().wait_healthy()
    run = sync_now(local)
    assert run["rows_sent"] > 0
    assert_mirrored(local, central, restored)


def _more_photos(folder: Path, count: int) -> Path:
    for n in range(count):
        write_jpeg(folder / f"LATER_{n}.jpg", 640, 480, seed=100 + n)
    return folder


def _sql(dsn: str, statement: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())
