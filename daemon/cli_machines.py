"""`hotprevue machines` (central): the tokens machines push with: add, list, revoke."""

from __future__ import annotations

import argparse
import sys
import uuid

from daemon.cli_actions import Action, Refused, print_table, run_action, when
from daemon.paths import escaped
from protocol.client import DaemonClient
from protocol.machines import Machine, MachineCreate, MachineToken
from protocol.system import Status

API = "/api/machines"
NOT_CENTRAL = (
    "this Hotprevue is not a central server: start one with "
    "`hotprevue run --central --data-dir DIR --port PORT`, or pass --data-dir of the central"
)


def machines(client: DaemonClient, args: argparse.Namespace) -> int:
    """Run one `machines` action; exit code 0 when it did what was asked."""
    actions: dict[str | None, Action] = {
        "add": _central_only(_add),
        "list": _central_only(_list),
        "revoke": _central_only(_revoke),
    }
    return run_action("machines", actions, client, args)


def _central_only(action: Action) -> Action:
    """The action, after making sure the daemon is central: a local one has no tokens."""

    def checked(client: DaemonClient, args: argparse.Namespace) -> int | None:
        if client.get("/api/status", Status).mode != "central":
            print(f"hotprevue machines {args.action}: {NOT_CENTRAL}", file=sys.stderr)
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
    listed = client.get(API, list[Machine])
    try:
        token_id = uuid.UUID(wanted)
    except ValueError:
        matches = [m for m in listed if m.name == wanted and m.revoked_at is None]
    else:
        matches = [m for m in listed if m.id == token_id]
    if not matches:
        raise Refused(f"no active machine token {wanted!r} (see `hotprevue machines list`)")
    return matches[0]
