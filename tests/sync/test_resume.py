"""A push killed at any moment, on either side, converges on the next one."""

from __future__ import annotations

import shutil
import signal
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from daemon.database import with_database
from daemon.embedded_pg import EmbeddedPostgres
from tests.support.daemon_process import DaemonProcess
from tests.support.images import CORPUS
from tests.support.sync import LinkedLocal
from tests.sync.flows import (
    assert_mirrored,
    execute,
    new_photos,
    register,
    start_sync,
    sync_now,
    wait_run,
)

pytestmark = pytest.mark.process

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


def _kill_point(k: int) -> Callable[[dict[str, Any]], bool]:
    # Odd points while coldpreviews go up, even ones between batches of rows.
    if k % 2:
        return lambda run: run["coldpreviews_sent"] >= 1
    return lambda run: run["rows_sent"] >= 1


@pytest.mark.parametrize("side", ["client", "central"])
def test_a_push_killed_at_ten_points_converges(
    side: str,
    tmp_path: Path,
    central: DaemonProcess,
    central_database_url: str,
    linked_local: LinkedLocal,
) -> None:
    local = linked_local(
        shutil.copytree(CORPUS, tmp_path / "photos"), HOTPREVUE_SYNC_BATCH_ROWS=BATCH_ROWS
    )
    victim = local if side == "client" else central
    landed = 0
    for k in range(KILLS):
        register(local, new_photos(tmp_path / "more" / str(k), 3, first_seed=1000 * k))
        run = start_sync(local)
        if _wait_progress(local, run["id"], _kill_point(k)):
            time.sleep(0.003 * k)
            victim.kill_daemon()
            landed += 1
            victim.start().wait_healthy()
        if side == "central":
            # The push retries while central is away: it succeeds, or fails after its
            # retries; the next push goes on from what central acknowledged.
            assert wait_run(local, run["id"])["state"] in ("succeeded", "failed")
    assert landed >= KILLS - 2, "the push ended before most kills: make it longer"
    sync_now(local)
    assert_mirrored(local, central, central_database_url)


def test_a_central_restored_from_a_backup_is_sent_what_it_lost(
    tmp_path: Path,
    central: DaemonProcess,
    central_pg: EmbeddedPostgres,
    central_database_url: str,
    linked_local: LinkedLocal,
) -> None:
    local = linked_local(new_photos(tmp_path / "photos", 4))
    sync_now(local)
    # The backup: a copy of central's database as it is now (taken while it is stopped).
    backup = f"backup_{uuid.uuid4().hex[:8]}"
    central.signal(signal.SIGTERM)
    original = central_database_url.rsplit("/", 1)[1].split("?")[0]
    execute(central_pg.dsn, f'CREATE DATABASE "{backup}" TEMPLATE "{original}"')
    central.start().wait_healthy()

    # Afterwards the laptop registers, edits and deletes, and pushes all that.
    register(local, new_photos(tmp_path / "later", 3, first_seed=100))
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
