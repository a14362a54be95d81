"""A private X session for tray tests: Xvfb, a session bus, a notifier and an XEmbed tray.

Every process runs in its own process group under a temporary folder and is stopped on
exit, so a failing test leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeVar

from PIL import Image
from Xlib import X, display, error

from tests.support import tiers

T = TypeVar("T")

START_TIMEOUT = 10.0
STOP_GRACE = 3.0

# No service directories: nothing is started on demand, so a missing notifier stays
# missing (Debian's standard session bus would launch dunst through its .service file).
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

# Long enough that a notification is still on screen when a test looks at it.
DUNSTRC = """[global]
    monitor = 0
    follow = none
[urgency_low]
    timeout = 60
[urgency_normal]
    timeout = 60
[urgency_critical]
    timeout = 60
"""

MENU_TYPES = ("_NET_WM_WINDOW_TYPE_POPUP_MENU", "_NET_WM_WINDOW_TYPE_DROPDOWN_MENU")


class SessionError(RuntimeError):
    """A part of the session did not start, or a wait ran out."""


@dataclass(frozen=True)
class Geometry:
    """A window and where it sits on the screen."""

    window: int
    x: int
    y: int
    width: int
    height: int

    @property
    def centre(self) -> tuple[int, int]:
        """The middle of the window, in screen coordinates."""
        return self.x + self.width // 2, self.y + self.height // 2


@dataclass(frozen=True)
class Notification:
    """One answered Notify call: `error` is None when a notifier took it."""

    app_name: str
    summary: str
    body: str
    error: str | None
    # The icon named in the call, and the actions offered as (key, label) pairs.
    icon: str = ""
    actions: tuple[tuple[str, str], ...] = ()


class XSession:
    """Xvfb + private D-Bus session bus + dunst (optional) + trayer, torn down on exit."""

    def __init__(self, notifier: bool = True) -> None:
        self.notifier = notifier
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._procs: list[subprocess.Popen[bytes]] = []
        self._logs: list[IO[bytes]] = []
        self._display: display.Display | None = None
        self._monitor_log: Path | None = None
        self.display_name = ""
        self.bus_address = ""

    # -- life cycle ---------------------------------------------------------------------

    def __enter__(self) -> XSession:
        tiers.require("x11", "starts an X session")
        self._tmp = tempfile.TemporaryDirectory(prefix="xsession-")
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def dir(self) -> Path:
        """The session's private temporary folder (runtime dir, logs, configs)."""
        if self._tmp is None:
            raise SessionError("the session is not running")
        return Path(self._tmp.name)

    def _start(self) -> None:
        runtime = self.dir / "runtime"
        runtime.mkdir(mode=0o700)
        self._start_xvfb()
        self._start_bus()
        # The monitor starts before any client, so it sees every Notify call.
        self._monitor_log = self.dir / "dbus-monitor.log"
        self.launch(
            ["dbus-monitor", "--session", "type='method_call',member='Notify'",
             "type='method_return'", "type='error'"],
            name="dbus-monitor",
            stdout=self._monitor_log,
        )  # fmt: skip
        monitor_log = self._monitor_log
        self.wait_for(lambda: monitor_log.stat().st_size > 0, what="dbus-monitor to attach")
        if self.notifier:
            (self.dir / "dunstrc").write_text(DUNSTRC)
            self.launch(["dunst", "-config", str(self.dir / "dunstrc")], name="dunst")
            self.wait_for(
                lambda: self._name_has_owner("org.freedesktop.Notifications"),
                what="dunst to own org.freedesktop.Notifications",
            )
        self.launch(
            ["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel", "--width",
             "200", "--height", "32", "--SetDockType", "false", "--SetPartialStrut", "false"],
            name="trayer",
        )  # fmt: skip
        tray_atom = self.x.intern_atom("_NET_SYSTEM_TRAY_S0")
        self.wait_for(
            lambda: self.x.get_selection_owner(tray_atom) != X.NONE,
            what="trayer to own _NET_SYSTEM_TRAY_S0",
        )

    def _start_xvfb(self) -> None:
        # Xvfb writes the display number once it accepts connections.
        number = self._spawn_until_ready(
            ["Xvfb", "-displayfd", "{fd}", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
            name="xvfb",
        )
        self.display_name = f":{number}"
        self._display = display.Display(self.display_name)

    def _start_bus(self) -> None:
        bus_dir = self.dir / "bus"
        bus_dir.mkdir()
        config = self.dir / "bus.conf"
        config.write_text(BUS_CONFIG.format(dir=bus_dir))
        self.bus_address = self._spawn_until_ready(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address={fd}"],
            name="dbus-daemon",
        )

    def _spawn_until_ready(self, argv: Sequence[str], *, name: str) -> str:
        """Start a server that writes one line to the descriptor put in for `{fd}` once ready."""
        read_fd, write_fd = os.pipe()
        try:
            proc = self._spawn(
                [arg.replace("{fd}", str(write_fd)) for arg in argv],
                name=name,
                pass_fds=(write_fd,),
            )
        finally:
            # Only the child keeps the writing end: its exit then ends our read.
            os.close(write_fd)
        try:
            return _read_line(read_fd, proc, name)
        finally:
            os.close(read_fd)

    def close(self) -> None:
        """Stop every process (newest first: clients before the servers they use)."""
        if self._display is not None:
            self._display.close()
            self._display = None
        for proc in reversed(self._procs):
            _stop(proc)
        self._procs.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # -- processes ----------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """What a client needs to join this session (merge into a copy of os.environ)."""
        return {
            "DISPLAY": self.display_name,
            "DBUS_SESSION_BUS_ADDRESS": self.bus_address,
            "XDG_RUNTIME_DIR": str(self.dir / "runtime"),
            "PYSTRAY_BACKEND": "gtk",
            # GTK would otherwise look for an accessibility bus that is not there.
            "NO_AT_BRIDGE": "1",
            "GDK_BACKEND": "x11",
        }

    def launch(
        self,
        argv: Sequence[str],
        *,
        name: str,
        stdout: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start `argv` in the session; it is stopped with the session at the latest."""
        env = {**os.environ, **self.env(), **(extra_env or {})}
        return self._spawn(argv, name=name, env=env, stdout=stdout)

    def log(self, name: str) -> str:
        """What the process started as `name` wrote to stderr so far."""
        return (self.dir / f"{name}.log").read_text(errors="replace")

    def _spawn(
        self,
        argv: Sequence[str],
        *,
        name: str,
        env: dict[str, str] | None = None,
        stdout: Path | None = None,
        pass_fds: Sequence[int] = (),
    ) -> subprocess.Popen[bytes]:
        err = (self.dir / f"{name}.log").open("wb")
        self._logs.append(err)
        out: IO[bytes] = err
        if stdout is not None:
            out = stdout.open("wb")
            self._logs.append(out)
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env,
            pass_fds=pass_fds,
            # Its own group, so stopping it also stops anything it started.
            start_new_session=True,
        )
        self._procs.append(proc)
        return proc

    def _name_has_owner(self, name: str) -> bool:
        result = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
             "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", f"string:{name}"],
            env={**os.environ, **self.env()},
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )  # fmt: skip
        return "boolean true" in result.stdout

    # -- looking and acting -------------------------------------------------------------

    @property
    def x(self) -> display.Display:
        """This test process's own connection to the X server."""
        if self._display is None:
            raise SessionError("the session is not running")
        return self._display

    def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = START_TIMEOUT,
        what: str = "condition",
    ) -> T:
        """Poll `predicate` until it returns something truthy; that value is returned."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise SessionError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(0.05)

    def screenshot(self, path: Path | None = None) -> Image.Image:
        """The whole screen as RGB (also saved as PNG when `path` is given)."""
        root = self.x.screen().root
        geometry = root.get_geometry()
        raw = root.get_image(0, 0, geometry.width, geometry.height, X.ZPixmap, 0xFFFFFFFF)
        image = Image.frombytes("RGB", (geometry.width, geometry.height), raw.data, "raw", "BGRX")
        if path is not None:
            image.save(path)
        return image

    def tray_icons(self) -> list[Geometry]:
        """The mapped, laid-out XEmbed clients docked inside the tray, with screen geometry."""
        xembed = self.x.intern_atom("_XEMBED_INFO")
        root = self.x.screen().root
        icons = []
        for window, depth in self._walk(root):
            # Depth 1 is a top-level window: an embedded icon sits deeper, inside a socket.
            if depth < 2 or not self._viewable(window):
                continue
            if self._property(window, xembed) is None:
                continue
            geometry = self._geometry(window)
            # The tray maps a new icon at 1 px wide, and may place it past the screen's
            # edge, and only then lays it out: until it has a real size and sits on the
            # screen it is not docked yet, as a user would not see it either.
            if geometry.width > 1 and geometry.height > 1 and self._on_screen(geometry):
                icons.append(geometry)
        return icons

    def geometry_of(self, window_id: int) -> Geometry | None:
        """Where the window with this id sits now, or None once it is gone."""
        try:
            return self._geometry(self.x.create_resource_object("window", window_id))
        except error.BadWindow:
            return None

    def visible_menu(self) -> Geometry | None:
        """The popup menu on screen, if one is: a mapped override-redirect menu window."""
        wm_type = self.x.intern_atom("_NET_WM_WINDOW_TYPE")
        menu_types = {self.x.intern_atom(name) for name in MENU_TYPES}
        for window in self.x.screen().root.query_tree().children:
            try:
                attributes = window.get_attributes()
            except error.BadWindow:
                continue
            if not attributes.override_redirect or attributes.map_state != X.IsViewable:
                continue
            prop = self._property(window, wm_type)
            if prop is not None and menu_types & set(prop.value):
                return self._geometry(window)
        return None

    def click(self, x: int, y: int, button: int = 1) -> None:
        """Move the pointer to (x, y) on the screen and click `button`."""
        # No --sync: it waits for the pointer to move, forever when it is there already.
        self._xdotool("mousemove", str(x), str(y), "sleep", "0.05", "click", str(button))

    def key(self, *keys: str) -> None:
        """Type the named keys (xdotool names: Down, Return, Escape …) one after another."""
        self._xdotool("key", "--delay", "50", *keys)

    def type_text(self, text: str) -> None:
        """Type `text` as the keyboard would, into the focused window."""
        self._xdotool("type", "--delay", "20", text)

    def window_named(self, name: str) -> Geometry | None:
        """A mapped top-level window whose title contains `name`, if one is on screen."""
        for window in self.x.screen().root.query_tree().children:
            try:
                title = window.get_wm_name()
            except error.BadWindow:
                continue
            if isinstance(title, str) and name in title and self._viewable(window):
                return self._geometry(window)
        return None

    def focus(self, window: Geometry) -> None:
        """Give `window` the keyboard focus (there is no window manager to do it)."""
        self._xdotool("mousemove", *map(str, window.centre), "windowfocus", str(window.window))

    def notifications(self, *, failed: bool = False) -> list[Notification]:
        """Notifications the notifier took, oldest first (with `failed`, also refused calls)."""
        if self._monitor_log is None:
            raise SessionError("the session is not running")
        answered = _parse_monitor(self._monitor_log.read_text(errors="replace"))
        return [n for n in answered if failed or n.error is None]

    def _xdotool(self, *args: str) -> None:
        subprocess.run(
            ["xdotool", *args],
            env={**os.environ, **self.env()},
            check=True,
            capture_output=True,
            timeout=10,
        )

    def _walk(self, window: Any, depth: int = 0) -> list[tuple[Any, int]]:
        try:
            children = window.query_tree().children
        except error.BadWindow:
            # Windows come and go while the tree is walked.
            return []
        found: list[tuple[Any, int]] = []
        for child in children:
            found.append((child, depth + 1))
            found.extend(self._walk(child, depth + 1))
        return found

    def _viewable(self, window: Any) -> bool:
        try:
            return bool(window.get_attributes().map_state == X.IsViewable)
        except error.BadWindow:
            return False

    def _property(self, window: Any, atom: int) -> Any:
        try:
            return window.get_full_property(atom, X.AnyPropertyType)
        except error.BadWindow:
            return None

    def _on_screen(self, geometry: Geometry) -> bool:
        screen = self.x.screen()
        return (
            geometry.x >= 0
            and geometry.y >= 0
            and geometry.x + geometry.width <= screen.width_in_pixels
            and geometry.y + geometry.height <= screen.height_in_pixels
        )

    def _geometry(self, window: Any) -> Geometry:
        geometry = window.get_geometry()
        origin = window.translate_coords(self.x.screen().root, 0, 0)
        # translate_coords gives the root origin in the window's frame: negate it.
        return Geometry(window.id, -origin.x, -origin.y, geometry.width, geometry.height)


def _read_line(fd: int, proc: subprocess.Popen[bytes], what: str) -> str:
    """One line a starting server writes to `fd` once it is ready."""
    deadline = time.monotonic() + START_TIMEOUT
    data = b""
    os.set_blocking(fd, False)
    while b"\n" not in data:
        if proc.poll() is not None:
            raise SessionError(f"{what} exited with {proc.returncode} before it was ready")
        if time.monotonic() > deadline:
            raise SessionError(f"{what} did not get ready in {START_TIMEOUT:.0f} s")
        try:
            chunk = os.read(fd, 256)
        except BlockingIOError:
            time.sleep(0.02)
            continue
        if not chunk:
            raise SessionError(f"{what} closed its ready pipe without a line")
        data += chunk
    return data.split(b"\n", 1)[0].decode().strip()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the process group `proc` leads, then kill it if it lingers."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(STOP_GRACE)
    # Whatever the leader left in its group goes too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


_HEADER = re.compile(
    r"^(?P<kind>method call|method return|error|signal) time=\S+ sender=(?P<sender>\S+)"
    r" -> destination=(?P<dest>\S+)(?: serial=(?P<serial>\d+))?"
    r"(?: error_name=(?P<error>\S+))?(?: reply_serial=(?P<reply>\d+))?"
)
_STRING = re.compile(r'^\s+string "(?P<value>.*)"$')
_ARRAY = re.compile(r"^\s+array \[")
_ARRAY_END = re.compile(r"^\s+\]")


def _parse_monitor(text: str) -> list[Notification]:
    """The Notify calls in dbus-monitor output, each with how it was answered."""
    calls: dict[tuple[str, str], list[str]] = {}
    order: list[tuple[str, str]] = []
    # None: the notifier returned an id; a string: the D-Bus error the call got instead.
    answers: dict[tuple[str, str], str | None] = {}
    current: list[str] | None = None
    # The strings of the first array of a call: its actions.
    arrays: dict[tuple[str, str], list[str]] = {}
    array: list[str] | None = None
    for line in text.splitlines():
        header = _HEADER.match(line)
        if header:
            current = None
            array = None
            if header["kind"] == "method call" and line.endswith("member=Notify"):
                key = (header["sender"], header["serial"])
                current = calls[key] = []
                order.append(key)
            elif header["kind"] in ("method return", "error") and header["reply"]:
                answers[(header["dest"], header["reply"])] = header["error"]
            continue
        if current is not None and _ARRAY.match(line) and key not in arrays:
            array = arrays[key] = []
            continue
        if array is not None and _ARRAY_END.match(line):
            array = None
            current = None  # the hints after the actions are not read
            continue
        string = _STRING.match(line)
        if array is not None and string:
            array.append(string["value"])
        elif current is not None and string:
            current.append(string["value"])
    # Notify(app_name, replaces_id, app_icon, summary, body, …): its first strings, in order.
    return [
        Notification(
            app_name=calls[key][0],
            summary=calls[key][2],
            body=calls[key][3],
            error=answers[key],
            icon=calls[key][1],
            actions=tuple(zip(arrays.get(key, [])[::2], arrays.get(key, [])[1::2], strict=True)),
        )
        for key in order
        if key in answers and len(calls[key]) >= 4
    ]
