"""The tray's figures: login to icon, idle cost, and how fast the icon follows the daemon.

Run: python -m tests.benchmarks.tray [--idle-seconds N] [--rounds N]
Targets (issue: the tray): idle CPU < 0.5 % of a core; a state change in the daemon
shows on the icon in < 2 s. Needs the tray's test packages (Xvfb, trayer, dunst, xdotool).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import psutil

from protocol.client import DaemonClient
from protocol.local import lock_held
from tests.support.daemon_process import clean_env, free_port
from tests.support.images import write_jpeg
from tests.support.tray import healthy_client, launch_tray, quit_from_menu
from tests.tray.xsession import Geometry, XSession

TOKEN = "hpm_" + "b" * 43


def icon_pixels(session: XSession, icon: Geometry) -> bytes:
    shot = session.screenshot()
    return shot.crop((icon.x, icon.y, icon.x + icon.width, icon.y + icon.height)).tobytes()


def login_to_icon(session: XSession, root: Path, data: Path, rounds: int) -> list[float]:
    """Tray start (nothing running) to icon docked and the daemon it started healthy."""
    times = []
    for round_ in range(rounds):
        began = time.monotonic()
        tray = launch_tray(session, root, data, clean_env(), name=f"login{round_}")
        icon = session.wait_for(session.tray_icons, timeout=60, what="the icon")[0]
        healthy_client(data)
        times.append(time.monotonic() - began)
        quit_from_menu(session, icon)
        tray.wait(10)
        session.wait_for(lambda: not lock_held(data / "daemon.lock"), 30, "the daemon to stop")
    return times


def change_to_icon(
    session: XSession, client: DaemonClient, icon: Geometry, rounds: int
) -> list[float]:
    """Adding a sync target (pending photos: attention) and removing it (idle), timed
    from the API call's return to the icon's pixels changing on screen."""
    latencies = []
    url = f"http://127.0.0.1:{free_port()}"
    for _ in range(rounds):
        for add in (True, False):
            before = icon_pixels(session, icon)
            if add:
                client.post_empty("/api/sync/targets", {"url": url, "token": TOKEN})
            else:
                targets = client.get("/api/sync/targets", list)
                client.delete(f"/api/sync/targets/{targets[0]['id']}")
            began = time.monotonic()
            session.wait_for(
                lambda before=before: icon_pixels(session, icon) != before,  # type: ignore[misc]
                timeout=10,
                what="the icon to change",
            )
            latencies.append(time.monotonic() - began)
            time.sleep(0.5)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, XSession() as session:
        root = Path(tmp)
        data = root / "data"
        # A first run creates the catalog: the rounds after it are warm logins.
        login_to_icon(session, root, data, 1)
        times = login_to_icon(session, root, data, args.rounds)
        print(
            f"login to icon with the daemon healthy (warm, {args.rounds} rounds): "
            f"median {statistics.median(times):.2f} s, max {max(times):.2f} s"
        )

        write_jpeg(root / "photos" / "a.jpg", 1600, 1200, seed=1)
        tray = launch_tray(session, root, data, clean_env(), name="idle")
        icon = session.wait_for(session.tray_icons, timeout=60, what="the icon")[0]
        client = healthy_client(data)
        client.post_empty("/api/input-sessions", {"name": "a", "source_path": str(root / "photos")})
        time.sleep(5)
        process = psutil.Process(tray.pid)
        cpu_before = process.cpu_times()
        time.sleep(args.idle_seconds)
        cpu_after = process.cpu_times()
        used = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
        rss = process.memory_info().rss / 1e6
        print(
            f"tray idle over {args.idle_seconds:.0f} s: {100 * used / args.idle_seconds:.2f} % "
            f"of a core (target < 0.5 %), RSS {rss:.0f} MB"
        )

        latencies = change_to_icon(session, client, icon, args.rounds)
        print(
            f"daemon state change to icon ({len(latencies)} changes): median "
            f"{statistics.median(latencies):.2f} s, max {max(latencies):.2f} s (target < 2 s)"
        )
        quit_from_menu(session, icon)
        tray.wait(10)


if __name__ == "__main__":
    main()
