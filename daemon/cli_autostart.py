"""`hotprevue autostart enable|disable|status`: start the tray when this user logs in."""

from __future__ import annotations

import sys

from daemon.paths import escaped
from tray import autostart as login


def autostart(action: str) -> int:
    """Turn start at login on or off, or say whether it is; exit code 0 when it could."""
    try:
        if action == "enable":
            login.enable()
        elif action == "disable":
            login.disable()
        state = "on" if login.is_enabled() else "off"
        where = escaped(login.location())
    except login.AutostartError as exc:
        print(f"hotprevue: start at login: {escaped(str(exc))}", file=sys.stderr)
        return 1
    print(f"Start at login: {state} ({where})")
    return 0
