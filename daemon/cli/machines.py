"""`hotprevue machines` (central): the tokens machines push with: add, list, revoke."""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import TYPE_CHECKING

from daemon.cli import common
from daemon.cli.common import Action, Refused, print_table, when
from daemon.config import Settings
from daemon.paths import escaped
from protocol.client import DaemonClient
from protocol.machines import Machine, MachineCreate, MachineToken
from protocol.system import Status

if TYPE_CHECKING:
    from daemon.cli.common import Commands

API = "/api/machines"


def add_parser(commands: Commands, with_data_dir: argparse.ArgumentParser) -> None:
    """Add `machines` and its actions."""
    command = commands.add_parser(
        "machines", help="central: the tokens machines push with (central must run)"
    )
    actions = command.add_subparsers(title="actions", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add", parents=[with_data_dir], help="make a token for a machine (shown once)"
    )
    add.add_argument("name", help="what to call the machine here")
    add.add_argument(
        "--installation",
        type=uuid.UUID,
        metavar="ID",
        help="bind it to this installation, which pushed here before (the refusal names it)",
    )
    add.set_defaults(handler=run, action="add")
    listing = actions.add_parser("list", parents=[with_data_dir], help="the machine tokens")
    listing.set_defaults(handler=run, action="list")
    revoke = actions.add_parser("revoke", parents=[with_data_dir], help="revoke a machine's token")
    revoke.add_argument("machine", metavar="NAME-or-ID", help="the token's name or id")
    revoke.set_defaults(handler=run, action="revoke")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run one `machines` action; exit code 0 when it did what was asked."""
    actions: dict[str | None, Action] = {
        "add": _central_only(_add),
        "list": _central_only(_list),
        "revoke": _central_only(_revoke),
    }
    return common.run_action(settings, args, "machines", actions)


def _central_only(action: Action) -> Action:
    """The action, after making sure the daemon is central: a local one has no tokens."""

    def checked(client: DaemonClient, args: argparse.Namespace) -> int | None:
        if client.get("/api/status", Status).mode != "central":
            print(f"hotprevue machines {args.action}: {common.NOT_CENTRAL}", file=sys.stderr)
            return 1
        return action(client, args)

    return checked


def _add(client: DaemonClient, args: argparse.Namespace) -> None:
    wanted = MachineCreate(name=args.name, installation_id=args.installation)
    made = client.post(API, MachineToken, wanted)
    bound = f", bound to installation {args.installation}" if args.installation else ""
    print(f"Token for {escaped(made.name)}{bound} (shown this once; central keeps only its hash):")
    print(made.token)
    print(f"On that machine: hotprevue sync add-target URL --token {made.token}")


def _list(client: DaemonClient, _args: argparse.Namespace) -> None:
    listed = client.get(API, list[Machine])
    if not listed:
        print("No machine tokens; make one with `hotprevue machines add NAME`")
        return
    rows = [("NAME", "STATE", "MACHINE", "LAST SYNC", "ID")]
    rows += [
        (
            escaped(machine.name),
            "revoked" if machine.revoked_at else "active",
            escaped(machine.machine_name) if machine.machine_name else "-",
            when(machine.last_sync_at),
            str(machine.id),
        )
        for machine in listed
    ]
    print_table(rows)


def _revoke(client: DaemonClient, args: argparse.Namespace) -> None:
    machine = client.post(f"{API}/{_target(client, args.machine).id}/revoke", Machine)
    print(f"Revoked the token of {escaped(machine.name)}: it can no longer push here")


def _target(client: DaemonClient, wanted: str) -> Machine:
    """The token an argument names: its id, or the name of an active token."""
    matches = common.find(client.get(API, list[Machine]), wanted, _active_named)
    if not matches:
        raise Refused(f"no active machine token {wanted!r} (see `hotprevue machines list`)")
    return matches[0]


def _active_named(tokens: list[Machine], name: str) -> list[Machine]:
    return [token for token in tokens if token.name == name and token.revoked_at is None]
