"""The real `hotprevue tray` in a private X session: started, docked, its menu, its daemon."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

from protocol.client import DaemonClient
from protocol.local import DataPaths, RuntimeInfo
from tests.tray.xsession import Geometry, SessionError, XSession

REPO = Path(__file__).resolve().parents[2]
# Screenshots a reviewer can look at after a run (CI keeps the folder as an artifact).
ARTIFACTS = REPO / ".artifacts" / "tray"


def launch_tray(
    session: XSession, tmp_path: Path, data: Path, env: dict[str, str], name: str = "tray"
) -> subprocess.Popen[bytes]:
    """`hotprevue tray` in the session, with a private config folder for autostart."""
    extra = {
        **env,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "HOTPREVUE_PORT": env.get("HOTPREVUE_PORT", "0"),
    }
    argv = [sys.executable, "-m", "daemon.cli", "tray", "--data-dir", str(data)]
    return session.launch(argv, name=name, extra_env=extra)


def docked(session: XSession) -> Geometry:
    """The tray's icon, once it is docked (and the only one) and the tray has laid it out."""
    looks: list[list[Geometry]] = []

    def settled() -> list[Geometry] | None:
        # The tray may move a new icon again after it first shows it: the icons are
        # where a user would click once five looks, a quarter second in all, agree.
        looks.append(session.tray_icons())
        recent = looks[-5:]
        return recent[0] if len(recent) == 5 and all(look == recent[0] for look in recent) else None

    icons = session.wait_for(settled, timeout=20, what="the tray icon, laid out")
    assert len(icons) == 1
    return icons[0]


def open_menu(session: XSession, icon: Geometry) -> Geometry:
    """Right-click the icon until its menu shows; the menu's geometry."""
    # A click in the instant the icon is docked but not yet mapped for input is lost,
    # as it would be for a user: click again, as a user would, where the icon is now.
    for _ in range(3):
        now = session.geometry_of(icon.window) or icon
        session.click(*now.centre, button=3)
        with contextlib.suppress(SessionError):
            return session.wait_for(session.visible_menu, timeout=4, what="the tray menu")
    raise AssertionError("the tray menu did not open on three right clicks")


def healthy_client(data: Path, timeout: float = 60) -> DaemonClient:
    """The API of the daemon the tray runs, once /health answers."""
    paths = DataPaths(data)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = RuntimeInfo.read(paths.runtime)
        if info is not None and paths.api_key.exists():
            client = DaemonClient(info.url, paths.api_key.read_text().strip(), timeout=5)
            try:
                client.get("/health", dict)
                return client
            except OSError:
                pass
        time.sleep(0.1)
    raise AssertionError("the tray's daemon did not become healthy")


def quit_from_menu(session: XSession, icon: Geometry) -> None:
    """Quit is the menu's last item: Up from a fresh menu selects it."""
    open_menu(session, icon)
    session.key("Up", "Return")
