"""How to start this very program again: the tray starts the daemon, autostart the tray."""

from __future__ import annotations

import contextlib
import os
import sys
import sysconfig
from pathlib import Path

LAUNCHER = "hotprevue.exe" if os.name == "nt" else "hotprevue"


def program_argv() -> list[str]:
    """The command that runs `hotprevue`, without its subcommand."""
    # An AppImage mounts itself under a temporary folder; only its own path lasts.
    appimage = os.environ.get("APPIMAGE")
    if appimage:
        return [appimage]
    if compiled():
        return [str(Path(sys.argv[0]).resolve())]
    # The console script pip made (beside the interpreter in a virtualenv, in the user
    # scheme's scripts folder for `pip install --user`): it names the program as users
    # know it, and survives an interpreter upgrade.
    for folder in _script_folders():
        launcher = folder / LAUNCHER
        if launcher.is_file():
            return [str(launcher)]
    return [sys.executable, "-m", "daemon.cli"]


def _script_folders() -> list[Path]:
    folders = [Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))]
    with contextlib.suppress(KeyError):
        folders.append(Path(sysconfig.get_path("scripts", f"{os.name}_user")))
    return folders


def compiled() -> bool:
    """True in a compiled build of Hotprevue (no Python environment to install into)."""
    # Nuitka sets `__compiled__` in every compiled module; other freezers set sys.frozen.
    return "__compiled__" in globals() or bool(getattr(sys, "frozen", False))
