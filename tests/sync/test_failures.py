"""Failed pushes in plain words, retries in sight, and what waits unsynced since when."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.daemon_process import DaemonProcess, cli, free_port
from tests.support.sync import MachineToken, MakeLocal
from tests.sync.flows import add_target, new_photos, register, start_sync, sync_now, wait_run

pytestmark = pytest.mark.process


def test_a_closed_port_is_unreachable_retried_in_sight_and_photos_wait(
    tmp_path: Path, make_local: MakeLocal
) -> None:
    local = make_local("laptop")
    register(local, new_photos(tmp_path / "photos", 3))
    status, _ = local.request(
        "POST",
        "/api/sync/targets",
        {"url": f"http://127.0.0.1:{free_port()}", "token": "hpm_x", "name": "Home server"},
    )
    assert status == 201

    _, before = local.request("GET", "/api/sync/status")
    [waiting] = before["targets"]
    assert waiting["pending_photos"] == 3
    assert datetime.fromisoformat(waiting["unsynced_since"]) <= datetime.now().astimezone()

    run = start_sync(local)
    retry_at = None
    deadline = time.monotonic() + 30
    while retry_at is None and time.monotonic() < deadline:
        _, polled = local.request("GET", f"/api/sync/runs/{run['id']}")
        _, status_body = local.request("GET", "/api/sync/status")
        retry_at = polled["retry_at"] and status_body["targets"][0]["retry_at"]
    assert retry_at is not None, "a run waiting to retry says when"

    failed = wait_run(local, run["id"])
    assert (failed["state"], failed["photos_total"]) == ("failed", 3)
    assert failed["error_kind"] == "unreachable"
    assert failed["error_message"].startswith("Can't reach the central server “Home server”")
    assert failed["error"].startswith("cannot reach http://127.0.0.1:")
    assert failed["retry_at"] is None

    _, after = local.request("GET", "/api/sync/status")
    [target] = after["targets"]
    assert (target["last_error_kind"], target["last_error_message"]) == (
        "unreachable",
        failed["error_message"],
    )
    shown = cli("sync", "targets", "--data-dir", str(local.data_dir))
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert "3 photos, 3 previews" in lines[1]
    assert any("3 photos not yet sent since" in line for line in lines)
    assert any("Can't reach the central server “Home server”" in line for line in lines)
    assert any(line.startswith("  Details: cannot reach http://127.0.0.1:") for line in lines)


def test_a_revoked_token_says_so_and_success_clears_it(
    tmp_path: Path, central: DaemonProcess, make_local: MakeLocal, machine_token: MachineToken
) -> None:
    local = make_local("laptop")
    register(local, new_photos(tmp_path / "photos", 1))
    add_target(local, central, machine_token(central, "laptop"))
    first = sync_now(local)
    assert (first["photos_total"], first["photos_sent"]) == (1, 1)
    assert first["error_kind"] is None
    _, status_body = local.request("GET", "/api/sync/status")
    assert status_body["targets"][0]["unsynced_since"] is None

    on_central = ("--data-dir", str(central.data_dir))
    assert cli("machines", "revoke", "laptop", *on_central).returncode == 0
    refused = cli("sync", "--data-dir", str(local.data_dir))
    assert refused.returncode == 1
    out = refused.stdout
    assert "no longer accepts this computer's token" in out
    assert "\n  Details: the central server refused: central refused the request (401)" in out

    _, status_body = local.request("GET", "/api/sync/status")
    target = status_body["targets"][0]
    assert target["last_error_kind"] == "token_refused"
    assert "no longer accepts this computer's token" in target["last_error_message"]

    add_target_again = local.request("GET", "/api/sync/targets")[1][0]
    assert local.request("DELETE", f"/api/sync/targets/{add_target_again['id']}")[0] == 204
    add_target(local, central, machine_token(central, "laptop again"))
    sync_now(local)
    _, status_body = local.request("GET", "/api/sync/status")
    assert status_body["targets"][0]["last_error_kind"] is None


def test_the_reminder_setting_is_kept_within_its_bounds(make_local: MakeLocal) -> None:
    local = make_local("laptop")
    _, settings = local.request("GET", "/api/settings")
    assert settings["sync_reminder_days"] == 7
    status, changed = local.request("PATCH", "/api/settings", {"sync_reminder_days": 0})
    assert (status, changed["sync_reminder_days"]) == (200, 0)
    for wrong in (-1, 366):
        assert local.request("PATCH", "/api/settings", {"sync_reminder_days": wrong})[0] == 422
