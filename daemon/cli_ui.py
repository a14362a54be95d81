"""`hotprevue open` (the web UI, signed in), and on central `hotprevue ui-password` (how
browsers sign in) and `hotprevue browse-key` (the key programs browse with)."""

from __future__ import annotations

import argparse
import getpass
import sys
import webbrowser

from daemon.config import Settings
from daemon.services.ui_sessions import clear_password, set_password
from protocol.client import DaemonClient, DaemonError
from protocol.ui import LOGIN_LINKS_PATH, MIN_PASSWORD_LENGTH, LoginLink


def open_ui(client: DaemonClient, args: argparse.Namespace) -> int:
    """Open the web UI in the default browser through a one-use login link."""
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


def _not_central(settings: Settings, command: str) -> bool:
    """Whether the data dir is a local catalog's (its embedded database is there), after
    saying so: what only central reads would lie there unread."""
    if not settings.paths.pgdata.exists():
        return False
    print(
        f"hotprevue {command}: this Hotprevue is not a central server: start one with "
        "`hotprevue run --central --data-dir DIR --port PORT`, or pass --data-dir of "
        "the central",
        file=sys.stderr,
    )
    return True


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


def _read_password() -> str:
    """From a prompt (typed twice) on a terminal, else the first line of stdin."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password for the web UI: ")
    if getpass.getpass("The same again: ") != first:
        print("hotprevue ui-password: the two did not match", file=sys.stderr)
        raise SystemExit(2)
    return first
