"""`hotprevue watch`: add, list, remove, pause, resume and rescan watched folders.

Paths are printed escaped (control characters, invisible characters, undecodable
bytes): a folder anyone may have named cannot send escape sequences to the terminal.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from daemon.cli import common, photographers
from daemon.cli.common import Action, Refused, print_table, when
from daemon.config import Settings
from daemon.paths import escaped, storable
from protocol.client import DaemonClient
from protocol.watched_folders import WatchedFolder, WatchedFolderCreate

if TYPE_CHECKING:
    from daemon.cli.common import Commands

API = "/api/watched-folders"


def add_parser(commands: Commands, with_data_dir: argparse.ArgumentParser) -> None:
    """Add `watch` and its actions."""
    # --data-dir belongs to each action: a value given before the action would be reset
    # by the action's own default.
    command = commands.add_parser(
        "watch", help="folders whose new photos register themselves (daemon must run)"
    )
    actions = command.add_subparsers(title="actions", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        parents=[with_data_dir],
        help="watch a folder; its photos are registered as they come",
    )
    add.add_argument("path", type=Path, help="folder to watch; originals stay untouched")
    photographers.add_photographer_options(add)
    add.add_argument(
        "--no-recursive", dest="recursive", action="store_false", help="skip subfolders"
    )
    add.add_argument("--paused", action="store_true", help="add it paused")
    add.set_defaults(handler=run, action="add")
    listing = actions.add_parser("list", parents=[with_data_dir], help="the watched folders")
    listing.set_defaults(handler=run, action="list")
    for action, description in (
        ("remove", "stop watching a folder (its photos stay)"),
        ("pause", "pause a watched folder"),
        ("resume", "resume a paused folder"),
        ("rescan", "walk a watched folder again now"),
    ):
        each = actions.add_parser(action, parents=[with_data_dir], help=description)
        each.add_argument("folder", metavar="PATH-or-ID", help="the folder's path or id")
        each.set_defaults(handler=run, action=action)


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run one `watch` action; exit code 0 when it did what was asked."""
    actions: dict[str | None, Action] = {
        "add": _add,
        "list": _list,
        "remove": _remove,
        "pause": _pause,
        "resume": _resume,
        "rescan": _rescan,
    }
    return common.run_action(settings, args, "watch", actions)


def _add(client: DaemonClient, args: argparse.Namespace) -> None:
    path = _absolute(args.path)
    folder = client.post(
        API,
        WatchedFolder,
        WatchedFolderCreate(
            path=path,
            recursive=args.recursive,
            photographer_id=photographers.photographer_id(
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
    matches = common.find(client.get(API, list[WatchedFolder]), wanted, _at_path)
    if not matches:
        raise Refused(f"not a watched folder: {wanted} (see `hotprevue watch list`)")
    return matches[0]


def _at_path(folders: list[WatchedFolder], wanted: str) -> list[WatchedFolder]:
    # The folder itself may be gone (an unplugged disk): match the spellings first.
    path = Path(wanted).expanduser().absolute()
    spellings = {str(path), os.path.normpath(path), str(path.resolve())}
    return [folder for folder in folders if folder.path in spellings]


def _state(folder: WatchedFolder) -> str:
    if folder.state_detail:
        return f"{folder.state} ({escaped(folder.state_detail)})"
    return folder.state
