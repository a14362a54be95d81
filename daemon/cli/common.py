"""What the commands share: reaching the running daemon (or saying it is not running),
running an action with its errors said in one line, finding a thing by id or name,
tables, times and the progress bar.

Imported by the entry before any command runs: rich is imported where it is used.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from daemon.config import Settings
from daemon.paths import escaped
from protocol.client import DaemonClient, DaemonError, DaemonUnreachable
from protocol.local import RuntimeInfo, lock_held

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    # What `add_subparsers` returns: each group adds its commands to it.
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_NOT_RUNNING = 3
POLL_SECONDS = 0.5
NOT_CENTRAL = (
    "this Hotprevue is not a central server: start one with "
    "`hotprevue run --central --data-dir DIR --port PORT`, or pass --data-dir of the central"
)

# An action returns its exit code, or None for 0.
Action = Callable[[DaemonClient, argparse.Namespace], int | None]
DaemonCommand = Callable[[DaemonClient, argparse.Namespace], int]


class Refused(Exception):
    """The command cannot go on; the message says why."""


class _Identified(Protocol):
    @property
    def id(self) -> uuid.UUID: ...


Found = TypeVar("Found", bound=_Identified)


def not_running(settings: Settings) -> str:
    """The sentence for a data dir no daemon runs on."""
    return f"Hotprevue is not running (data dir {settings.data_dir})"


def running(settings: Settings) -> bool:
    """True while some process holds the data directory's daemon lock."""
    return lock_held(settings.paths.lock)


def running_daemon(settings: Settings) -> RuntimeInfo | None:
    """Where the running daemon answers; None when none runs (or it does not listen yet)."""
    info = RuntimeInfo.read(settings.paths.runtime)
    if not running(settings) or info is None:
        return None
    return info


def client(settings: Settings, info: RuntimeInfo) -> DaemonClient:
    """A client of the daemon at `info`, with this data dir's key."""
    return DaemonClient(info.url, settings.client_api_key())


def on_daemon(settings: Settings, args: argparse.Namespace, command: DaemonCommand) -> int:
    """Run a command against the running daemon, or say it is not running."""
    info = running_daemon(settings)
    if info is None:
        print(f"{not_running(settings)}; start it with `hotprevue run`", file=sys.stderr)
        return EXIT_NOT_RUNNING
    return command(client(settings, info), args)


def run_action(
    settings: Settings,
    args: argparse.Namespace,
    command: str,
    actions: Mapping[str | None, Action],
) -> int:
    """Run `args.action` (None: the command's own) on the running daemon; failures in one line."""
    said = f"hotprevue {command}" + (f" {args.action}" if args.action else "")

    def act(daemon: DaemonClient, args: argparse.Namespace) -> int:
        try:
            return actions[args.action](daemon, args) or 0
        except DaemonError as exc:
            print(f"{said}: {escaped(exc.detail)}", file=sys.stderr)
        except (DaemonUnreachable, LookupError, Refused) as exc:
            print(f"{said}: {escaped(str(exc))}", file=sys.stderr)
        return 1

    return on_daemon(settings, args, act)


def find(
    items: list[Found], wanted: str, named: Callable[[list[Found], str], list[Found]]
) -> list[Found]:
    """The item with that id when `wanted` is an id, else the items `named` finds by name."""
    try:
        wanted_id = uuid.UUID(wanted)
    except ValueError:
        return named(items, wanted)
    return [item for item in items if item.id == wanted_id]


def print_table(rows: Sequence[tuple[str, ...]]) -> None:
    """Columns padded to their widest cell; the last one (often long) is left as it is."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]))


def when(moment: datetime | None) -> str:
    """A time in this machine's zone, to the minute; `never` for none."""
    return "never" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")


def shown(text: str) -> str:
    """Text for the rich console: escaped for the terminal, then for rich's markup."""
    from rich.markup import escape as markup_escape

    return markup_escape(escaped(text))


def progress_bar(console: Console) -> Progress:
    """A live bar: spinner, name, bar, done of total, the task's `figures`, time left."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[figures]}"),
        TimeRemainingColumn(),
    )
    return Progress(*columns, console=console, transient=False)
