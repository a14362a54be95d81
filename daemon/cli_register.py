"""`hotprevue register`: start a session in the running daemon and show its progress.

Names come from folders and files anyone may have named: every one is printed
escaped (control characters, invisible characters, undecodable bytes), so a crafted
name cannot send escape sequences to the terminal or markup to the progress bar.
"""

from __future__ import annotations

import argparse
import time
import uuid

from rich.console import Console
from rich.markup import escape as markup_escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeRemainingColumn,
)

from daemon.paths import escaped, storable
from protocol.client import DaemonClient, DaemonError, DaemonUnreachable
from protocol.input_sessions import FINISHED, InputSession, InputSessionCreate, SessionError
from protocol.photographers import Photographer

POLL_SECONDS = 0.5
SHOWN_ERRORS = 10


def register(client: DaemonClient, args: argparse.Namespace) -> int:
    """Run the command; exit code 0 when the session completed."""
    console = Console(stderr=True)
    folder = args.path.expanduser().resolve()
    name = args.name or folder.name or str(folder)
    if not (storable(str(folder)) and storable(name)):
        console.print(
            f"[red]cannot register {_shown(str(folder))}:[/red] its path or name is not valid "
            "Unicode text, so the catalog cannot store it; rename the folder or pass --name"
        )
        return 1
    try:
        photographer = photographer_id(client, args.photographer)
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
    except (DaemonError, DaemonUnreachable, LookupError) as exc:
        console.print(f"[red]cannot register {_shown(str(folder))}:[/red] {_shown(_reason(exc))}")
        return 1
    if args.no_wait:
        print(session.id)
        return 0
    try:
        session = _follow(client, session, console)
    except KeyboardInterrupt:
        console.print("cancelling… (what is registered so far is kept)")
        session = client.post(f"/api/input-sessions/{session.id}/cancel", InputSession)
    except DaemonUnreachable as exc:
        console.print(f"[red]lost the daemon:[/red] {_shown(str(exc))}")
        return 1
    _summary(client, session)
    return 0 if session.status == "completed" else 1


def photographer_id(client: DaemonClient, wanted: str | None) -> uuid.UUID | None:
    """The id of the photographer named (or given by id); LookupError when none or several."""
    if wanted is None:
        return None
    try:
        return uuid.UUID(wanted)
    except ValueError:
        pass
    people = client.get("/api/photographers", list[Photographer])
    matches = [p for p in people if p.name.casefold() == wanted.casefold()]
    if len(matches) != 1:
        names = ", ".join(p.name for p in people)
        raise LookupError(f"no single photographer named {wanted!r} (known: {names})")
    return matches[0].id


def _follow(client: DaemonClient, session: InputSession, console: Console) -> InputSession:
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(_shown(session.name), total=None, counts="scanning…")
        while True:
            session = client.get(f"/api/input-sessions/{session.id}", InputSession)
            bar.update(
                task,
                total=session.groups_total,
                completed=session.groups_done,
                counts=(
                    f"{session.photo_count} new · {session.duplicate_count} dup · "
                    f"{session.already_registered_count} known · {session.error_count} err"
                    + (f" · {session.rate:.1f}/s" if session.rate else "")
                ),
            )
            if session.status in FINISHED:
                return session
            time.sleep(POLL_SECONDS)


def _summary(client: DaemonClient, session: InputSession) -> None:
    print(f"Session '{escaped(session.name)}' ({session.id}): {session.status}")
    print(f"  registered          {session.photo_count}")
    print(f"  duplicates          {session.duplicate_count}")
    print(f"  already registered  {session.already_registered_count}")
    print(f"  errors              {session.error_count}")
    if session.failure:
        print(f"  reason: {escaped(session.failure)}")
    if session.error_count:
        errors = client.get(
            f"/api/input-sessions/{session.id}/errors?limit={SHOWN_ERRORS}", list[SessionError]
        )
        for error in errors:
            print(f"  x {escaped(error.file_path)}: {escaped(error.error)}")
        if session.error_count > len(errors):
            print(f"  ... and {session.error_count - len(errors)} more (GET .../errors)")


def _reason(exc: Exception) -> str:
    return exc.detail if isinstance(exc, DaemonError) else str(exc)


def _shown(text: str) -> str:
    """Text for the rich console: escaped for the terminal, then for rich's markup."""
    return markup_escape(escaped(text))
