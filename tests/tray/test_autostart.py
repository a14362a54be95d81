"""Start at login: real files for XDG and macOS, a fake `winreg` (the only OS edge mocked)."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType

import pytest
from PIL import Image

from tests.support.daemon_process import clean_env, cli
from tray import autostart
from tray.autostart import (
    APPROVED_KEY,
    RUN_KEY,
    AutostartError,
    LaunchAgent,
    WindowsRun,
    XdgAutostart,
)
from tray.program import program_argv

# Every character the quoting rules of one platform or another care about.
AWKWARD = [
    "/opt/my apps/hot$prevue/bin/hotprevue",
    "tray",
    "100% sure",
    'say "cheese"',
    "back\\slash",
    "tick`s",
    "it's ~ <here> | & ; * ? # (x)",
    "tab\there",
    "",
]


# --- an independent reading of the Desktop Entry spec ---------------------------------


def parse_exec(value: str) -> list[str]:
    """Exec value as written in the file -> the argv a launcher runs (field codes aside)."""
    # 1. The string value's own escapes.
    text, i = "", 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            text += {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}[value[i + 1]]
            i += 2
        else:
            text += value[i]
            i += 1
    # 2. Quoting, then 3. the %% field code, per argument.
    args: list[str] = []
    current: str | None = None
    quoted, i = False, 0
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == "\\":
                assert text[i + 1] in '"`$\\', f"bad escape in {text!r}"
                current = (current or "") + text[i + 1]
                i += 1
            elif ch == '"':
                quoted = False
            else:
                current = (current or "") + ch
        elif ch == " ":
            if current is not None:
                args.append(current)
            current = None
        elif ch == '"':
            quoted, current = True, current or ""
        else:
            assert ch not in " \t\n\"'\\><~|&;$*?#()`", f"reserved {ch!r} unquoted in {text!r}"
            current = (current or "") + ch
        i += 1
    assert not quoted, f"unclosed quote in {text!r}"
    if current is not None:
        args.append(current)
    for arg in args:
        assert "%" not in arg.replace("%%", ""), f"field code in {arg!r}"
    return [arg.replace("%%", "%") for arg in args]


def entry(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line)


def validate(path: Path) -> None:
    tool = shutil.which("desktop-file-validate")
    assert tool, "desktop-file-validate (desktop-file-utils) is needed"
    checked = subprocess.run([tool, str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "error" not in checked.stdout, checked.stdout


# --- XDG ----------------------------------------------------------------------------------


def test_xdg_round_trip(tmp_path: Path) -> None:
    xdg = XdgAutostart(tmp_path / "autostart")
    assert not xdg.is_enabled()
    argv = ["/usr/bin/hotprevue", "tray"]
    xdg.enable(argv)
    path = tmp_path / "autostart" / "hotprevue.desktop"
    assert xdg.location() == str(path)
    assert xdg.is_enabled()
    validate(path)
    keys = entry(path)
    assert keys["Type"] == "Application"
    assert keys["Name"] == "Hotprevue"
    # Resolvable on a venv install, where no icon named "hotprevue" is installed.
    icon = Path(keys["Icon"])
    assert icon.is_absolute(), keys["Icon"]
    assert icon.is_file(), keys["Icon"]
    with Image.open(icon) as image:
        assert image.format == "PNG"
    assert "daemon" not in keys["Comment"]
    assert keys["Terminal"] == "false"
    assert keys["X-GNOME-Autostart-enabled"] == "true"
    assert parse_exec(keys["Exec"]) == argv
    assert [p.name for p in path.parent.iterdir()] == ["hotprevue.desktop"], "temp file left"
    xdg.disable()
    assert not path.exists()
    assert not xdg.is_enabled()
    xdg.disable()  # already off: nothing to do, no error


@pytest.mark.parametrize("arg", AWKWARD)
def test_exec_quotes_each_awkward_argument(tmp_path: Path, arg: str) -> None:
    argv = ["/opt/hot prevue/hotprevue", arg, "tray"]
    xdg = XdgAutostart(tmp_path)
    xdg.enable(argv)
    path = tmp_path / "hotprevue.desktop"
    validate(path)
    assert parse_exec(entry(path)["Exec"]) == argv


def test_exec_round_trips_all_awkward_arguments_at_once(tmp_path: Path) -> None:
    xdg = XdgAutostart(tmp_path)
    xdg.enable(AWKWARD)
    path = tmp_path / "hotprevue.desktop"
    validate(path)
    assert parse_exec(entry(path)["Exec"]) == AWKWARD


def test_exec_as_glib_reads_it(tmp_path: Path) -> None:
    """GLib (what GNOME launches autostart entries with) gives back the same arguments."""
    glib = pytest.importorskip("gi.repository.GLib")
    argv = ["/opt/my apps/hot$prevue/hotprevue", 'say "cheese"', "back\\slash", "tick`s"]
    XdgAutostart(tmp_path).enable(argv)
    keyfile = glib.KeyFile()
    keyfile.load_from_file(str(tmp_path / "hotprevue.desktop"), glib.KeyFileFlags.NONE)
    exec_line = keyfile.get_string("Desktop Entry", "Exec")
    ok, parsed = glib.shell_parse_argv(exec_line)
    assert ok
    assert parsed == argv


@pytest.mark.parametrize(
    "switched_off", ["Hidden=true", "X-GNOME-Autostart-enabled=false", "Hidden = true"]
)
def test_xdg_entry_switched_off_counts_as_off_and_enable_turns_it_on(
    tmp_path: Path, switched_off: str
) -> None:
    path = tmp_path / "hotprevue.desktop"
    path.write_text(
        f"# edited by a settings app\n[Desktop Entry]\nType=Application\nName=Hotprevue\n"
        f"Exec=/usr/bin/hotprevue tray\n{switched_off}\n\n[Other Group]\nHidden=false\n"
    )
    xdg = XdgAutostart(tmp_path)
    assert not xdg.is_enabled()
    xdg.enable(["/usr/bin/hotprevue", "tray"])
    assert xdg.is_enabled()
    assert "Hidden" not in entry(path)


def test_xdg_hidden_in_another_group_does_not_count(tmp_path: Path) -> None:
    (tmp_path / "hotprevue.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=Hotprevue\nExec=hotprevue tray\n"
        "[Desktop Action quit]\nHidden=true\n"
    )
    assert XdgAutostart(tmp_path).is_enabled()


def test_xdg_unwritable_folder_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "config"
    blocker.write_text("a file where the folder should be")
    xdg = XdgAutostart(blocker / "autostart")
    with pytest.raises(AutostartError, match=r"cannot write .*hotprevue\.desktop"):
        xdg.enable(["hotprevue", "tray"])
    assert not xdg.is_enabled()


def test_xdg_path_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    xdg = XdgAutostart(tmp_path)
    with pytest.raises(AutostartError, match="not valid UTF-8"):
        xdg.enable(["/opt/caf\udce9/hotprevue", "tray"])
    assert not (tmp_path / "hotprevue.desktop").exists()


def test_module_api_follows_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    path = tmp_path / "config" / "autostart" / "hotprevue.desktop"
    assert autostart.location() == str(path)
    assert not autostart.is_enabled()
    autostart.enable()
    assert autostart.is_enabled()
    assert parse_exec(entry(path)["Exec"]) == [*program_argv(), "tray"]
    path.write_text(path.read_text() + "Hidden=true\n")  # as a settings app switches it off
    assert not autostart.is_enabled()
    autostart.disable()
    assert not path.exists()


@pytest.mark.parametrize("value", ["", "relative/config"])
def test_xdg_config_home_unset_or_relative_means_dot_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", value)
    assert autostart.location() == str(tmp_path / ".config" / "autostart" / "hotprevue.desktop")


# --- macOS --------------------------------------------------------------------------------


def test_launch_agent_round_trip(tmp_path: Path) -> None:
    agents = tmp_path / "Library" / "LaunchAgents"
    agent = LaunchAgent(agents)
    assert not agent.is_enabled()
    agent.enable(AWKWARD)
    path = agents / "no.hotprevue.tray.plist"
    assert agent.location() == str(path)
    assert agent.is_enabled()
    written = plistlib.loads(path.read_bytes())
    assert written == {
        "Label": "no.hotprevue.tray",
        "ProgramArguments": AWKWARD,
        "RunAtLoad": True,
        "ProcessType": "Interactive",
        "LimitLoadToSessionType": "Aqua",
    }
    assert "KeepAlive" not in written
    agent.disable()
    assert not path.exists()
    assert not agent.is_enabled()
    agent.disable()


@pytest.mark.parametrize(
    "content",
    [
        plistlib.dumps({"Label": "no.hotprevue.tray", "RunAtLoad": True, "Disabled": True}),
        plistlib.dumps({"Label": "no.hotprevue.tray", "RunAtLoad": False}),
        plistlib.dumps({"Label": "no.hotprevue.tray"}),
        plistlib.dumps(["not", "a", "dict"]),
        b"not a plist",
        b'<?xml version="1.0"?><plist><dict><key>RunAtLoad</key>',
    ],
)
def test_launch_agent_that_would_not_run_counts_as_off(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "no.hotprevue.tray.plist").write_bytes(content)
    agent = LaunchAgent(tmp_path)
    assert not agent.is_enabled()
    agent.enable(["hotprevue", "tray"])
    assert agent.is_enabled()


def test_module_api_on_macos_uses_home_launch_agents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("HOME", str(tmp_path))
    path = tmp_path / "Library" / "LaunchAgents" / "no.hotprevue.tray.plist"
    assert autostart.location() == str(path)
    autostart.enable()
    assert autostart.is_enabled()
    assert plistlib.loads(path.read_bytes())["ProgramArguments"] == [*program_argv(), "tray"]
    autostart.disable()
    assert not path.exists()


# --- Windows, against an in-memory registry -----------------------------------------------


class FakeKey(AbstractContextManager["FakeKey"]):
    def __init__(self, values: dict[str, tuple[object, int]], access: int) -> None:
        self.values = values
        self.access = access
        self.closed = False

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.closed = True


class FakeWinreg:
    """HKEY_CURRENT_USER as a dict of key path -> {value name: (data, type)}."""

    HKEY_CURRENT_USER = 0x80000001
    KEY_READ = 0x20019
    KEY_SET_VALUE = 0x0002
    REG_SZ = 1
    REG_BINARY = 3

    def __init__(self) -> None:
        self.keys: dict[str, dict[str, tuple[object, int]]] = {}
        self.denied = False
        self.opened: list[FakeKey] = []

    def _key(self, root: int, sub_key: str, access: int, create: bool) -> FakeKey:
        assert root == self.HKEY_CURRENT_USER
        if self.denied and access & self.KEY_SET_VALUE:
            raise PermissionError(13, "Access is denied")
        if create:
            self.keys.setdefault(sub_key.lower(), {})
        if sub_key.lower() not in self.keys:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        key = FakeKey(self.keys[sub_key.lower()], access)
        self.opened.append(key)
        return key

    def OpenKey(self, key: int, sub_key: str, reserved: int, access: int, /) -> FakeKey:  # noqa: N802
        return self._key(key, sub_key, access, create=False)

    def CreateKeyEx(self, key: int, sub_key: str, reserved: int, access: int, /) -> FakeKey:  # noqa: N802
        return self._key(key, sub_key, access, create=True)

    def QueryValueEx(self, key: object, name: str, /) -> tuple[object, int]:  # noqa: N802
        assert isinstance(key, FakeKey)
        assert key.access & self.KEY_READ == self.KEY_READ
        if name not in key.values:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return key.values[name]

    def SetValueEx(  # noqa: N802
        self, key: object, name: str, reserved: int, kind: int, value: object, /
    ) -> None:
        assert isinstance(key, FakeKey)
        assert key.access & self.KEY_SET_VALUE
        assert isinstance(value, str if kind == self.REG_SZ else bytes)
        key.values[name] = (value, kind)

    def DeleteValue(self, key: object, name: str, /) -> None:  # noqa: N802
        assert isinstance(key, FakeKey)
        assert key.access & self.KEY_SET_VALUE
        if name not in key.values:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        del key.values[name]

    def approve(self, data: bytes) -> None:
        """What Task Manager writes when the user flips the entry."""
        self.keys.setdefault(APPROVED_KEY.lower(), {})["Hotprevue"] = (data, self.REG_BINARY)


def parse_windows_command_line(line: str) -> list[str]:
    """The Microsoft C runtime's rules for splitting a command line (CommandLineToArgvW)."""
    args: list[str] = []
    current, in_word, quoted, i = "", False, False, 0
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            run = len(line[i:]) - len(line[i:].lstrip("\\"))
            i += run
            if i < len(line) and line[i] == '"':
                current += "\\" * (run // 2)
                if run % 2:
                    current += '"'
                    i += 1
            else:
                current += "\\" * run
            in_word = True
            continue
        if ch == '"':
            quoted, in_word = not quoted, True
        elif ch in " \t" and not quoted:
            if in_word:
                args.append(current)
            current, in_word = "", False
        else:
            current, in_word = current + ch, True
        i += 1
    if in_word:
        args.append(current)
    return args


def test_windows_round_trip_with_awkward_paths() -> None:
    registry = FakeWinreg()
    run = WindowsRun(registry)
    assert not run.is_enabled()
    argv = [r"C:\Program Files\Hot$prevue 100%\hotprevue.exe", "tray", 'a "b"', "c\\"]
    run.enable(argv)
    assert run.is_enabled()
    data, kind = registry.keys[RUN_KEY.lower()]["Hotprevue"]
    assert kind == registry.REG_SZ
    assert isinstance(data, str)
    assert data.startswith('"C:\\Program Files\\Hot$prevue 100%\\hotprevue.exe" tray')
    assert parse_windows_command_line(data) == argv
    assert run.location() == (
        r"HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run\Hotprevue"
    )
    run.disable()
    assert "Hotprevue" not in registry.keys[RUN_KEY.lower()]
    assert not run.is_enabled()
    run.disable()  # value already gone
    assert all(key.closed for key in registry.opened)


@pytest.mark.parametrize(
    ("approved", "on"),
    [
        (bytes([0x02]) + bytes(11), True),
        (bytes([0x06]) + bytes(11), True),
        (bytes.fromhex("03000000d40d438dc83bd901"), False),
        (bytes([0x07]) + bytes(11), False),
        (b"", True),
    ],
)
def test_windows_task_manager_switch_is_respected(approved: bytes, on: bool) -> None:
    registry = FakeWinreg()
    run = WindowsRun(registry)
    run.enable(["hotprevue.exe", "tray"])
    registry.approve(approved)
    assert run.is_enabled() is on


def test_windows_enable_turns_a_task_manager_off_back_on() -> None:
    registry = FakeWinreg()
    run = WindowsRun(registry)
    run.enable(["hotprevue.exe", "tray"])
    registry.approve(bytes.fromhex("03000000d40d438dc83bd901"))
    assert not run.is_enabled()
    run.enable(["hotprevue.exe", "tray"])
    assert run.is_enabled()
    assert registry.keys[APPROVED_KEY.lower()]["Hotprevue"] == (
        bytes([0x02]) + bytes(11),
        registry.REG_BINARY,
    )


def test_windows_enable_leaves_an_approved_entry_alone() -> None:
    registry = FakeWinreg()
    registry.approve(bytes([0x06]) + bytes(11))
    WindowsRun(registry).enable(["hotprevue.exe", "tray"])
    assert registry.keys[APPROVED_KEY.lower()]["Hotprevue"][0] == bytes([0x06]) + bytes(11)


def test_windows_registry_errors_are_clear() -> None:
    registry = FakeWinreg()
    run = WindowsRun(registry)
    run.enable(["hotprevue.exe", "tray"])
    registry.denied = True
    with pytest.raises(AutostartError, match=r"cannot write HKEY_CURRENT_USER\\.*\\Run"):
        run.enable(["hotprevue.exe", "tray"])
    with pytest.raises(AutostartError, match=r"cannot remove .*Access is denied"):
        run.disable()
    assert run.is_enabled()


def test_module_api_on_windows_uses_winreg(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = FakeWinreg()
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "winreg", registry)
    autostart.enable()
    assert autostart.is_enabled()
    data = registry.keys[RUN_KEY.lower()]["Hotprevue"][0]
    assert isinstance(data, str)
    assert parse_windows_command_line(data) == [*program_argv(), "tray"]
    autostart.disable()
    assert not autostart.is_enabled()


# --- the command line ---------------------------------------------------------------------


@pytest.mark.process
def test_cli_enable_status_disable(tmp_path: Path) -> None:
    env = clean_env(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    path = tmp_path / "config" / "autostart" / "hotprevue.desktop"
    steps = [("status", "off"), ("enable", "on"), ("status", "on"), ("disable", "off")]
    for action, state in steps:
        done = cli("autostart", action, env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"Start at login: {state} ({path})\n"
        assert path.exists() is (state == "on")
        if action == "enable":
            validate(path)
            launcher = Path(sys.executable).with_name("hotprevue")
            assert parse_exec(entry(path)["Exec"]) == [str(launcher), "tray"]


@pytest.mark.process
def test_cli_failure_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "config"
    blocker.write_text("not a folder")
    env = clean_env(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(blocker))
    done = cli("autostart", "enable", env=env)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("hotprevue: start at login: cannot write ")
    assert str(blocker / "autostart" / "hotprevue.desktop") in done.stderr
    assert len(done.stderr.splitlines()) == 1


# --- which program autostart runs ---------------------------------------------------------


def test_program_is_the_console_script_beside_the_interpreter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("APPIMAGE", raising=False)
    launcher = Path(sys.executable).with_name("hotprevue")
    assert launcher.is_file(), "the project is installed in this environment"
    assert program_argv() == [str(launcher)]


def test_program_in_an_appimage_is_the_appimage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPIMAGE", "/home/me/Apps/Hotprevue-x86_64.AppImage")
    assert program_argv() == ["/home/me/Apps/Hotprevue-x86_64.AppImage"]
