"""The `hotprevue` command: run, status, stop, open, register, sessions, photographers,
watch, sync, machines, ui-password, browse-key, tray, autostart.

The entry (`python -m daemon.cli`, and the file the standalone build compiles): it builds
the parser from each command group's `add_parser` and runs the handler a command set.
Every group module is imported for every command: their top-level imports stay light,
and what only one command needs is imported where it runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from daemon import __version__, permissions
from daemon.cli import (
    desktop,
    lifecycle,
    machines,
    photographers,
    register,
    sessions,
    sync,
    ui,
    watch,
)
from daemon.config import ConfigError, load_settings

# In the order `hotprevue --help` lists their commands.
GROUPS = (lifecycle, register, sessions, photographers, watch, sync, machines, ui, desktop)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the command; its exit code."""
    # Whatever a command writes (logs, lock, daemon.json, coldpreviews) is private.
    permissions.restrict_umask()
    parser = build_parser()
    if argv is None:
        argv = bundle_arguments(sys.argv[1:], Path(sys.argv[0]))
    args = parser.parse_args(argv)
    try:
        settings = load_settings(
            central=getattr(args, "central", False),
            data_dir=args.data_dir,
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            log_level=getattr(args, "log_level", None),
        )
    except ConfigError as exc:
        parser.exit(2, f"hotprevue: {exc}\n")
    command: int = args.handler(settings, args)
    return command


def bundle_arguments(argv: list[str], program: Path) -> list[str]:
    """The arguments to run: the tray for a macOS app bundle that Finder or login started."""
    # Finder and login items start an app with no arguments (older macOS add -psn_…);
    # the bundle's program is then the menu-bar app, and its daemon the same program.
    args = [arg for arg in argv if not arg.startswith("-psn_")]
    folder = program.resolve().parent
    if not args and folder.name == "MacOS" and folder.parent.name == "Contents":
        return ["tray"]
    return args


def build_parser() -> argparse.ArgumentParser:
    """Every command's parser; each sets `handler`, what runs it."""
    parser = argparse.ArgumentParser(
        prog="hotprevue", description="Hotprevue photo catalog daemon."
    )
    parser.add_argument("--version", action="version", version=f"hotprevue {__version__}")
    with_data_dir = argparse.ArgumentParser(add_help=False)
    with_data_dir.add_argument(
        "--data-dir",
        type=Path,
        help="where the catalog lives (default: the per-user data folder; env HOTPREVUE_DATA_DIR)",
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.add_parser(commands, with_data_dir)
    return parser


if __name__ == "__main__":
    sys.exit(main())
