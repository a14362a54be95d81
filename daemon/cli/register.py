"""`hotprevue register`: start a session in the running daemon and show its progress
(`sessions` shows it, as `hotprevue sessions show --follow` does).

Every folder and file name is printed escaped, as `sessions` explains.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from daemon.cli import common, photographers, sessions
from daemon.cli.common import Refused, shown
from daemon.config import Settings
from daemon.paths import storable
from protocol.client import DaemonClient, DaemonError, DaemonUnreachable
from protocol.input_sessions import InputSession, InputSessionCreate

if TYPE_CHECKING:
    from daemon.cli.common import Commands


def add_parser(commands: Commands, with_data_dir: argparse.ArgumentParser) -> None:
    """Add `register`."""
    command = commands.add_parser(
        "register",
        parents=[with_data_dir],
        help="register the photos in a folder (daemon must run)",
    )
    command.add_argument("path", type=Path, help="folder to register; originals stay untouched")
    command.add_argument("--name", help="session name (default: the folder's name)")
    photographers.add_photographer_options(command)
    command.add_argument("--event", type=uuid.UUID, help="event id the photos join")
    command.add_argument(
        "--no-recursive", dest="recursive", action="store_false", help="skip subfolders"
    )
    command.add_argument(
        "--no-wait", action="store_true", help="start the session and return at once"
    )
    command.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Register the folder on the running daemon; exit code 0 when the session completed."""
    return common.on_daemon(settings, args, _register)


def _register(client: DaemonClient, args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console(stderr=True)
    folder = args.path.expanduser().resolve()
    name = args.name or folder.name or str(folder)
    if not (storable(str(folder)) and storable(name)):
        console.print(
            f"[red]cannot register {shown(str(folder))}:[/red] its path or name is not valid "
            "Unicode text, so the catalog cannot store it; rename the folder or pass --name"
        )
        return 1
    try:
        photographer = photographers.photographer_id(
            client, args.photographer, create=args.create_photographer
        )
        session = client.post(
            "/api/input-sessions",
            InputSession,
            InputSessionCreate(
                name=name,
                source_path=str(folder),
                recursive=args.recursive,
                default_photographer_id=photographer,
                default_event_id=args.event,
            ),
        )
    except (DaemonError, DaemonUnreachable, Refused) as exc:
        console.print(f"[red]cannot register {shown(str(folder))}:[/red] {shown(_reason(exc))}")
        return 1
    if args.no_wait:
        # Only the id on stdout, for scripts; the way to follow it for people.
        print(session.id)
        print(f"Follow it with `{sessions.follow_command(session.id, args)}`", file=sys.stderr)
        return 0
    try:
        session = sessions.follow(client, session, console)
    except KeyboardInterrupt:
        console.print("cancelling… (what is registered so far is kept)")
        session = client.post(f"/api/input-sessions/{session.id}/cancel", InputSession)
    except DaemonUnreachable as exc:
        console.print(f"[red]lost the daemon:[/red] {shown(str(exc))}")
        return 1
    sessions.summary(client, session)
    return 0 if session.status == "completed" else 1


def _reason(exc: Exception) -> str:
    return exc.detail if isinstance(exc, DaemonError) else str(exc)
