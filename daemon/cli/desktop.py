"""`hotprevue tray` (the tray icon, which runs the daemon) and `hotprevue autostart
enable|disable|status` (start the tray when this user logs in)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from daemon.config import Settings
from daemon.paths import escaped

if TYPE_CHECKING:
    from daemon.cli.common import Commands


def add_parser(commands: Commands, with_data_dir: argparse.ArgumentParser) -> None:
    """Add `tray` and `autostart`."""
    icon = commands.add_parser(
        "tray",
        parents=[with_data_dir],
        help="the tray icon: runs the daemon and shows what it does",
    )
    icon.set_defaults(handler=tray)
    login = commands.add_parser("autostart", help="start the tray when you log in")
    login.add_argument("action", choices=["enable", "disable", "status"])
    login.set_defaults(handler=autostart, data_dir=None)


def tray(settings: Settings, _args: argparse.Namespace) -> int:
    """Show the tray icon until it is quit; it runs the daemon."""
    # Imported here: the tray's GUI toolkit and images are for this command only.
    from tray import app

    return app.main(settings)


def autostart(_settings: Settings, args: argparse.Namespace) -> int:
    """Turn start at login on or off, or say whether it is; exit code 0 when it could."""
    from tray import autostart as login

    try:
        if args.action == "enable":
            login.enable()
        elif args.action == "disable":
            login.disable()
        state = "on" if login.is_enabled() else "off"
        where = escaped(login.location())
    except login.AutostartError as exc:
        print(f"hotprevue: start at login: {escaped(str(exc))}", file=sys.stderr)
        return 1
    print(f"Start at login: {state} ({where})")
    return 0
