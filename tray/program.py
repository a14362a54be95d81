"""How to start this very program again: the tray starts the daemon, autostart the tray."""

from __future__ import annotations

import os
import sys
from pathlib import Path

LAUNCHER = "hotprevue.exe" if os.name == "nt" else "hotprevue"


def program_argv() -> list[str]:
    """The command that runs `hotprevue`, without its subcommand."""
    # An AppImage mounts itself under a temporary folder; only its own path lasts.
    appimage = os.environ.get("APPIMAGE")
    if appimage:
        return [appimage]
    if _compiled():
        return [str(Path(sys.argv[0]).resolve())]
    # In a virtualenv or a user install the console script sits beside the interpreter:
    # it names the program as users know it, and survives an interpreter upgrade.
    launcher = Path(sys.executable).with_name(LAUNCHER)
    if launcher.is_file():
        return [str(launcher)]
    return [sys.executable, "-m", "daemon.cli"]


def _compiled() -> bool:
    # Nuitka sets `__compiled__` in every compiled module; other freezers set sys.frozen.
    return "__compiled__" in globals() or bool(getattr(sys, "frozen", False))
