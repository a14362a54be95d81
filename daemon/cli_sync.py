"""`hotprevue sync`: push to a central server with progress, and manage its targets.

A target's name, URL and last error come from a user or a server: each is printed
escaped, so none can send escape sequences to the terminal or markup to the progress bar.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path

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

from daemon.cli_actions import Action, Refused, print_table, run_action, when
from daemon.paths import escaped
from protocol.client import DaemonClient
from protocol.sync import SyncRun, SyncRunCreate, SyncStatus, SyncTarget, SyncTargetCreate

API = "/api/sync"
POLL_SECONDS = 0.5
EXIT_INTERRUPTED = 130
SHOWN_REFUSED = 20
TOKEN_FROM_STDIN = "-"  # noqa: S105 - the name of standard input, no secret


def sync(client: DaemonClient, args: argparse.Namespace) -> int:
    """Run `sync` or one of its actions; exit code 0 when it did what was asked."""
    actions: dict[str | None, Action] = {
        None: _run,
        "add-target": _add_target,
        "targets": _targets,
        "remove-target": _remove_target,
    }
    return run_action("sync", actions, client, args)


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
    rows = [("NAME", "URL", "TLS", "LAST SUCCESS", "PENDING", "LAST ERROR")]
    rows += [
        (
            escaped(target.name),
            escaped(target.url),
            "encrypted" if target.encrypted else "unencrypted",
            when(target.last_success_at),
            f"{target.pending_rows:,}" + (" (syncing)" if target.running else ""),
            "-"
            if target.last_error is None
            else f"{when(target.last_error_at)}: {escaped(target.last_error)}",
        )
        for target in targets
    ]
    print_table(rows)


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


def _run(client: DaemonClient, args: argparse.Namespace) -> int:
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
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[figures]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(_shown(run.target_name), total=None, figures="")
        while True:
            seconds = max((time.time() - run.started_at.timestamp()), 0.001)
            bar.update(
                task,
                total=run.rows_total or None,
                completed=run.rows_sent,
                figures=(
                    f"rows · {run.coldpreviews_sent}/{run.coldpreviews_wanted} coldpreviews · "
                    f"{run.bytes_sent / 1e6:.1f} MB · {run.bytes_sent / 1e6 / seconds:.1f} MB/s"
                    + (f" · {run.retries} retries" if run.retries else "")
                ),
            )
            if run.state != "running":
                return run
            time.sleep(POLL_SECONDS)
            run = client.get(f"{API}/runs/{run.id}", SyncRun)


def _summary(run: SyncRun) -> None:
    end = run.finished_at or datetime.now(run.started_at.tzinfo)
    seconds = (end - run.started_at).total_seconds()
    print(f"Sync to {escaped(run.target_name)}: {run.state}")
    print(f"  rows          {run.rows_sent:,} of {run.rows_total:,}")
    print(f"  photos        {run.photos_sent:,}")
    print(f"  coldpreviews  {run.coldpreviews_sent:,} of {run.coldpreviews_wanted:,} wanted")
    print(f"  sent          {run.bytes_sent / 1e6:.1f} MB in {seconds:.1f} s")
    if run.retries:
        print(f"  retries       {run.retries}")
    if run.error:
        print(f"  reason: {escaped(run.error)}")
    if run.refused:
        print(f"  refused by central: {len(run.refused)} photos")
        for photo in run.refused[:SHOWN_REFUSED]:
            print(f"  x {escaped(photo.hothash)}: {escaped(photo.reason)}")
        if len(run.refused) > SHOWN_REFUSED:
            print(f"  ... and {len(run.refused) - SHOWN_REFUSED} more (GET {API}/runs/{run.id})")


def _shown(text: str) -> str:
    """Text for the rich console: escaped for the terminal, then for rich's markup."""
    return markup_escape(escaped(text))
