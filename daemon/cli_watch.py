"""`hotprevue watch`: add, list, remove, pause, resume and rescan watched folders.

Paths are printed escaped (control characters, invisible characters, undecodable
bytes): a folder anyone may have named cannot send escape sequences to the terminal.
"""

from __future__ import annotations

import argparse
import os
import uuid
from pathlib import Path

from daemon.cli_actions import Action, Refused, print_table, run_action, when
from daemon.cli_photographers import photographer_id
from daemon.paths import escaped, storable
from protocol.client import DaemonClient
from protocol.watched_folders import WatchedFolder, WatchedFolderCreate

API = "/api/watched-folders"


def watch(client: DaemonClient, args: argparse.Namespace) -> int:
    """Run one `watch` action; exit code 0 when it did what was asked."""
    actions: dict[str | None, Action] = {
        "add": _add,
        "list": _list,
        "remove": _remove,
        "pause": _pause,
        "resume": _resume,
        "rescan": _rescan,
    }
    return run_action("watch", actions, client, args)


def _add(client: DaemonClient, args: argparse.Namespace) -> None:
    path = _absolute(args.path)
    folder = client.post(
        API,
        WatchedFolder,
        WatchedFolderCreate(
            path=path,
            recursive=args.recursive,
            photographer_id=photographer_id(
                client, args.photographer, create=args.create_photographer
            ),
            paused=args.paused,
        ),
    )
    print(f"Watching {escaped(folder.path)} ({folder.state}); id {folder.id}")


def _list(client: DaemonClient, _args: argparse.Namespace) -> None:
    folders = client.get(API, list[WatchedFolder])
    if not folders:
        print("No watched folders; add one with `hotprevue watch add PATH`")
        return
    rows = [("PATH", "STATE", "PENDING", "LAST SCAN", "ID")]
    rows += [
        (
            escaped(folder.path),
            _state(folder),
            str(folder.pending_files),
            when(folder.last_scan_at),
            str(folder.id),
        )
        for folder in folders
    ]
    print_table(rows)


def _remove(client: DaemonClient, args: argparse.Namespace) -> None:
    folder = _target(client, args.folder)
    client.delete(f"{API}/{folder.id}")
    print(f"No longer watching {escaped(folder.path)}; its photos stay in the catalog")


def _pause(client: DaemonClient, args: argparse.Namespace) -> None:
    folder = client.post(f"{API}/{_target(client, args.folder).id}/pause", WatchedFolder)
    print(f"Paused {escaped(folder.path)}")


def _resume(client: DaemonClient, args: argparse.Namespace) -> None:
    folder = client.post(f"{API}/{_target(client, args.folder).id}/resume", WatchedFolder)
    print(f"Resumed {escaped(folder.path)} ({_state(folder)})")


def _rescan(client: DaemonClient, args: argparse.Namespace) -> None:
    folder = client.post(f"{API}/{_target(client, args.folder).id}/rescan", WatchedFolder)
    print(f"Rescanning {escaped(folder.path)}")


def _absolute(path: Path) -> str:
    # Absolute, not resolved: the daemon makes it canonical and says what is wrong.
    text = str(path.expanduser().absolute())
    if not storable(text):
        raise Refused(
            f"{escaped(text)} is not valid Unicode text, so the catalog cannot store it; "
            "rename the folder"
        )
    return text


def _target(client: DaemonClient, wanted: str) -> WatchedFolder:
    """The watched folder an argument names: its id, or its path however spelled."""
    folders = client.get(API, list[WatchedFolder])
    try:
        folder_id = uuid.UUID(wanted)
    except ValueError:
        # The folder itself may be gone (an unplugged disk): match the spellings first.
        path = Path(wanted).expanduser().absolute()
        spellings = {str(path), os.path.normpath(path), str(path.resolve())}
        matches = [folder for folder in folders if folder.path in spellings]
    else:
        matches = [folder for folder in folders if folder.id == folder_id]
    if not matches:
        raise Refused(f"not a watched folder: {wanted} (see `hotprevue watch list`)")
    return matches[0]


def _state(folder: WatchedFolder) -> str:
    if folder.state_detail:
        return f"{folder.state} ({escaped(folder.state_detail)})"
    return folder.state
