"""What the `watch`, `sync` and `machines` commands share: running an action against
the daemon with its errors said in one line, tables, and times."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from daemon.paths import escaped
from protocol.client import DaemonClient, DaemonError, DaemonUnreachable

# An action returns its exit code, or None for 0.
Action = Callable[[DaemonClient, argparse.Namespace], int | None]


class Refused(Exception):
    """The command cannot go on; the message says why."""


def run_action(
    command: str,
    actions: Mapping[str | None, Action],
    client: DaemonClient,
    args: argparse.Namespace,
) -> int:
    """Run `args.action` (None: the command's own); a failure is printed as one line."""
    said = f"hotprevue {command}" + (f" {args.action}" if args.action else "")
    try:
        return actions[args.action](client, args) or 0
    except DaemonError as exc:
        print(f"{said}: {escaped(exc.detail)}", file=sys.stderr)
    except (DaemonUnreachable, LookupError, Refused) as exc:
        print(f"{said}: {escaped(str(exc))}", file=sys.stderr)
    return 1


def print_table(rows: Sequence[tuple[str, ...]]) -> None:
    """Columns padded to their widest cell; the last one (often long) is left as it is."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]))


def when(moment: datetime | None) -> str:
    """A time in this machine's zone, to the minute; `never` for none."""
    return "never" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")
