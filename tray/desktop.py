"""The desktop around the tray: a folder picker, and opening folders and files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PICKER_TIMEOUT = 3600.0
# What to tell a user when no picker exists here (a minimal window manager).
NO_PICKER = (
    "No folder picker is installed (zenity or kdialog). Register from a terminal "
    "instead: hotprevue register FOLDER (or hotprevue watch add FOLDER)"
)


class NoPicker(Exception):
    """No folder picker exists here; the message says what to do instead."""


def pick_folder(title: str) -> Path | None:
    """Ask the user for a folder with the platform's dialog; None if cancelled."""
    command = _picker(title)
    # The dialog lives in its own process: it needs no main thread or event loop of ours.
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=PICKER_TIMEOUT, check=False
    )
    chosen = result.stdout.strip()
    if result.returncode != 0 or not chosen:
        return None
    return Path(chosen)


def _picker(title: str) -> list[str]:
    if sys.platform == "darwin":
        script = f"POSIX path of (choose folder with prompt {_applescript(title)})"
        return ["osascript", "-e", script]
    if sys.platform == "win32":
        script = (
            "Add-Type -AssemblyName System.Windows.Forms;"
            "$d = New-Object System.Windows.Forms.FolderBrowserDialog;"
            f"$d.Description = '{title.replace(chr(39), chr(39) * 2)}';"
            "if ($d.ShowDialog() -eq 'OK') { $d.SelectedPath }"
        )
        return ["powershell", "-NoProfile", "-STA", "-Command", script]
    if shutil.which("zenity"):
        return ["zenity", "--file-selection", "--directory", f"--title={title}"]
    if shutil.which("kdialog"):
        return ["kdialog", "--title", title, "--getexistingdirectory", str(Path.home())]
    raise NoPicker(NO_PICKER)


def _applescript(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def open_path(path: Path) -> None:
    """Show a folder or file with the desktop's default application."""
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist yet")
    if sys.platform == "win32":
        os.startfile(path)  # type: ignore[attr-defined]  # noqa: S606 - the user's own file
        return
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    if shutil.which(opener) is None:
        raise FileNotFoundError(f"{opener} is not installed; the path is {path}")
    subprocess.Popen(
        [opener, str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
