"""The real `hotprevue tray` under Xvfb, docked in trayer, driven by mouse and keyboard."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from daemon.embedded_pg import EmbeddedPostgres
from protocol.local import DataPaths, RuntimeInfo, lock_held
from tests.support.daemon_process import DaemonProcess, clean_env
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
from tray import backend

pytestmark = [pytest.mark.x11, pytest.mark.process]


@pytest.fixture(autouse=True)
def no_daemon_left(tmp_path: Path) -> Iterator[None]:
    """A tray's daemon is detached from it: a failing test must not leave one behind."""
    yield
    data = tmp_path / "data"
    info = RuntimeInfo.read(DataPaths(data).runtime)
    if info is not None and lock_held(data / "daemon.lock"):
        with contextlib.suppress(ProcessLookupError):
            os.kill(info.pid, signal.SIGKILL)
    for proc in EmbeddedPostgres(data / "pgdata").processes():
        with contextlib.suppress(psutil.Error):
            proc.kill()


def test_the_real_tray_docks_opens_its_menu_syncs_and_quits(
    xsession: XSession, tmp_path: Path, database_url: str, refusing_central: RefusingCentral
) -> None:
    data = tmp_path / "data"
    tray = launch_tray(xsession, tmp_path, data, clean_env(DATABASE_URL=database_url))
    icon = docked(xsession)
    client = healthy_client(data)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    xsession.screenshot(ARTIFACTS / "tray-docked.png")

    refusing_central.add_to(client)
    write_jpeg(tmp_path / "photos" / "a.jpg", 640, 480, seed=3)
    client.post_empty("/api/input-sessions", {"name": "a", "source_path": str(tmp_path / "photos")})
    time.sleep(2.5)  # the tray sees the target at its next poll and enables "Sync now"

    menu = open_menu(xsession, icon)
    assert menu.height > 100, "the menu shows its items"
    xsession.screenshot(ARTIFACTS / "tray-menu.png")
    # The status line is not selectable: Down lands on "Sync now", the first action.
    xsession.key("Down", "Return")
    failed = xsession.wait_for(
        lambda: [n for n in xsession.notifications() if n.summary.startswith("Sync to")],
        timeout=30,
        what="the sync's notification",
    )
    assert "failed" in failed[0].summary
    assert "no longer accepts" in failed[0].body

    started = time.monotonic()
    quit_from_menu(xsession, icon)
    assert tray.wait(5) == 0
    assert time.monotonic() - started < 3.5
    xsession.wait_for(lambda: not lock_held(data / "daemon.lock"), 20, "the daemon to stop")


def test_a_second_tray_exits_at_once(xsession: XSession, tmp_path: Path, database_url: str) -> None:
    data = tmp_path / "data"
    first = launch_tray(xsession, tmp_path, data, clean_env(DATABASE_URL=database_url))
    icon = docked(xsession)
    out = tmp_path / "second.out"
    started = time.monotonic()
    second = xsession.launch(
        [sys.executable, "-m", "daemon.cli", "tray", "--data-dir", str(data)],
        name="second",
        stdout=out,
    )
    assert second.wait(10) == 1
    assert time.monotonic() - started < 5
    assert "already running" in out.read_text()
    assert len(xsession.tray_icons()) == 1
    quit_from_menu(xsession, icon)
    assert first.wait(5) == 0


@pytest.mark.parametrize("missing", ["notifier", "session bus"])
def test_without_notifications_the_tray_still_comes_up(
    missing: str, request: pytest.FixtureRequest, tmp_path: Path, database_url: str
) -> None:
    # Without a bus pystray's GTK backend raises at start, then hangs; without a
    # notifier on the bus it starts, but its Quit raised from the notifier.
    env = clean_env(DATABASE_URL=database_url)
    if missing == "notifier":
        session: XSession = request.getfixturevalue("xsession_without_notifier")
    else:
        session = request.getfixturevalue("xsession")
        env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={tmp_path}/no-bus"
    data = tmp_path / "data"
    tray = launch_tray(session, tmp_path, data, env)
    icon = docked(session)
    healthy_client(data)
    log = data / "logs" / "tray.log"
    session.wait_for(
        lambda: "notifications are off" in log.read_text(), timeout=10, what="the log line"
    )
    quit_from_menu(session, icon)
    assert tray.wait(5) == 0


def test_twenty_starts_and_quits_never_hang(
    xsession: XSession, tmp_path: Path, database_url: str, daemons: list[DaemonProcess]
) -> None:
    data = tmp_path / "data"
    daemon = DaemonProcess(data, env=clean_env(DATABASE_URL=database_url))
    daemons.append(daemon)
    daemon.start().wait_healthy()
    for round_ in range(20):
        tray = launch_tray(xsession, tmp_path, data, clean_env(), name=f"tray{round_}")
        icon = docked(xsession)
        quit_from_menu(xsession, icon)
        try:
            assert tray.wait(3.5) == 0
        except subprocess.TimeoutExpired:
            pytest.fail(f"round {round_}: the tray did not quit within 3.5 s")
        xsession.wait_for(lambda: not xsession.tray_icons(), timeout=5, what="the icon to go")
    # The quit deadline ends the process with 0 too: it must never have been needed.
    assert "quit took too long" not in (data / "logs" / "tray.log").read_text()
    assert daemon.proc is not None
    assert daemon.proc.poll() is None, "the adopted daemon outlives every tray"


def test_without_a_display_the_tray_says_so(tmp_path: Path) -> None:
    env = clean_env()
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("PYSTRAY_BACKEND", None)
    result = subprocess.run(
        [sys.executable, "-m", "daemon.cli", "tray", "--data-dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "no graphical session here" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_pygobject_the_tray_names_the_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("PYSTRAY_BACKEND", raising=False)
    monkeypatch.setitem(sys.modules, "gi", None)  # what a Python without PyGObject raises
    with pytest.raises(backend.TrayUnavailable) as raised:
        backend.load()
    message = str(raised.value)
    assert "PyGObject cannot load" in message
    assert "libgirepository1.0-dev libcairo2-dev pkg-config gir1.2-gtk-3.0" in message
    assert "hotprevue[tray]" in message

    # A compiled program carries PyGObject: only the system's GTK is left to install.
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    with pytest.raises(backend.TrayUnavailable) as raised:
        backend.load()
    message = str(raised.value)
    assert "sudo apt-get install gir1.2-gtk-3.0 libgirepository-1.0-1\n" in message
    assert "pip" not in message


def test_sigterm_quits_like_the_menu(xsession: XSession, tmp_path: Path, database_url: str) -> None:
    # What a session closing or a `kill` sends: the tray stops the daemon it started.
    data = tmp_path / "data"
    tray = launch_tray(xsession, tmp_path, data, clean_env(DATABASE_URL=database_url))
    docked(xsession)
    healthy_client(data)
    started = time.monotonic()
    tray.send_signal(signal.SIGTERM)
    assert tray.wait(5) == 0
    assert time.monotonic() - started < 3.5
    xsession.wait_for(lambda: not lock_held(data / "daemon.lock"), 20, "the daemon to stop")
    assert "quit on SIGTERM" in (data / "logs" / "tray.log").read_text()


def test_open_hotprevue_opens_the_web_ui_signed_in(
    xsession: XSession, tmp_path: Path, database_url: str
) -> None:
    # The desktop's browser is whatever $BROWSER names: here a script that notes the URL.
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    data = tmp_path / "data"
    env = clean_env(DATABASE_URL=database_url, BROWSER=f"{browser} %s")
    tray = launch_tray(xsession, tmp_path, data, env)
    icon = docked(xsession)
    client = healthy_client(data)
    time.sleep(1.5)  # the tray sees its daemon ready at its next poll
    open_menu(xsession, icon)
    # From the bottom: Quit, Stop, Start at login, Open log, Open data folder, Open Hotprevue.
    xsession.key(*["Up"] * 6, "Return")
    xsession.wait_for(opened.exists, timeout=10, what="the browser to be started")
    url = opened.read_text().strip()
    assert url.startswith(f"{client.base_url}/login#"), url
    body = json.dumps({"link_token": url.partition("#")[2]}).encode()
    request = urllib.request.Request(
        f"{client.base_url}/api/ui/sessions",
        data=body,
        headers={"Origin": client.base_url, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 201
        assert "hotprevue_session_" in response.headers["Set-Cookie"]
    quit_from_menu(xsession, icon)
    assert tray.wait(5) == 0
