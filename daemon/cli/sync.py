"""`hotprevue sync`: push to a central server with progress, and manage its targets.

A target's name, URL and last error come from a user or a server: each is printed
escaped, so none can send escape sequences to the terminal or markup to the progress bar.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from daemon.cli import common
from daemon.cli.common import Action, Refused, print_table, shown, when
from daemon.config import Settings
from daemon.paths import escaped
from protocol.client import DaemonClient
from protocol.sync_targets import (
    SyncRun,
    SyncRunCreate,
    SyncStatus,
    SyncTarget,
    SyncTargetCreate,
    SyncTargetStatus,
)
from protocol.words import plural

if TYPE_CHECKING:
    from rich.console import Console

    from daemon.cli.common import Commands

API = "/api/sync"
EXIT_INTERRUPTED = 130
SHOWN_REFUSED = 20
TOKEN_FROM_STDIN = "-"  # noqa: S105 - the name of standard input, no secret


def add_parser(commands: Commands, with_data_dir: argparse.ArgumentParser) -> None:
    """Add `sync` and its actions."""
    command = commands.add_parser(
        "sync",
        parents=[with_data_dir],
        help="push the catalog to a central server, or manage its targets (daemon must run)",
    )
    command.add_argument(
        "--target", metavar="NAME", help="target name, URL or id (default: the only one)"
    )
    command.add_argument("--full", action="store_true", help="send everything again")
    command.set_defaults(handler=run, action=None)
    # The actions take --data-dir too, without a default of their own: one given before
    # the action (`sync --data-dir D targets`) is kept.
    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="as above")
    actions = command.add_subparsers(title="actions", required=False, metavar="ACTION")
    add = actions.add_parser("add-target", parents=[data_dir], help="add a central server")
    add.add_argument("url", metavar="URL", help="the central server's address (https://…)")
    add.add_argument("--token", required=True, help="this machine's token there (- reads stdin)")
    add.add_argument(
        "--label",
        help="this target's own name, shown in the tray and in sync status instead of its "
        "address (default: its host, e.g. 127.0.0.1:8100)",
    )
    add.add_argument(
        "--name",
        help="THIS machine's name on the central server, as it lists machines there "
        "(default: this installation's name)",
    )
    add.add_argument("--ca-file", type=Path, metavar="PEM", help="a CA certificate to trust")
    add.set_defaults(action="add-target")
    listing = actions.add_parser(
        "targets",
        aliases=["status"],
        parents=[data_dir],
        help="the targets: what waits to be sent to each, and why the last sync failed",
    )
    listing.set_defaults(action="targets")
    remove = actions.add_parser(
        "remove-target", parents=[data_dir], help="forget a target (what it has stays there)"
    )
    remove.add_argument("target_ref", metavar="NAME-or-URL-or-ID", help="the target")
    remove.set_defaults(action="remove-target")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run `sync` or one of its actions; exit code 0 when it did what was asked."""
    actions: dict[str | None, Action] = {
        None: _push,
        "add-target": _add_target,
        "targets": _targets,
        "remove-target": _remove_target,
    }
    return common.run_action(settings, args, "sync", actions)


def _add_target(client: DaemonClient, args: argparse.Namespace) -> None:
    # Read from stdin, the token stays out of the shell's history and the process list.
    token = sys.stdin.readline().strip() if args.token == TOKEN_FROM_STDIN else args.token
    ca_file = None if args.ca_file is None else str(Path(args.ca_file).expanduser().absolute())
    target = client.post(
        f"{API}/targets",
        SyncTarget,
        SyncTargetCreate(
            url=args.url, token=token, machine_name=args.name, name=args.label, ca_file=ca_file
        ),
    )
    security = "" if target.encrypted else " (unencrypted: a private network only)"
    print(
        f"Added sync target {escaped(target.name)}: {escaped(target.url)}{security}; "
        f"this machine is {escaped(target.machine_name)} there"
    )


def _targets(client: DaemonClient, _args: argparse.Namespace) -> None:
    targets = client.get(f"{API}/status", SyncStatus).targets
    if not targets:
        print("No sync targets; add one with `hotprevue sync add-target URL --token TOKEN`")
        return
    rows = [("NAME", "URL", "TLS", "LAST SUCCESS", "NOT YET SENT")]
    rows += [
        (
            escaped(target.name),
            escaped(target.url),
            "encrypted" if target.encrypted else "unencrypted",
            when(target.last_success_at),
            _pending(target) + (" (syncing)" if target.running else ""),
        )
        for target in targets
    ]
    print_table(rows)
    for target in targets:
        _notes(target)


def _pending(target: SyncTargetStatus) -> str:
    if not target.pending_rows:
        return "nothing"
    if not target.pending_photos:
        # Edits of albums, events and the like: no photo among them.
        return "other changes"
    return (
        f"{plural(target.pending_photos, 'photo')}, "
        f"{plural(target.pending_coldpreviews, 'preview')}"
    )


def _notes(target: SyncTargetStatus) -> None:
    """Below the table: what waits since when, and the last failure in plain words."""
    name = escaped(target.name)
    if target.unsynced_since is not None and target.pending_photos:
        print(
            f"{name}: {plural(target.pending_photos, 'photo')} not yet sent "
            f"since {_day(target.unsynced_since)}"
        )
    if target.retry_at is not None:
        print(f"{name}: retrying in {_seconds_until(target.retry_at)}…")
    if target.last_error is not None:
        _failure(
            target.last_error_message,
            target.last_error,
            prefix=f"{name}, {when(target.last_error_at)}: ",
        )


def _failure(message: str | None, details: str | None, *, prefix: str = "") -> None:
    """A failure's sentence, with the technical text after "Details:" on its own line."""
    if message is not None:
        print(f"{prefix}{escaped(message)}")
    if details is not None:
        print(f"  Details: {escaped(details)}")


def _day(moment: datetime) -> str:
    """ "3 Dec" this year, "3 Dec 2023" another year, in this machine's zone."""
    local = moment.astimezone()
    day = f"{local.day} {local:%b}"
    return day if local.year == datetime.now(UTC).astimezone().year else f"{day} {local.year}"


def _seconds_until(moment: datetime) -> str:
    return plural(max(0, round((moment - datetime.now(UTC)).total_seconds())), "second")


def _remove_target(client: DaemonClient, args: argparse.Namespace) -> None:
    wanted: str = args.target_ref
    targets = client.get(f"{API}/targets", list[SyncTarget])
    matches = [
        target
        for target in targets
        if wanted in {str(target.id), target.name, target.url} or target.url == wanted.rstrip("/")
    ]
    if not matches:
        raise Refused(f"not a sync target: {wanted} (see `hotprevue sync targets`)")
    target = matches[0]
    client.delete(f"{API}/targets/{target.id}")
    print(f"Removed sync target {escaped(target.name)}; what it received stays there")


def _push(client: DaemonClient, args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console(stderr=True)
    run = client.post(f"{API}/runs", SyncRun, SyncRunCreate(target=args.target, full=args.full))
    try:
        run = _follow(client, run, console)
    except KeyboardInterrupt:
        console.print("cancelling… (what central acknowledged is kept)")
        client.post(f"{API}/runs/{run.id}/cancel", SyncRun)
        return EXIT_INTERRUPTED
    _summary(run)
    return 0 if run.state == "succeeded" else 1


def _follow(client: DaemonClient, run: SyncRun, console: Console) -> SyncRun:
    with common.progress_bar(console) as bar:
        task = bar.add_task(shown(run.target_name), total=None, figures="")
        while True:
            seconds = max((time.time() - run.started_at.timestamp()), 0.001)
            bar.update(
                task,
                total=run.photos_total or None,
                completed=run.photos_sent,
                figures=(
                    f"photos · {run.coldpreviews_sent}/{run.coldpreviews_wanted} previews · "
                    f"{run.bytes_sent / 1e6:.1f} MB · {run.bytes_sent / 1e6 / seconds:.1f} MB/s"
                    + (
                        f" · retrying in {_seconds_until(run.retry_at)}"
                        if run.retry_at is not None
                        else ""
                    )
                ),
            )
            if run.state != "running":
                return run
            time.sleep(common.POLL_SECONDS)
            run = client.get(f"{API}/runs/{run.id}", SyncRun)


def _summary(run: SyncRun) -> None:
    end = run.finished_at or datetime.now(run.started_at.tzinfo)
    seconds = (end - run.started_at).total_seconds()
    print(f"Sync to {escaped(run.target_name)}: {run.state}")
    print(f"  photos        {run.photos_sent:,} of {plural(run.photos_total, 'photo')}")
    print(f"  previews      {run.coldpreviews_sent:,} of {run.coldpreviews_wanted:,} wanted")
    print(f"  sent          {run.bytes_sent / 1e6:.1f} MB in {seconds:.1f} s")
    # Every changed row (albums, events, files …), for whoever reads logs.
    print(f"  rows          {run.rows_sent:,} of {run.rows_total:,}")
    if run.retries:
        print(f"  retries       {run.retries}")
    if run.error_message is not None or run.error is not None:
        _failure(run.error_message, run.error)
    if run.refused:
        print(f"  refused by central: {plural(len(run.refused), 'photo')}")
        for photo in run.refused[:SHOWN_REFUSED]:
            print(f"  x {escaped(photo.hothash)}: {escaped(photo.reason)}")
        if len(run.refused) > SHOWN_REFUSED:
            print(f"  ... and {len(run.refused) - SHOWN_REFUSED} more (GET {API}/runs/{run.id})")
