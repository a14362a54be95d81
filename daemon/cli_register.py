"""`hotprevue register`: start a session in the running daemon and show its progress
(`daemon.cli_sessions` shows it, as `hotprevue sessions show --follow` does).

Names come from folders and files anyone may have named: every one is printed
escaped (control characters, invisible characters, undecodable bytes), so a crafted
name cannot send escape sequences to the terminal or markup to the progress bar.
"""

from __future__ import annotations

import argparse
import sys

from rich.console import Console

from daemon.cli_actions import Refused
from daemon.cli_photographers import photographer_id
from daemon.cli_sessions import follow, follow_command, shown, summary
from daemon.paths import storable
from protocol.client import DaemonClient, DaemonError, DaemonUnreachable
from protocol.input_sessions import InputSession, InputSessionCreate


def register(client: DaemonClient, args: argparse.Namespace) -> int:
    """Run the command; exit code 0 when the session completed."""
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
        photographer = photographer_id(client, args.photographer, create=args.create_photographer)
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
        print(f"Follow it with `{follow_command(session.id, args)}`", file=sys.stderr)
        return 0
    try:
        session = follow(client, session, console)
    except KeyboardInterrupt:
        console.print("cancelling… (what is registered so far is kept)")
        session = client.post(f"/api/input-sessions/{session.id}/cancel", InputSession)
    except DaemonUnreachable as exc:
        console.print(f"[red]lost the daemon:[/red] {shown(str(exc))}")
        return 1
    summary(client, session)
    return 0 if session.status == "completed" else 1


def _reason(exc: Exception) -> str:
    return exc.detail if isinstance(exc, DaemonError) else str(exc)
