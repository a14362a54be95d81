"""The tray's issue items under a real X server: GTK's folder chooser, a failed sync's
notification (its icon, its Retry action) and the menu's words."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from protocol.input_sessions import InputSession
from tests.support.daemon_process import clean_env
from tests.support.images import write_jpeg
from tests.support.tray import (
    ARTIFACTS,
    docked,
    healthy_client,
    launch_tray,
    open_menu,
    quit_from_menu,
)
from tests.tray.central import RefusingCentral
from tests.tray.xsession import XSession

pytestmark = pytest.mark.x11

CHOOSER_TITLE = "Register the photos in a folder"


def test_register_folder_uses_gtks_chooser_and_starts_the_session(
    xsession: XSession, tmp_path: Path, database_url: str
) -> None:
    # No zenity or kdialog on the path: the chooser must be GTK's own.
    photos = tmp_path / "photos"
    write_jpeg(photos / "a.jpg", 640, 480, seed=5)
    data = tmp_path / "data"
    env = clean_env(DATABASE_URL=database_url, PATH="/usr/bin:/bin")
    env["HOME"] = str(tmp_path)
    tray = launch_tray(xsession, tmp_path, data, env)
    icon = docked(xsession)
    client = healthy_client(data)
    log = data / "logs" / "tray.log"
    xsession.wait_for(lambda: log.exists(), timeout=10, what="the tray's log")
    time.sleep(1.5)  # the tray sees its daemon ready at its next poll
    open_menu(xsession, icon)
    # From the bottom: Quit, Stop, Start at login, Open log, Open data folder,
    # Open Hotprevue, Watched folders, Register folder….
    xsession.key(*["Up"] * 8, "Return")
    chooser = xsession.wait_for(
        lambda: xsession.window_named(CHOOSER_TITLE), timeout=15, what="GTK's folder chooser"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    xsession.screenshot(ARTIFACTS / "folder_chooser_after.png")
    xsession.focus(chooser)
    xsession.key("ctrl+l")
    xsession.type_text(str(photos))
    xsession.key("Return")
    sessions = xsession.wait_for(
        lambda: [
            s
            for s in client.get("/api/input-sessions", list[InputSession])
            if s.source_path == str(photos)
        ],
        timeout=20,
        what="the session the chooser started",
    )
    assert sessions[0].name == "photos"
    xsession.wait_for(
        lambda: [n for n in xsession.notifications() if n.summary == "Registering"],
        timeout=10,
        what="the Registering notification",
    )
    quit_from_menu(xsession, icon)
    assert tray.wait(5) == 0


def test_a_failed_sync_notifies_with_its_icon_and_a_retry(
    xsession: XSession, tmp_path: Path, database_url: str, refusing_central: RefusingCentral
) -> None:
    data = tmp_path / "data"
    tray = launch_tray(xsession, tmp_path, data, clean_env(DATABASE_URL=database_url))
    icon = docked(xsession)
    client = healthy_client(data)
    refusing_central.add_to(client)
    write_jpeg(tmp_path / "photos" / "a.jpg", 640, 480, seed=3)
    client.post_empty("/api/input-sessions", {"name": "a", "source_path": str(tmp_path / "photos")})
    log = data / "logs" / "tray.log"
    xsession.wait_for(lambda: log.exists(), timeout=10, what="the tray's log")
    time.sleep(2.5)  # the tray sees the target at its next poll and enables "Sync now"
    open_menu(xsession, icon)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    xsession.screenshot(ARTIFACTS / "menu_after.png")
    xsession.key("Down", "Return")
    failed = xsession.wait_for(
        lambda: [n for n in xsession.notifications() if n.summary.endswith("failed")],
        timeout=30,
        what="the sync's notification",
    )[0]
    assert failed.summary.startswith("Sync to ")
    assert "no longer accepts" in failed.body
    # The icon is the state the notification reports, not whatever the tray showed.
    assert Path(failed.icon).name == "error.png"
    assert Path(failed.icon).is_file()
    assert failed.actions == (("retry", "Retry"),)
    time.sleep(0.5)  # dunst draws the notification after answering the call
    xsession.screenshot(ARTIFACTS / "failed_sync_notification_after.png")

    # The menu offers the retry too, whatever the notifier does with actions.
    menu = open_menu(xsession, icon)
    assert menu.height > 100
    xsession.screenshot(ARTIFACTS / "menu_after_failed_sync.png")
    xsession.key("Down", "Return")
    xsession.wait_for(
        lambda: len([n for n in xsession.notifications() if n.summary.endswith("failed")]) > 1,
        timeout=30,
        what="the retried sync's notification",
    )
    quit_from_menu(xsession, icon)
    assert tray.wait(5) == 0
