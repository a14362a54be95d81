"""The icon state and status line for each situation the tray can be in."""

from __future__ import annotations

import uuid
from datetime import timedelta

from protocol.sync_targets import SyncRun, SyncStatus
from tests.support.tray_status import NOW, activity, folder, running, session, target
from tray.menu import model
from tray.status import Snapshot, describe


def test_idle_and_synced_says_how_many_and_when() -> None:
    status = describe(running(activity(sync=SyncStatus(targets=[target()]))))
    assert status.icon == "idle"
    assert status.line == "All 12,408 photos registered and synced · last sync 2 h ago"


def test_idle_without_a_target_says_so() -> None:
    status = describe(running(activity(photo_count=1)))
    assert (status.icon, status.line) == ("idle", "All 1 photo registered · no sync target set up")


def test_registering_shows_progress_and_rate() -> None:
    status = describe(running(activity(sessions=[session()])))
    assert (status.icon, status.line) == ("working", "Registering 140/2,000 · 18/s")


def test_registering_before_the_count_is_known_shows_files_found() -> None:
    status = describe(running(activity(sessions=[session(groups_total=None, rate=None)])))
    assert status.line == "Registering · 2,100 files found"


def test_sync_running_shows_its_progress() -> None:
    t = target(running=uuid.uuid4(), pending_photos=300)
    run = SyncRun(
        id=t.running,  # type: ignore[arg-type]
        target_id=t.id,
        target_name=t.name,
        state="running",
        started_at=NOW,
        finished_at=None,
        rows_total=5000,
        rows_sent=1200,
        photos_sent=1000,
        coldpreviews_wanted=0,
        coldpreviews_sent=0,
        bytes_sent=0,
        retries=0,
        refused=[],
        error=None,
        photos_total=3000,
    )
    snapshot = running(activity(sync=SyncStatus(targets=[t])), runs=(run,))
    # Photos, not rows: the user counts photos.
    assert describe(snapshot).line == "Syncing to central.example 1,000/3,000 photos"
    assert model(snapshot).sync[0].enabled is False


def test_pending_photos_need_attention() -> None:
    status = describe(running(activity(sync=SyncStatus(targets=[target(pending_photos=340)]))))
    assert (status.icon, status.line) == (
        "attention",
        "340 photos not yet synced to central.example",
    )


def test_missing_files_and_offline_folders_need_attention() -> None:
    status = describe(running(activity(files_missing=3, watched_folders=[folder("offline")])))
    assert status.icon == "attention"
    assert status.line == "Watched folder Inbox is offline · 3 files missing"


def test_a_failed_sync_is_an_error_until_a_later_success() -> None:
    failed = target(last_error="401: token revoked", last_error_at=NOW - timedelta(minutes=1))
    status = describe(running(activity(sync=SyncStatus(targets=[failed]))))
    assert status.icon == "error"
    assert status.line == "Sync to central.example failed: 401: token revoked"
    recovered = target(
        last_error="401: token revoked",
        last_error_at=NOW - timedelta(hours=3),
        last_success_at=NOW - timedelta(hours=1),
    )
    assert describe(running(activity(sync=SyncStatus(targets=[recovered])))).icon == "idle"


def test_daemon_phases() -> None:
    assert describe(Snapshot(phase="starting")).line == "Starting Hotprevue…"
    restarting = describe(Snapshot(phase="starting", restarts=2))
    assert (restarting.icon, restarting.line) == (
        "starting",
        "Restarting Hotprevue (attempt 2 of 3)…",
    )
    assert describe(Snapshot(phase="failed")).icon == "error"
    assert describe(Snapshot(phase="stopped")).icon == "error"
    unreachable = describe(Snapshot(phase="unreachable", detail="no answer"))
    assert unreachable.line == "Hotprevue is not answering: no answer"


def test_notifications_off_is_said_in_the_status_line() -> None:
    status = describe(running(activity(), notifications_off="ServiceUnknown"))
    assert status.line.endswith(" · notifications off")


def test_sync_menu_entries() -> None:
    none = model(running(activity()))
    assert [(i.text, i.enabled) for i in none.sync] == [
        ("Sync now (no central server set up)", False)
    ]
    down = model(Snapshot(phase="stopped"))
    assert down.sync[0].enabled is False
    assert down.daemon_action == "start"
    assert model(Snapshot(phase="failed")).daemon_action == "restart"
    two = model(running(activity(sync=SyncStatus(targets=[target(name="a"), target(name="b")]))))
    assert [i.text for i in two.sync] == ["Sync to a", "Sync to b", "Sync to all"]
    assert all(i.enabled for i in two.sync)


def test_the_model_changes_only_when_what_is_shown_changes() -> None:
    first = model(running(activity()))
    assert model(running(activity())) == first
    assert model(running(activity(photo_count=12409))) != first


def test_a_watched_folders_burst_counts_its_new_photos_in_that_folder() -> None:
    inbox = folder("watching", "/photos/Inbox")
    burst = session(watched_folder_id=inbox.id, groups_total=5, groups_done=3, rate=None)
    status = describe(running(activity(sessions=[burst], watched_folders=[inbox])))
    assert status.line == "Registering 3 of 5 new photos in Inbox"
    fed = session(watched_folder_id=inbox.id, groups_total=None, files_found=0, rate=None)
    status = describe(running(activity(sessions=[fed], watched_folders=[inbox])))
    assert status.line == "Registering new photos in Inbox…"
