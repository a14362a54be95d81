"""The X session harness, proven with a bare pystray GTK icon run as its own process."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.tray.xsession import Geometry, XSession

pytestmark = pytest.mark.x11

# A minimal tray program: the real icon for "error" (red badge), a menu whose first item
# writes a marker file, and an optional notification once the icon is shown.
PROBE = """
import sys
from pathlib import Path

import pystray

from tray.icons import icon_image

marker = Path(sys.argv[1])
message = sys.argv[2] if len(sys.argv) > 2 else ""


def mark(icon, item):
    marker.write_text("activated")


def setup(icon):
    icon.visible = True
    if message:
        icon.notify(message, "Probe")


menu = pystray.Menu(pystray.MenuItem("Mark", mark), pystray.MenuItem("Quit", lambda i, _: i.stop()))
pystray.Icon("probe", icon_image("error"), "Probe", menu=menu).run(setup)
"""


def _probe(
    session: XSession, tmp_path: Path, *args: str, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    argv = [sys.executable, str(script), str(tmp_path / "marker"), *args]
    return session.launch(argv, name="probe", extra_env=extra_env)


def _docked_icon(session: XSession) -> Geometry:
    icons = session.wait_for(session.tray_icons, what="the probe icon in the tray")
    assert len(icons) == 1
    return icons[0]


def test_icon_docks_in_the_tray_and_is_painted(xsession: XSession, tmp_path: Path) -> None:
    assert xsession.tray_icons() == []
    _probe(xsession, tmp_path)
    icon = _docked_icon(xsession)
    assert 16 <= icon.width <= 64
    assert 16 <= icon.height <= 64

    def red_badge() -> bool:
        shot = xsession.screenshot(tmp_path / "screen.png")
        region = shot.crop((icon.x, icon.y, icon.x + icon.width, icon.y + icon.height))
        raw = region.tobytes()
        pixels = [raw[i : i + 3] for i in range(0, len(raw), 3)]
        # The badge of the "error" icon is red; the tray panel around it has none.
        red = [p for p in pixels if p[0] > 150 and p[1] < 90 and p[2] < 90]
        return len(red) >= len(pixels) // 10

    # Docked is not yet painted: on a busy machine the first frame comes a moment later.
    xsession.wait_for(red_badge, timeout=10, what="the red badge where the icon sits")


def test_right_click_opens_the_menu_and_keys_pick_an_item(
    xsession: XSession, tmp_path: Path
) -> None:
    _probe(xsession, tmp_path)
    icon = _docked_icon(xsession)
    assert xsession.visible_menu() is None

    xsession.click(*icon.centre, button=3)
    menu = xsession.wait_for(xsession.visible_menu, what="the popup menu")
    assert menu.width > 0
    assert menu.height > 0

    xsession.key("Down", "Return")
    marker = tmp_path / "marker"
    xsession.wait_for(marker.exists, what="the menu item to write its marker")
    assert marker.read_text() == "activated"
    xsession.wait_for(lambda: xsession.visible_menu() is None, what="the menu to close")


def test_notify_reaches_the_notifier(xsession: XSession, tmp_path: Path) -> None:
    _probe(xsession, tmp_path, "Photos are safe")
    shown = xsession.wait_for(xsession.notifications, what="the notification")
    assert [(n.summary, n.body, n.error) for n in shown] == [("Probe", "Photos are safe", None)]


def test_without_a_notifier_notify_is_lost_silently(
    xsession_without_notifier: XSession, tmp_path: Path
) -> None:
    session = xsession_without_notifier
    probe = _probe(session, tmp_path, "Photos are safe")
    _docked_icon(session)
    refused = session.wait_for(
        lambda: session.notifications(failed=True), what="the refused Notify call"
    )
    # The bus refuses the call, pystray's main-loop wrapper swallows the error: the icon
    # keeps running and nothing tells the program that its notification went nowhere.
    assert [n.error for n in refused] == ["org.freedesktop.DBus.Error.ServiceUnknown"]
    assert session.notifications() == []
    assert probe.poll() is None
    assert "Error" not in session.log("probe")


def test_without_a_session_bus_the_gtk_icon_fails_to_start(
    xsession_without_notifier: XSession, tmp_path: Path
) -> None:
    # A bus address that leads nowhere, as when the session bus went away. No address at
    # all is not tried: GLib would then autolaunch a bus of its own through dbus-launch.
    session = xsession_without_notifier
    dead = {"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path / 'no-bus'}"}
    probe = _probe(session, tmp_path, extra_env=dead)
    session.wait_for(lambda: "GError" in session.log("probe"), what="run() to raise")
    log = session.log("probe")
    assert "self._notifier = notify_dbus.Notifier()" in log
    assert "gi.repository.GLib.GError: g-io-error-quark: Could not connect" in log
    # run() raised, yet the process lives on: pystray's setup thread (not a daemon
    # thread) still waits for a "ready" that never comes. Nothing was docked.
    time.sleep(0.5)
    assert probe.poll() is None
    assert session.tray_icons() == []
