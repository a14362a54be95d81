"""The desktop around the tray: a folder picker, and opening folders and files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

PICKER_TIMEOUT = 3600.0
# What to tell a user when no picker exists here (a minimal window manager).
NO_PICKER = (
    "No folder picker is available here (GTK, zenity or kdialog). Register from a "
    "terminal instead: hotprevue register FOLDER (or hotprevue watch add FOLDER)"
)


class NoPicker(Exception):
    """No folder picker exists here; the message says what to do instead."""


def pick_folder(title: str) -> Path | None:
    """Ask the user for a folder with the platform's dialog; None if cancelled."""
    gtk = sys.modules.get("gi.repository.Gtk")
    if gtk is not None and sys.platform not in ("darwin", "win32"):
        # The tray's menu loaded GTK already: its own chooser needs no other package.
        return _gtk_pick_folder(gtk, title)
    command = _picker(title)
    # The dialog lives in its own process: it needs no main thread or event loop of ours.
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=PICKER_TIMEOUT, check=False
    )
    chosen = result.stdout.strip()
    if result.returncode != 0 or not chosen:
        return None
    return Path(chosen)


def _gtk_pick_folder(gtk: Any, title: str) -> Path | None:
    """GTK's folder chooser, shown on GTK's main loop; this (other) thread waits for it."""
    from gi.repository import GLib

    done = threading.Event()
    chosen: list[Path] = []
    # The chooser is no widget: nothing holds it but this list while it is open.
    dialogs: list[Any] = []

    def respond(dialog: Any, response: int) -> None:
        if response == gtk.ResponseType.ACCEPT and dialog.get_filename():
            chosen.append(Path(dialog.get_filename()))
        dialog.destroy()
        dialogs.clear()
        done.set()

    def show() -> bool:
        dialog = gtk.FileChooserNative.new(
            title, None, gtk.FileChooserAction.SELECT_FOLDER, "_Select", "_Cancel"
        )
        dialog.set_current_folder(str(Path.home()))
        dialog.connect("response", respond)
        dialogs.append(dialog)
        dialog.show()
        return False  # once

    GLib.idle_add(show)
    done.wait(PICKER_TIMEOUT)
    return chosen[0] if chosen else None


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
