"""The tray's logic against real daemons, with pystray's dummy backend made to run."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from daemon.config import load_settings
from daemon.embedded_pg import EmbeddedPostgres
from protocol.local import RuntimeInfo, lock_held
from tests.support.daemon_process import DaemonProcess, clean_env, cli
from tests.support.images import write_jpeg
from tests.tray.central import RefusingCentral
from tests.tray.headless import BACKEND, find_item, menu_texts, wait_for
from tray import desktop
from tray.app import TrayApp
from tray.control import DaemonControl, RestartBudget

pytestmark = pytest.mark.process

MakeTray = Callable[..., TrayApp]


@pytest.fixture(autouse=True)
def private_autostart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tray reads "Start at login" each poll: never from the user's own config."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def make_tray(tmp_path: Path) -> Iterator[MakeTray]:
    """Trays on their own threads; each is quit and its daemon killed afterwards."""
    made: list[tuple[TrayApp, threading.Thread]] = []

    def make(data_dir: Path, env: dict[str, str], budget: RestartBudget | None = None) -> TrayApp:
        settings = load_settings(data_dir=data_dir, env={})
        app = TrayApp(BACKEND, settings, DaemonControl(settings, env=env))
        if budget is not None:
            app.worker.budget = budget
        thread = threading.Thread(target=app.run, daemon=True)
        thread.start()
        made.append((app, thread))
        return app

    yield make
    for app, thread in made:
        app.quit()
        thread.join(10)
        info = RuntimeInfo.read(app.settings.paths.runtime)
        if info is not None and app.worker.control.owned:
            with contextlib.suppress(ProcessLookupError):
                os.kill(info.pid, signal.SIGKILL)
        for proc in EmbeddedPostgres(app.settings.paths.pgdata).processes():
            with contextlib.suppress(psutil.Error):
                proc.kill()


def daemon_env(database_url: str) -> dict[str, str]:
    """A daemon on the test's database (fast to start) at a free port."""
    return clean_env(HOTPREVUE_PORT="0", DATABASE_URL=database_url)


def phase(app: TrayApp, wanted: str, timeout: float = 60) -> None:
    wait_for(lambda: app.worker.snapshot.phase == wanted, timeout, f"phase {wanted}")


def kill_daemon(app: TrayApp) -> int:
    info = RuntimeInfo.read(app.settings.paths.runtime)
    assert info is not None
    os.kill(info.pid, signal.SIGKILL)
    wait_for(lambda: not lock_held(app.settings.paths.lock), 10, "the killed daemon's lock")
    return info.pid


def test_a_running_daemon_is_adopted_and_left_running_on_quit(
    tmp_path: Path, database_url: str, daemons: list[DaemonProcess], make_tray: MakeTray
) -> None:
    daemon = DaemonProcess(tmp_path / "data", env=clean_env(DATABASE_URL=database_url))
    daemons.append(daemon)
    daemon.start().wait_healthy()
    app = make_tray(tmp_path / "data", daemon_env(database_url))
    phase(app, "running")
    assert app.worker.snapshot.owned is False
    assert app.model.icon == "idle"
    assert app.model.status == "All 0 photos registered · no sync target set up"
    menu = app.icon.menu
    assert menu_texts(menu)[0] == app.model.status
    assert find_item(menu, "Stop Hotprevue").enabled

    started = time.monotonic()
    app.quit()
    assert app.icon.stopped.wait(3)
    assert time.monotonic() - started < 3
    time.sleep(1)
    assert daemon.proc is not None
    assert daemon.proc.poll() is None, "an adopted daemon was stopped"


def test_a_daemon_it_started_is_stopped_on_quit_with_its_postgresql(
    tmp_path: Path, make_tray: MakeTray
) -> None:
    data = tmp_path / "data"
    app = make_tray(data, clean_env(HOTPREVUE_PORT="0"))
    wait_for(lambda: app.model.status == "Starting Hotprevue…", 10, "Starting…")
    phase(app, "running")
    assert app.worker.snapshot.owned is True
    assert EmbeddedPostgres(data / "pgdata").processes(), "the embedded PostgreSQL runs"

    started = time.monotonic()
    app.quit()
    assert app.icon.stopped.wait(3)
    wait_for(lambda: not lock_held(data / "daemon.lock"), 20, "the daemon to stop")
    wait_for(lambda: not EmbeddedPostgres(data / "pgdata").processes(), 20, "PostgreSQL to stop")
    assert time.monotonic() - started < 20


def test_a_killed_daemon_is_restarted_three_times_then_the_tray_gives_up(
    tmp_path: Path, database_url: str, make_tray: MakeTray
) -> None:
    app = make_tray(tmp_path / "data", daemon_env(database_url))
    phase(app, "running")
    pids = set()
    for attempt in (1, 2, 3):
        pids.add(kill_daemon(app))
        wait_for(
            lambda attempt=attempt: app.worker.snapshot.restarts == attempt,  # type: ignore[misc]
            10,
            f"restart {attempt}",
        )
        phase(app, "running")
    pids.add(kill_daemon(app))
    phase(app, "failed", 10)
    assert len(pids) == 4, "each restart is a new daemon"
    assert app.model.icon == "error"
    assert app.model.status.startswith("Hotprevue stopped unexpectedly 3 times")
    restart = find_item(app.icon.menu, "Restart Hotprevue")
    time.sleep(1.5)
    assert not lock_held(app.settings.paths.lock), "no fourth restart by itself"

    restart(app.icon)
    phase(app, "running")
    assert app.worker.snapshot.restarts == 0


def test_stop_from_the_menu_stays_stopped_until_start(tmp_path: Path, make_tray: MakeTray) -> None:
    # The embedded PostgreSQL makes the stop take seconds: polls during it must not
    # take the stopping daemon for one that crashed.
    app = make_tray(tmp_path / "data", clean_env(HOTPREVUE_PORT="0"))
    phase(app, "running")
    find_item(app.icon.menu, "Stop Hotprevue")(app.icon)
    phase(app, "stopped", 30)
    assert app.worker.snapshot.detail == "stopped from the menu"
    assert app.model.icon == "error"
    assert not EmbeddedPostgres(tmp_path / "data" / "pgdata").processes()
    time.sleep(1.5)
    assert not lock_held(app.settings.paths.lock), "a stopped daemon is not restarted"
    assert not find_item(app.icon.menu, "Register folder").enabled
    find_item(app.icon.menu, "Start Hotprevue")(app.icon)
    phase(app, "running")


def test_quit_leaves_a_daemon_started_outside_after_its_own_was_stopped(
    tmp_path: Path, database_url: str, daemons: list[DaemonProcess], make_tray: MakeTray
) -> None:
    data = tmp_path / "data"
    app = make_tray(data, daemon_env(database_url))
    phase(app, "running")
    started = app.worker.snapshot
    assert started.owned
    stopped = cli("stop", "--data-dir", str(data))
    assert stopped.returncode == 0, stopped.stderr
    phase(app, "stopped", 30)
    assert app.worker.snapshot.detail == "stopped outside the tray"
    time.sleep(1.5)
    assert not lock_held(app.settings.paths.lock), "a clean stop is not a crash"

    daemon = DaemonProcess(data, env=clean_env(DATABASE_URL=database_url))
    daemons.append(daemon)
    daemon.start().wait_healthy()
    phase(app, "running")
    adopted = app.worker.snapshot
    assert not adopted.owned
    app.quit()
    assert app.icon.stopped.wait(3)
    time.sleep(1)
    assert daemon.proc is not None
    assert daemon.proc.poll() is None, "Quit stopped a daemon the tray did not start"


def test_register_folder_uses_the_platform_picker_or_says_what_to_do(
    tmp_path: Path, database_url: str, make_tray: MakeTray, monkeypatch: pytest.MonkeyPatch
) -> None:
    photos = tmp_path / "photos"
    write_jpeg(photos / "a.jpg", 640, 480, seed=4)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    app = make_tray(tmp_path / "data", daemon_env(database_url))
    phase(app, "running")

    find_item(app.icon.menu, "Register folder")(app.icon)
    wait_for(lambda: app.model.status == desktop.NO_PICKER, 10, "the instruction")

    # zenity is what GNOME desktops have; this one picks the folder at once.
    zenity = bin_dir / "zenity"
    zenity.write_text(f"#!/bin/sh\necho '{photos}'\n")
    zenity.chmod(0o755)
    app.worker.tell("", 0)
    find_item(app.icon.menu, "Register folder")(app.icon)
    wait_for(lambda: app.model.status.startswith("All 1 photo registered"), 60, "the photo")


def test_registering_shows_progress_then_all_safe(
    tmp_path: Path, database_url: str, make_tray: MakeTray
) -> None:
    # One big photo in many copies: every copy is decoded (duplicates are found by their
    # hothash), so the session runs for seconds without making each file first.
    photos = tmp_path / "photos"
    first = write_jpeg(photos / "IMG_0000.jpg", 4000, 3000, seed=1)
    for index in range(1, 40):
        shutil.copyfile(first, photos / f"IMG_{index:04}.jpg")
    app = make_tray(tmp_path / "data", daemon_env(database_url))
    phase(app, "running")
    seen: list[str] = []

    def finished() -> bool:
        app.worker.poll_once()
        seen.append(app.model.status)
        return app.model.status.startswith("Registered “photos” with problems")

    app.worker.register_folder(photos)
    wait_for(finished, 120, "the session to end")
    assert any(line.startswith("Registering") for line in seen), seen
    # The copies are duplicates: said in the status line until the user has seen it.
    told = app.model
    assert told.status.endswith("1 registered, 39 duplicates"), told.status
    assert told.icon == "attention"
    app.worker.seen()
    app.worker.poll_once()
    seen_now = app.model
    assert seen_now.status.startswith("All 1 photo registered")
    assert seen_now.icon == "idle"
    assert ("Registering", f"{photos} — progress shows in the menu") in app.icon.notifications


def test_sync_now_from_the_menu_pending_then_failed_with_a_notification(
    tmp_path: Path, database_url: str, make_tray: MakeTray, refusing_central: RefusingCentral
) -> None:
    server = refusing_central
    photos = tmp_path / "photos"
    write_jpeg(photos / "a.jpg", 640, 480, seed=1)
    app = make_tray(tmp_path / "data", daemon_env(database_url))
    phase(app, "running")
    assert find_item(app.icon.menu, "Sync now").enabled is False
    server.add_to(app.worker._client())
    session = app.worker.register_folder(photos)
    wait_for(lambda: app.worker.poll_once() and app.model.icon == "attention", 60, "attention")
    name = f"127.0.0.1:{server.server_port}"
    assert app.model.status == f"1 photo not yet synced to {name}"

    find_item(app.icon.menu, "Sync now")(app.icon)
    wait_for(lambda: app.model.icon == "error", 30, "the failed sync")
    assert app.model.status.startswith(f"Sync to {name} failed:")
    # The plain sentence, not the HTTP status.
    assert "no longer accepts this computer's token" in app.model.status
    wait_for(
        lambda: any(
            title == f"Sync to {name} failed" and "no longer accepts" in text
            for title, text in app.icon.notifications
        ),
        10,
        "the failure's notification",
    )
    assert session.id


def test_the_menu_is_updated_only_when_what_it_shows_changes(
    tmp_path: Path, database_url: str, make_tray: MakeTray
) -> None:
    app = make_tray(tmp_path / "data", daemon_env(database_url))
    phase(app, "running")
    time.sleep(1.1)
    before = (app.icon.menu_updates, app.updates)
    time.sleep(2.1)
    assert (app.icon.menu_updates, app.updates) == before
    write_jpeg(tmp_path / "photos" / "one.jpg", 640, 480, seed=2)
    app.worker.register_folder(tmp_path / "photos")
    wait_for(lambda: app.model.status.startswith("All 1 photo "), 60, "the new photo")
    assert app.icon.menu_updates > before[0]


def test_a_wrong_or_unreadable_api_key_is_an_error_not_a_crash(
    tmp_path: Path, database_url: str, make_tray: MakeTray
) -> None:
    app = make_tray(tmp_path / "data", daemon_env(database_url))
    phase(app, "running")
    key = app.settings.paths.api_key
    original = key.read_text()
    key.write_text("x" * 40)
    phase(app, "unreachable", 10)
    refused = app.model
    assert refused.icon == "error"
    assert "401" in refused.status
    key.unlink()
    wait_for(lambda: "api_key" in app.model.status, 10, "the unreadable key in the status")
    key.write_text(original)
    phase(app, "running", 10)
    assert app.model.icon == "idle"


def test_a_database_a_killed_daemon_left_is_stopped(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    daemon = DaemonProcess(tmp_path / "data", env=clean_env())
    daemons.append(daemon)
    daemon.start().wait_healthy()
    daemon.kill_daemon()
    assert daemon.postgres(), "PostgreSQL outlives a killed daemon"
    settings = load_settings(data_dir=daemon.data_dir, env={})
    DaemonControl(settings, env=clean_env()).stop_database()
    assert daemon.postgres() == []


def test_a_running_daemons_database_is_left_alone(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    # A daemon started meanwhile (from a terminal, say) holds the data directory: what
    # the tray stops after one of its own died is no one's but that daemon's.
    daemon = DaemonProcess(tmp_path / "data", env=clean_env())
    daemons.append(daemon)
    daemon.start().wait_healthy()
    settings = load_settings(data_dir=daemon.data_dir, env={})
    DaemonControl(settings, env=clean_env()).stop_database()
    assert daemon.postgres()
    assert daemon.request("GET", "/api/categories")[0] == 200
    assert daemon.proc is not None
    assert daemon.proc.poll() is None
