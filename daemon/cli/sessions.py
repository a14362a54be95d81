"""`hotprevue sessions`: recent registration sessions, and one session's counts and errors,
followed live until it ends; `register` shows its own session with the same code.

Names come from folders and files anyone may have named: every one is printed
escaped (control characters, invisible characters, undecodable bytes), so a crafted
name cannot send escape sequences to the terminal or markup to the progress bar.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from typing import TYPE_CHECKING

from daemon.cli import common
from daemon.cli.common import Action, Refused, print_table, shown, when
from daemon.config import Settings
from daemon.paths import escaped
from protocol.client import DaemonClient
from protocol.input_sessions import FINISHED, InputSession, SessionError

if TYPE_CHECKING:
    from rich.console import Console

    from daemon.cli.common import Commands

API = "/api/input-sessions"
SHOWN_ERRORS = 10


def add_parser(commands: Commands, with_data_dir: argparse.ArgumentParser) -> None:
    """Add `sessions` and its actions."""
    command = commands.add_parser(
        "sessions", help="registration sessions and their progress (daemon must run)"
    )
    actions = command.add_subparsers(title="actions", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list", parents=[with_data_dir], help="recent sessions, newest first"
    )
    listing.add_argument("--limit", type=int, default=20, help="how many to show (default 20)")
    listing.set_defaults(handler=run, action="list")
    show = actions.add_parser("show", parents=[with_data_dir], help="a session's counts and errors")
    show.add_argument("session", metavar="ID", help="the session's id (see `sessions list`)")
    show.add_argument(
        "--follow",
        action="store_true",
        help="show its progress until it ends (Ctrl-C stops following, not the session)",
    )
    show.set_defaults(handler=run, action="show")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run one `sessions` action; exit code 0 when it did what was asked."""
    actions: dict[str | None, Action] = {"list": _list, "show": _show}
    return common.run_action(settings, args, "sessions", actions)


def follow_command(session_id: uuid.UUID, args: argparse.Namespace) -> str:
    """The command that follows a session, with the data dir it was started on."""
    command = f"hotprevue sessions show {session_id} --follow"
    return command + (f' --data-dir "{args.data_dir}"' if args.data_dir else "")


def follow(client: DaemonClient, session: InputSession, console: Console) -> InputSession:
    """Show a session's live progress until it ends; returns it as it ended."""
    with common.progress_bar(console) as bar:
        task = bar.add_task(shown(session.name), total=None, figures="scanning…")
        while True:
            session = client.get(f"{API}/{session.id}", InputSession)
            bar.update(
                task,
                total=session.groups_total,
                completed=session.groups_done,
                figures=(
                    f"{session.photo_count} new · {session.duplicate_count} dup · "
                    f"{session.already_registered_count} known · {session.error_count} err"
                    + (f" · {session.rate:.1f}/s" if session.rate else "")
                ),
            )
            if session.status in FINISHED:
                return session
            time.sleep(common.POLL_SECONDS)


def summary(client: DaemonClient, session: InputSession) -> None:
    """The session's status, counts and first errors."""
    print(f"Session '{escaped(session.name)}' ({session.id}): {session.status}")
    print(f"  registered          {session.photo_count}")
    print(f"  duplicates          {session.duplicate_count}")
    print(f"  already registered  {session.already_registered_count}")
    print(f"  errors              {session.error_count}")
    if session.damaged_count:
        print(
            f"  damaged             {session.damaged_count} (registered and flagged: part of "
            "the picture may be grey; `GET /api/photos?damaged=true` lists them)"
        )
    if session.failure:
        print(f"  reason: {escaped(session.failure)}")
    if session.error_count:
        errors = client.get(f"{API}/{session.id}/errors?limit={SHOWN_ERRORS}", list[SessionError])
        for error in errors:
            # The sentence for photographers; the technical text is the log's and the API's.
            print(f"  x {escaped(error.file_path)}: {escaped(error.message or error.error)}")
        if session.error_count > len(errors):
            print(f"  ... and {session.error_count - len(errors)} more (GET .../errors)")


def _list(client: DaemonClient, args: argparse.Namespace) -> None:
    listed = client.get(f"{API}?limit={args.limit}", list[InputSession])
    if not listed:
        print("No sessions yet; register a folder with `hotprevue register PATH`")
        return
    rows = [("NAME", "STARTED", "STATUS", "REGISTERED", "DUPLICATES", "ERRORS", "ID")]
    rows += [
        (
            escaped(session.name),
            when(session.started_at or session.created_at),
            session.status,
            str(session.photo_count),
            str(session.duplicate_count),
            str(session.error_count),
            str(session.id),
        )
        for session in listed
    ]
    print_table(rows)


def _show(client: DaemonClient, args: argparse.Namespace) -> None:
    try:
        session_id = uuid.UUID(args.session)
    except ValueError:
        raise Refused(
            f"{args.session} is not a session id (see `hotprevue sessions list`)"
        ) from None
    session = client.get(f"{API}/{session_id}", InputSession)
    print(f"Folder   {escaped(session.source_path)}")
    print(f"Started  {when(session.started_at or session.created_at)}")
    if args.follow and session.status not in FINISHED:
        from rich.console import Console

        try:
            session = follow(client, session, Console(stderr=True))
        except KeyboardInterrupt:
            print(
                "Stopped following; the session goes on. Follow it again with "
                f"`{follow_command(session.id, args)}`",
                file=sys.stderr,
            )
            return
    summary(client, session)
