"""`hotprevue open` (the web UI, signed in), and on central `hotprevue ui-password` (how
browsers sign in) and `hotprevue browse-key` (the key programs browse with)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from daemon.cli import common
from daemon.config import Settings
from protocol.client import DaemonClient, DaemonError
from protocol.ui import LOGIN_LINKS_PATH, MIN_PASSWORD_LENGTH, LoginLink

if TYPE_CHECKING:
    from daemon.cli.common import Commands


def add_parser(commands: Commands, with_data_dir: argparse.ArgumentParser) -> None:
    """Add `open`, `ui-password` and `browse-key`."""
    browser = commands.add_parser(
        "open", parents=[with_data_dir], help="open the web UI in your browser, signed in"
    )
    browser.add_argument(
        "--print", action="store_true", help="print the one-use link instead of opening it"
    )
    browser.set_defaults(handler=open_ui)
    password = commands.add_parser(
        "ui-password",
        parents=[with_data_dir],
        help="central: the password browsers sign in with (a prompt, or stdin)",
    )
    password.add_argument("action", choices=["set", "clear"])
    password.set_defaults(handler=ui_password)
    key = commands.add_parser(
        "browse-key",
        parents=[with_data_dir],
        help="central: print the key programs browse the mirror with (it administers nothing)",
    )
    key.set_defaults(handler=browse_key)


def open_ui(settings: Settings, args: argparse.Namespace) -> int:
    """Open the web UI in the default browser through a one-use login link."""
    return common.on_daemon(settings, args, _open)


def _open(client: DaemonClient, args: argparse.Namespace) -> int:
    import webbrowser

    try:
        link = client.post(LOGIN_LINKS_PATH, LoginLink)
    except DaemonError as exc:
        print(f"hotprevue open: {exc.detail}", file=sys.stderr)
        return 1
    if args.print:
        print(link.url)
        return 0
    if not webbrowser.open(link.url):
        print(
            "hotprevue open: no web browser could be started; open this link within a "
            f"minute (it works once):\n{link.url}",
            file=sys.stderr,
        )
        return 1
    print("Opened Hotprevue in your web browser")
    return 0


def browse_key(settings: Settings, _args: argparse.Namespace) -> int:
    """Print central's browsing key: it reads the mirror and administers nothing."""
    if _not_central(settings, "browse-key"):
        return 1
    try:
        key = settings.paths.browse_key.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        print(
            "hotprevue browse-key: central makes its browsing key at its first start; "
            "start it with `hotprevue run --central`",
            file=sys.stderr,
        )
        return 1
    print(key)
    return 0


def ui_password(settings: Settings, args: argparse.Namespace) -> int:
    """Set or clear the password browsers sign in to a central server with."""
    # Imported here: the services bring the database driver, which no other command needs.
    from daemon.services.ui_sessions import clear_password, set_password

    if _not_central(settings, "ui-password"):
        return 1
    path = settings.paths.ui_password
    if args.action == "clear":
        if clear_password(path):
            print("Browser sign-in is off; signed-in browsers stay signed in until they sign out")
        else:
            print("Browser sign-in was already off")
        return 0
    password = _read_password()
    if len(password) < MIN_PASSWORD_LENGTH:
        print(
            f"hotprevue ui-password: use at least {MIN_PASSWORD_LENGTH} characters",
            file=sys.stderr,
        )
        return 2
    set_password(path, password)
    print(f"Browser sign-in is on: the password's hash is in {path}")
    return 0


def _not_central(settings: Settings, command: str) -> bool:
    """Whether the data dir is a local catalog's (its embedded database is there), after
    saying so: what only central reads would lie there unread."""
    if not settings.paths.pgdata.exists():
        return False
    print(f"hotprevue {command}: {common.NOT_CENTRAL}", file=sys.stderr)
    return True


def _read_password() -> str:
    """From a prompt (typed twice) on a terminal, else the first line of stdin."""
    import getpass

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password for the web UI: ")
    if getpass.getpass("The same again: ") != first:
        print("hotprevue ui-password: the two did not match", file=sys.stderr)
        raise SystemExit(2)
    return first
