"""The `hotprevue` command: run, status, stop, open, register, sessions, photographers,
watch, sync, machines, ui-password, browse-key, tray, autostart."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from daemon import __version__, permissions
from daemon.config import ConfigError, Settings, load_settings
from protocol.client import DaemonClient, DaemonError, DaemonUnreachable
from protocol.local import RuntimeInfo, lock_held
from protocol.system import Status

EXIT_NOT_RUNNING = 3
STOP_TIMEOUT = 60.0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    # Whatever a command writes (logs, lock, daemon.json, coldpreviews) is private.
    permissions.restrict_umask()
    parser = _parser()
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hotprevue", description="Hotprevue photo catalog daemon."
    )
    parser.add_argument("--version", action="version", version=f"hotprevue {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        help="where the catalog lives (default: the per-user data folder; env HOTPREVUE_DATA_DIR)",
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    run = commands.add_parser("run", parents=[common], help="run the daemon in the foreground")
    run.add_argument(
        "--central",
        action="store_true",
        help="central-server mode: no embedded database, DATABASE_URL required",
    )
    run.add_argument("--host", help="address to listen on (local mode: loopback only)")
    run.add_argument("--port", type=int, help="port to listen on (default 8000; 0 = any free)")
    run.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    run.set_defaults(handler=_run)

    status = commands.add_parser("status", parents=[common], help="is the daemon running?")
    status.set_defaults(handler=_status)

    stop = commands.add_parser("stop", parents=[common], help="stop the running daemon")
    stop.set_defaults(handler=_stop)

    register = commands.add_parser(
        "register", parents=[common], help="register the photos in a folder (daemon must run)"
    )
    register.add_argument("path", type=Path, help="folder to register; originals stay untouched")
    register.add_argument("--name", help="session name (default: the folder's name)")
    _photographer_options(register)
    register.add_argument("--event", type=uuid.UUID, help="event id the photos join")
    register.add_argument(
        "--no-recursive", dest="recursive", action="store_false", help="skip subfolders"
    )
    register.add_argument(
        "--no-wait", action="store_true", help="start the session and return at once"
    )
    register.set_defaults(handler=_register)
    _sessions_parser(commands, common)
    _photographers_parser(commands, common)

    # --data-dir belongs to each action: a value given before the action would be reset
    # by the action's own default.
    watch = commands.add_parser(
        "watch", help="folders whose new photos register themselves (daemon must run)"
    )
    actions = watch.add_subparsers(title="actions", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add", parents=[common], help="watch a folder; its photos are registered as they come"
    )
    add.add_argument("path", type=Path, help="folder to watch; originals stay untouched")
    _photographer_options(add)
    add.add_argument(
        "--no-recursive", dest="recursive", action="store_false", help="skip subfolders"
    )
    add.add_argument("--paused", action="store_true", help="add it paused")
    add.set_defaults(handler=_watch, action="add")
    listing = actions.add_parser("list", parents=[common], help="the watched folders")
    listing.set_defaults(handler=_watch, action="list")
    for action, description in (
        ("remove", "stop watching a folder (its photos stay)"),
        ("pause", "pause a watched folder"),
        ("resume", "resume a paused folder"),
        ("rescan", "walk a watched folder again now"),
    ):
        each = actions.add_parser(action, parents=[common], help=description)
        each.add_argument("folder", metavar="PATH-or-ID", help="the folder's path or id")
        each.set_defaults(handler=_watch, action=action)
    _sync_parser(commands, common)
    _machines_parser(commands, common)

    open_ui = commands.add_parser(
        "open", parents=[common], help="open the web UI in your browser, signed in"
    )
    open_ui.add_argument(
        "--print", action="store_true", help="print the one-use link instead of opening it"
    )
    open_ui.set_defaults(handler=_open)
    password = commands.add_parser(
        "ui-password",
        parents=[common],
        help="central: the password browsers sign in with (a prompt, or stdin)",
    )
    password.add_argument("action", choices=["set", "clear"])
    password.set_defaults(handler=_ui_password)
    browse = commands.add_parser(
        "browse-key",
        parents=[common],
        help="central: print the key programs browse the mirror with (it administers nothing)",
    )
    browse.set_defaults(handler=_browse_key)

    tray = commands.add_parser(
        "tray", parents=[common], help="the tray icon: runs the daemon and shows what it does"
    )
    tray.set_defaults(handler=_tray)
    autostart = commands.add_parser("autostart", help="start the tray when you log in")
    autostart.add_argument("action", choices=["enable", "disable", "status"])
    autostart.set_defaults(handler=_autostart, data_dir=None)
    return parser


def _photographer_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--photographer", help="photographer name or id (default: you)")
    command.add_argument(
        "--create-photographer",
        action="store_true",
        help="create the photographer --photographer names if there is none, without asking",
    )


def _sessions_parser(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    sessions = commands.add_parser(
        "sessions", help="registration sessions and their progress (daemon must run)"
    )
    actions = sessions.add_subparsers(title="actions", required=True, metavar="ACTION")
    listing = actions.add_parser("list", parents=[common], help="recent sessions, newest first")
    listing.add_argument("--limit", type=int, default=20, help="how many to show (default 20)")
    listing.set_defaults(handler=_sessions, action="list")
    show = actions.add_parser("show", parents=[common], help="a session's counts and errors")
    show.add_argument("session", metavar="ID", help="the session's id (see `sessions list`)")
    show.add_argument(
        "--follow",
        action="store_true",
        help="show its progress until it ends (Ctrl-C stops following, not the session)",
    )
    show.set_defaults(handler=_sessions, action="show")


def _photographers_parser(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    people = commands.add_parser(
        "photographers", help="who took the photos: list, add, rename, remove, merge"
    )
    actions = people.add_subparsers(title="actions", required=True, metavar="ACTION")
    listing = actions.add_parser("list", parents=[common], help="every photographer")
    listing.set_defaults(handler=_photographers, action="list")
    add = actions.add_parser("add", parents=[common], help="add a photographer")
    add.add_argument("name", metavar="NAME")
    add.set_defaults(handler=_photographers, action="add")
    rename = actions.add_parser("rename", parents=[common], help="give a photographer a new name")
    rename.add_argument("old", metavar="NAME")
    rename.add_argument("new", metavar="NEW-NAME")
    rename.set_defaults(handler=_photographers, action="rename")
    remove = actions.add_parser(
        "remove", parents=[common], help="remove a photographer who has no photos"
    )
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=_photographers, action="remove")
    merge = actions.add_parser(
        "merge", parents=[common], help="give one photographer's photos to another, then remove"
    )
    merge.add_argument("name", metavar="NAME", help="the photographer who goes")
    merge.add_argument("--into", required=True, metavar="OTHER", help="the one who stays")
    merge.set_defaults(handler=_photographers, action="merge")


def _machines_parser(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    machines = commands.add_parser(
        "machines", help="central: the tokens machines push with (central must run)"
    )
    actions = machines.add_subparsers(title="actions", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add", parents=[common], help="make a token for a machine (shown once)"
    )
    add.add_argument("name", help="what to call the machine here")
    add.add_argument(
        "--installation",
        type=uuid.UUID,
        metavar="ID",
        help="bind it to this installation, which pushed here before (the refusal names it)",
    )
    add.set_defaults(handler=_machines, action="add")
    listing = actions.add_parser("list", parents=[common], help="the machine tokens")
    listing.set_defaults(handler=_machines, action="list")
    revoke = actions.add_parser("revoke", parents=[common], help="revoke a machine's token")
    revoke.add_argument("machine", metavar="NAME-or-ID", help="the token's name or id")
    revoke.set_defaults(handler=_machines, action="revoke")


def _sync_parser(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    sync = commands.add_parser(
        "sync",
        parents=[common],
        help="push the catalog to a central server, or manage its targets (daemon must run)",
    )
    sync.add_argument(
        "--target", metavar="NAME", help="target name, URL or id (default: the only one)"
    )
    sync.add_argument("--full", action="store_true", help="send everything again")
    sync.set_defaults(handler=_sync, action=None)
    # The actions take --data-dir too, without a default of their own: one given before
    # the action (`sync --data-dir D targets`) is kept.
    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="as above")
    actions = sync.add_subparsers(title="actions", required=False, metavar="ACTION")
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


def _run(settings: Settings, _args: argparse.Namespace) -> int:
    # Imported here, not at the top: decoding workers start by importing this
    # module, and the web stack would cost each of them 0.3 s of CPU for nothing.
    from daemon import logs, server

    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    logs.configure(settings.paths.logs, settings.log_level)
    try:
        return server.run(settings)
    except server.StartError as exc:
        logging.getLogger("daemon").error("%s", exc)
        return 1


def _running(settings: Settings) -> bool:
    """True while some process holds the data directory's daemon lock."""
    return lock_held(settings.paths.lock)


def _client(settings: Settings, info: RuntimeInfo) -> DaemonClient:
    return DaemonClient(info.url, settings.client_api_key())


def _connect(settings: Settings) -> DaemonClient | None:
    """A client of the running daemon, or None after saying it is not running."""
    info = RuntimeInfo.read(settings.paths.runtime)
    if not _running(settings) or info is None:
        print(
            f"Hotprevue is not running (data dir {settings.data_dir}); start it with "
            "`hotprevue run`",
            file=sys.stderr,
        )
        return None
    return _client(settings, info)


def _on_daemon(
    settings: Settings,
    args: argparse.Namespace,
    command: Callable[[DaemonClient, argparse.Namespace], int],
) -> int:
    """Run a command against the running daemon, or say it is not running."""
    client = _connect(settings)
    if client is None:
        return EXIT_NOT_RUNNING
    return command(client, args)


# Each command's module is imported when it runs: see `_run` on what imports cost.
def _register(settings: Settings, args: argparse.Namespace) -> int:
    from daemon import cli_register

    return _on_daemon(settings, args, cli_register.register)


def _sessions(settings: Settings, args: argparse.Namespace) -> int:
    from daemon import cli_sessions

    return _on_daemon(settings, args, cli_sessions.sessions)


def _photographers(settings: Settings, args: argparse.Namespace) -> int:
    from daemon import cli_photographers

    return _on_daemon(settings, args, cli_photographers.photographers)


def _watch(settings: Settings, args: argparse.Namespace) -> int:
    from daemon import cli_watch

    return _on_daemon(settings, args, cli_watch.watch)


def _sync(settings: Settings, args: argparse.Namespace) -> int:
    from daemon import cli_sync

    return _on_daemon(settings, args, cli_sync.sync)


def _machines(settings: Settings, args: argparse.Namespace) -> int:
    from daemon import cli_machines

    return _on_daemon(settings, args, cli_machines.machines)


def _open(settings: Settings, args: argparse.Namespace) -> int:
    from daemon import cli_ui

    return _on_daemon(settings, args, cli_ui.open_ui)


def _ui_password(settings: Settings, args: argparse.Namespace) -> int:
    from daemon import cli_ui

    return cli_ui.ui_password(settings, args)


def _browse_key(settings: Settings, args: argparse.Namespace) -> int:
    from daemon import cli_ui

    return cli_ui.browse_key(settings, args)


def _tray(settings: Settings, _args: argparse.Namespace) -> int:
    from tray import app

    return app.main(settings)


def _autostart(_settings: Settings, args: argparse.Namespace) -> int:
    from daemon import cli_autostart

    return cli_autostart.autostart(args.action)


def _status(settings: Settings, _args: argparse.Namespace) -> int:
    info = RuntimeInfo.read(settings.paths.runtime)
    if not _running(settings) or info is None:
        print(f"Hotprevue is not running (data dir {settings.data_dir})")
        return EXIT_NOT_RUNNING
    try:
        status = _client(settings, info).get("/api/status", Status)
    except (DaemonUnreachable, DaemonError) as exc:
        print(f"Hotprevue (pid {info.pid}) is starting or not answering at {info.url}: {exc}")
        return 1
    rows = [
        ("status", "running"),
        ("url", info.url),
        ("mode", status.mode),
        ("version", status.version),
        ("pid", str(status.pid)),
        ("data dir", status.data_dir),
        ("coldpreviews", status.coldpreview_dir),
        ("database size", _human_bytes(status.database_size_bytes)),
        ("photos", f"{status.photo_count:,}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


def _stop(settings: Settings, _args: argparse.Namespace) -> int:
    info = RuntimeInfo.read(settings.paths.runtime)
    if not _running(settings):
        if settings.embedded_database and _stop_abandoned_database(settings):
            print(
                f"Hotprevue was not running (data dir {settings.data_dir}); stopped the "
                "database it left running when it was killed"
            )
            return 0
        print(f"Hotprevue is not running (data dir {settings.data_dir})")
        return 0
    try:
        if info is None:
            raise DaemonUnreachable("daemon.json is missing")
        _client(settings, info).post_empty("/api/shutdown")
    except (DaemonUnreachable, DaemonError) as exc:
        if info is None:
            print(f"Hotprevue holds {settings.paths.lock} but cannot be reached: {exc}")
            return 1
        # Still starting (no HTTP yet): a signal stops it just as cleanly.
        import signal

        os.kill(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while _running(settings):
        if time.monotonic() > deadline:
            print(f"Hotprevue did not stop within {STOP_TIMEOUT:.0f} s", file=sys.stderr)
            return 1
        time.sleep(0.1)
    print("Hotprevue stopped")
    return 0


def _stop_abandoned_database(settings: Settings) -> bool:
    """Stop the embedded PostgreSQL a killed daemon left running; whether there was one."""
    from daemon.embedded_pg import EmbeddedPostgres

    database = EmbeddedPostgres(settings.paths.pgdata)
    if not database.processes():
        return False
    database.stop_abandoned()
    return True


def _human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


if __name__ == "__main__":
    sys.exit(main())
