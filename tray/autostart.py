"""Start the tray at login: an XDG autostart entry, a macOS LaunchAgent or a Windows Run value.

Each platform is a small class given its folder or registry module, so all three can be
exercised anywhere; the module functions pick the one for `sys.platform` at call time
and read the real state every time, since the user can change it behind our back.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import plistlib
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol, cast
from xml.parsers.expat import ExpatError

from tray.icons import icon_path
from tray.program import program_argv

NAME = "Hotprevue"
DESKTOP_FILE = "hotprevue.desktop"
AGENT_LABEL = "no.hotprevue.tray"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
# What Task Manager and Settings write for "enabled": an even first byte, then zeros.
# An odd first byte (0x03, 0x07) means the user switched the entry off there.
APPROVED_ON = bytes([0x02]) + bytes(11)
# Characters the Desktop Entry spec reserves in Exec: an argument holding one is quoted.
_EXEC_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")


class AutostartError(Exception):
    """Start at login could not be read or changed; the message says what and where."""


def is_enabled() -> bool:
    """Whether the tray starts when this user logs in, read from the system now."""
    return _current().is_enabled()


def enable(tray_args: Sequence[str] = ()) -> None:
    """Start the tray (with `tray_args`, e.g. its --data-dir) at every login of this user."""
    _current().enable([*program_argv(), "tray", *tray_args])


def disable() -> None:
    """Stop starting the tray at login (a no-op when it is off already)."""
    _current().disable()


def location() -> str:
    """Where the login entry lives, for messages."""
    return _current().location()


class _Platform(Protocol):
    def is_enabled(self) -> bool: ...
    def enable(self, argv: list[str]) -> None: ...
    def disable(self) -> None: ...
    def location(self) -> str: ...


def _current() -> _Platform:
    if sys.platform == "win32":
        return WindowsRun(cast("Registry", importlib.import_module("winreg")))
    if sys.platform == "darwin":
        return LaunchAgent(Path.home() / "Library" / "LaunchAgents")
    return XdgAutostart(xdg_config_home() / "autostart")


def xdg_config_home() -> Path:
    """$XDG_CONFIG_HOME, or ~/.config when it is unset or not absolute (as the spec says)."""
    configured = Path(os.environ.get("XDG_CONFIG_HOME", ""))
    return configured if configured.is_absolute() else Path.home() / ".config"


class XdgAutostart:
    """A desktop entry in the user's autostart folder (GNOME, KDE, Xfce, … all read it)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / DESKTOP_FILE

    def is_enabled(self) -> bool:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except (FileNotFoundError, NotADirectoryError):
            return False  # nothing there, so nothing starts
        except OSError as exc:
            raise AutostartError(f"cannot read {self.path}: {exc.strerror}") from exc
        entry = desktop_entry(text)
        # Hidden=true is how a user (or a settings app) switches an entry off.
        return entry.get("Hidden") != "true" and entry.get("X-GNOME-Autostart-enabled") != "false"

    def enable(self, argv: list[str]) -> None:
        exec_line = " ".join(exec_argument(arg) for arg in argv)
        lines = [
            "[Desktop Entry]",
            "Type=Application",
            f"Name={NAME}",
            "Comment=Photo catalog: keeps Hotprevue running and shows what it does",
            f"Exec={exec_line}",
            f"Icon={_icon()}",
            "Terminal=false",
            "X-GNOME-Autostart-enabled=true",
        ]
        try:
            data = ("\n".join(lines) + "\n").encode("utf-8")
        except UnicodeEncodeError as exc:
            raise AutostartError(f"the program's path is not valid UTF-8: {argv[0]!a}") from exc
        _write_atomically(self.path, data)

    def disable(self) -> None:
        _remove(self.path)

    def location(self) -> str:
        return str(self.path)


def _icon() -> str:
    """The entry's icon: the package's own PNG, by absolute path, which a venv install
    has; the installed icon's name otherwise (only a system package installs one)."""
    path = icon_path("idle")
    return str(path) if path.is_file() else "hotprevue"


def exec_argument(arg: str) -> str:
    """One argument as the Desktop Entry spec wants it in an Exec value."""
    if arg and not _EXEC_RESERVED.intersection(arg):
        quoted = arg
    else:
        quoted = '"' + "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg) + '"'
    # A literal % would start a field code; then the value is a string, whose own
    # escapes (backslash, newline, tab, return) are undone before the quoting is.
    quoted = quoted.replace("%", "%%").replace("\\", "\\\\")
    return quoted.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def desktop_entry(text: str) -> dict[str, str]:
    """The keys of a desktop file's [Desktop Entry] group (values as written)."""
    entry: dict[str, str] = {}
    group = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1]
        elif group == "Desktop Entry" and "=" in line:
            key, _, value = line.partition("=")
            entry[key.strip()] = value.strip()
    return entry


class LaunchAgent:
    """A per-user LaunchAgent; launchd loads it at the next login, so no launchctl call.

    Nor on disable: `launchctl bootout` would also kill the running tray it started.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / f"{AGENT_LABEL}.plist"

    def is_enabled(self) -> bool:
        try:
            agent = plistlib.loads(self.path.read_bytes())
        except (FileNotFoundError, NotADirectoryError):
            return False  # nothing there, so nothing starts
        except OSError as exc:
            raise AutostartError(f"cannot read {self.path}: {exc.strerror}") from exc
        except (plistlib.InvalidFileException, ExpatError):
            return False  # launchd skips an agent it cannot parse
        return (
            isinstance(agent, dict)
            and agent.get("RunAtLoad") is True
            and agent.get("Disabled") is not True
        )

    def enable(self, argv: list[str]) -> None:
        agent = {
            "Label": AGENT_LABEL,
            "ProgramArguments": argv,
            "RunAtLoad": True,
            # A GUI app in the user's graphical session, not restarted when it quits.
            "ProcessType": "Interactive",
            "LimitLoadToSessionType": "Aqua",
        }
        _write_atomically(self.path, plistlib.dumps(agent))

    def disable(self) -> None:
        _remove(self.path)

    def location(self) -> str:
        return str(self.path)


class Registry(Protocol):
    """The part of `winreg` used here (a fake stands in for it in tests)."""

    HKEY_CURRENT_USER: int
    KEY_READ: int
    KEY_SET_VALUE: int
    REG_SZ: int
    REG_BINARY: int

    def OpenKey(  # noqa: N802
        self, key: int, sub_key: str, reserved: int, access: int, /
    ) -> AbstractContextManager[object]: ...
    def CreateKeyEx(  # noqa: N802
        self, key: int, sub_key: str, reserved: int, access: int, /
    ) -> AbstractContextManager[object]: ...
    def QueryValueEx(self, key: object, name: str, /) -> tuple[object, int]: ...  # noqa: N802
    def SetValueEx(  # noqa: N802
        self, key: object, name: str, reserved: int, kind: int, value: object, /
    ) -> None: ...
    def DeleteValue(self, key: object, name: str, /) -> None: ...  # noqa: N802


class WindowsRun:
    """The user's Run value, which Explorer starts at login unless Task Manager turned it off."""

    def __init__(self, registry: Registry) -> None:
        self.reg = registry

    def is_enabled(self) -> bool:
        try:
            if self._value(RUN_KEY) is None:
                return False
            approved = self._value(APPROVED_KEY)
        except OSError as exc:
            raise AutostartError(f"cannot read the registry: {exc}") from exc
        return not _switched_off(approved)

    def enable(self, argv: list[str]) -> None:
        reg = self.reg
        try:
            with reg.CreateKeyEx(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
                reg.SetValueEx(key, NAME, 0, reg.REG_SZ, subprocess.list2cmdline(argv))
            approved = self._value(APPROVED_KEY)
            # Switched off in Task Manager: our checkbox means on, so say so there too.
            if _switched_off(approved):
                access = reg.KEY_SET_VALUE
                with reg.OpenKey(reg.HKEY_CURRENT_USER, APPROVED_KEY, 0, access) as key:
                    reg.SetValueEx(key, NAME, 0, reg.REG_BINARY, APPROVED_ON)
        except OSError as exc:
            raise AutostartError(f"cannot write {self.location()}: {exc}") from exc

    def disable(self) -> None:
        reg = self.reg
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
                reg.DeleteValue(key, NAME)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise AutostartError(f"cannot remove {self.location()}: {exc}") from exc

    def location(self) -> str:
        return rf"HKEY_CURRENT_USER\{RUN_KEY}\{NAME}"

    def _value(self, sub_key: str) -> object | None:
        """The Hotprevue value under a key of HKCU, None when the key or value is missing."""
        reg = self.reg
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, sub_key, 0, reg.KEY_READ) as key:
                return reg.QueryValueEx(key, NAME)[0]
        except FileNotFoundError:
            return None


def _switched_off(approved: object) -> bool:
    """Whether a StartupApproved value says the user turned the entry off."""
    return isinstance(approved, bytes) and len(approved) > 0 and approved[0] & 1 == 1


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace a file in one step, so a login never finds it half written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise AutostartError(f"cannot write {path}: {exc.strerror or exc}") from exc
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        temp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise AutostartError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise AutostartError(f"cannot remove {path}: {exc.strerror or exc}") from exc
