"""`hotprevue photographers`: list, add, rename, remove and merge photographers; and the
`--photographer NAME` of `register` and `watch add`, which may create the one it names.

Names are matched trimmed and without regard to case, so "kari " finds "Kari".
"""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import TYPE_CHECKING

from daemon.cli import common
from daemon.cli.common import Action, Refused, print_table
from daemon.config import Settings
from daemon.paths import escaped
from protocol.client import DaemonClient, DaemonError
from protocol.photographers import (
    Photographer,
    PhotographerCreate,
    PhotographerMerge,
    PhotographerPatch,
)

if TYPE_CHECKING:
    from daemon.cli.common import Commands

API = "/api/photographers"
HTTP_CONFLICT = 409


def add_parser(commands: Commands, with_data_dir: argparse.ArgumentParser) -> None:
    """Add `photographers` and its actions."""
    command = commands.add_parser(
        "photographers", help="who took the photos: list, add, rename, remove, merge"
    )
    actions = command.add_subparsers(title="actions", required=True, metavar="ACTION")
    listing = actions.add_parser("list", parents=[with_data_dir], help="every photographer")
    listing.set_defaults(handler=run, action="list")
    add = actions.add_parser("add", parents=[with_data_dir], help="add a photographer")
    add.add_argument("name", metavar="NAME")
    add.set_defaults(handler=run, action="add")
    rename = actions.add_parser(
        "rename", parents=[with_data_dir], help="give a photographer a new name"
    )
    rename.add_argument("old", metavar="NAME")
    rename.add_argument("new", metavar="NEW-NAME")
    rename.set_defaults(handler=run, action="rename")
    remove = actions.add_parser(
        "remove", parents=[with_data_dir], help="remove a photographer who has no photos"
    )
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=run, action="remove")
    merge = actions.add_parser(
        "merge",
        parents=[with_data_dir],
        help="give one photographer's photos to another, then remove",
    )
    merge.add_argument("name", metavar="NAME", help="the photographer who goes")
    merge.add_argument("--into", required=True, metavar="OTHER", help="the one who stays")
    merge.set_defaults(handler=run, action="merge")


def add_photographer_options(command: argparse.ArgumentParser) -> None:
    """Add `--photographer` and `--create-photographer` (read by `photographer_id`)."""
    command.add_argument("--photographer", help="photographer name or id (default: you)")
    command.add_argument(
        "--create-photographer",
        action="store_true",
        help="create the photographer --photographer names if there is none, without asking",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run one `photographers` action; exit code 0 when it did what was asked."""
    actions: dict[str | None, Action] = {
        "list": _list,
        "add": _add,
        "rename": _rename,
        "remove": _remove,
        "merge": _merge,
    }
    return common.run_action(settings, args, "photographers", actions)


def photographer_id(
    client: DaemonClient, wanted: str | None, *, create: bool = False
) -> uuid.UUID | None:
    """The id of the photographer named (or given by id); when none has the name, one is
    created with `create`, or after asking on a terminal; Refused otherwise."""
    if wanted is None:
        return None
    try:
        return uuid.UUID(wanted)
    except ValueError:
        pass
    found = _named(client, wanted)
    if found is not None:
        return found.id
    name = wanted.strip()
    if not (create or _confirmed(f"There is no photographer named {escaped(name)}. Create one?")):
        raise Refused(
            f"there is no photographer named {escaped(name)}: add --create-photographer to "
            f'create one, or run `hotprevue photographers add "{escaped(name)}"` first'
        )
    made = client.post(API, Photographer, PhotographerCreate(name=name))
    print(f"Added photographer {escaped(made.name)}", file=sys.stderr)
    return made.id


def _confirmed(question: str) -> bool:
    """Yes by default on a terminal; never without one (no one is there to answer)."""
    if not sys.stdin.isatty():
        return False
    print(f"{question} [Y/n] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().casefold() in {"", "y", "yes"}


def _named(client: DaemonClient, wanted: str) -> Photographer | None:
    """The one photographer with this name or id; None when none; Refused when several."""
    matches = common.find(client.get(API, list[Photographer]), wanted, _with_name)
    if len(matches) > 1:
        raise Refused(
            f"{len(matches)} photographers are named {escaped(wanted.strip())}: give the id of "
            "one (see `hotprevue photographers list`)"
        )
    return matches[0] if matches else None


def _with_name(people: list[Photographer], name: str) -> list[Photographer]:
    key = name.strip().casefold()
    return [person for person in people if person.name.strip().casefold() == key]


def _existing(client: DaemonClient, wanted: str) -> Photographer:
    found = _named(client, wanted)
    if found is None:
        raise Refused(
            f"there is no photographer named {escaped(wanted.strip())} "
            "(see `hotprevue photographers list`)"
        )
    return found


def _list(client: DaemonClient, _args: argparse.Namespace) -> None:
    people = client.get(API, list[Photographer])
    rows = [("NAME", "ROLE", "ID")]
    rows += [(escaped(p.name), _role(p), str(p.id)) for p in people]
    print_table(rows)


def _role(person: Photographer) -> str:
    if person.is_default:
        return "you (the default)"
    if person.is_unknown:
        return "unknown"
    return "-"


def _add(client: DaemonClient, args: argparse.Namespace) -> None:
    name = args.name.strip()
    if _named(client, name) is not None:
        raise Refused(f"there is already a photographer named {escaped(name)}")
    made = client.post(API, Photographer, PhotographerCreate(name=name))
    print(f"Added photographer {escaped(made.name)}")


def _rename(client: DaemonClient, args: argparse.Namespace) -> None:
    person = _existing(client, args.old)
    new = args.new.strip()
    other = _named(client, new)
    if other is not None and other.id != person.id:
        raise Refused(
            f"there is already a photographer named {escaped(other.name)}; to give them one "
            f'name, run `hotprevue photographers merge "{escaped(person.name)}" '
            f'--into "{escaped(other.name)}"`'
        )
    renamed = client.patch(f"{API}/{person.id}", Photographer, PhotographerPatch(name=new))
    print(f"Renamed {escaped(person.name)} to {escaped(renamed.name)}")


def _remove(client: DaemonClient, args: argparse.Namespace) -> None:
    person = _existing(client, args.name)
    try:
        client.delete(f"{API}/{person.id}")
    except DaemonError as exc:
        if exc.status != HTTP_CONFLICT or person.is_default or person.is_unknown:
            raise
        raise Refused(
            f"{exc.detail} (`hotprevue photographers merge "
            f'"{escaped(person.name)}" --into OTHER` does it and removes them)'
        ) from None
    print(f"Removed photographer {escaped(person.name)}")


def _merge(client: DaemonClient, args: argparse.Namespace) -> None:
    person = _existing(client, args.name)
    into = _existing(client, args.into)
    kept = client.post(f"{API}/{person.id}/merge", Photographer, PhotographerMerge(into=into.id))
    print(
        f"Merged {escaped(person.name)} into {escaped(kept.name)}: their photos, sessions and "
        f"watched folders are now {escaped(kept.name)}'s"
    )
