"""Choosing pystray's backend, and an icon that comes up without a notification service."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from tray import program

log = logging.getLogger(__name__)

LINUX_PACKAGES = (
    "the tray's menu needs PyGObject and GTK 3. On Debian or Ubuntu:\n"
    "  sudo apt-get install libgirepository1.0-dev libcairo2-dev pkg-config gir1.2-gtk-3.0\n"
    "then, in Hotprevue's environment:\n"
    "  pip install 'hotprevue[tray]'\n"
    "(Fedora: gobject-introspection-devel cairo-gobject-devel pkg-config gtk3)"
)
# The compiled program carries PyGObject; GTK and its introspection data are the system's.
LINUX_RUNTIME_PACKAGES = (
    "the tray's menu needs GTK 3 and its introspection data. On Debian or Ubuntu:\n"
    "  sudo apt-get install gir1.2-gtk-3.0 libgirepository-1.0-1\n"
    "(Fedora: gtk3 gobject-introspection)"
)


def missing_packages() -> str:
    """What to install for the tray: system packages, and PyGObject unless compiled in."""
    return LINUX_RUNTIME_PACKAGES if program.compiled() else LINUX_PACKAGES


class TrayUnavailable(Exception):
    """No tray can be shown here; the message says what is missing."""


def load() -> ModuleType:
    """Import pystray with a backend that has menus, or say what is missing."""
    if sys.platform not in ("win32", "darwin") and "PYSTRAY_BACKEND" not in os.environ:
        os.environ["PYSTRAY_BACKEND"] = _linux_backend()
    try:
        import pystray
    except (ImportError, ValueError) as exc:
        raise TrayUnavailable(f"the tray cannot start: {exc}") from None
    module: ModuleType = pystray
    return module


def _linux_backend() -> str:
    # pystray's xorg backend has no menu: without GTK the tray would be an icon
    # that does nothing, so GTK is required rather than fallen back from.
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise TrayUnavailable("no graphical session here (neither DISPLAY nor WAYLAND_DISPLAY)")
    try:
        import gi
    except ImportError:
        raise TrayUnavailable(f"PyGObject cannot load: {missing_packages()}") from None
    try:
        gi.require_version("Gtk", "3.0")
    except ValueError:
        raise TrayUnavailable(
            f"GTK 3's introspection data is missing: {missing_packages()}"
        ) from None
    # AppIndicator (KDE, GNOME with its extension, most panels) where installed;
    # otherwise a GTK status icon, which XEmbed trays (Xfce, i3bar, trayer) show.
    for namespace in ("AyatanaAppIndicator3", "AppIndicator3"):
        try:
            gi.require_version(namespace, "0.1")
        except ValueError:
            continue
        return "appindicator"
    return "gtk"


class NoNotifier:
    """Stands in for pystray's D-Bus notifier when no notification service answers."""

    def notify(self, *_args: Any) -> None:
        """Drop the notification: the status line says notifications are off."""

    def send(self, *_args: Any) -> None:
        """Drop the notification, as `notify` does."""

    def hide(self) -> None:
        """Nothing is shown, so nothing to hide."""


NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"


class GuardedNotifier:
    """pystray's D-Bus notifier, whose calls fail quietly when the service is gone.

    Unguarded, hiding the last notification at Quit raises when nothing provides the
    service, and the tray would end with a traceback instead of cleanly. `send` adds
    what pystray's lacks: an icon of the notification's own, and action buttons."""

    def __init__(self, notifier: Any) -> None:
        self._notifier = notifier
        self._connection = getattr(notifier, "_connection", None)
        # Notification id -> what its action buttons do.
        self._on_action: dict[int, Callable[[str], None]] = {}
        if self._connection is not None:
            from gi.repository import Gio

            self._connection.signal_subscribe(
                NOTIFICATIONS,
                NOTIFICATIONS,
                "ActionInvoked",
                NOTIFICATIONS_PATH,
                None,
                Gio.DBusSignalFlags.NONE,
                self._invoked,
            )

    def send(
        self,
        title: str,
        message: str,
        icon: Path,
        actions: Sequence[tuple[str, str]] = (),
        on_action: Callable[[str], None] | None = None,
    ) -> None:
        """Show a notification with `icon` and (key, label) action buttons."""
        proxy = getattr(self._notifier, "_notify", None)
        if proxy is None:
            return
        from gi.repository import Gio, GLib

        flat = [part for action in actions for part in action]
        try:
            reply = proxy.call_sync(
                "Notify",
                GLib.Variant(
                    "(susssasa{sv}i)",
                    ("Hotprevue", 0, str(icon), title, message, flat, {}, -1),
                ),
                Gio.DBusCallFlags.NONE,
                -1,
                None,
            )
        except Exception as exc:  # GLib.Error
            log.warning("a notification could not be shown: %s", exc)
            return
        if on_action is not None:
            self._on_action[int(reply.unpack()[0])] = on_action

    def _invoked(self, *args: Any) -> None:
        # (connection, sender, path, interface, signal, (id, action key))
        notification, key = args[-2].unpack()
        callback = self._on_action.pop(notification, None)
        if callback is not None:
            callback(key)

    def notify(self, *args: Any) -> None:
        """Show a notification; a missing service is logged, not raised."""
        try:
            self._notifier.notify(*args)
        except Exception as exc:  # GLib.Error
            log.warning("a notification could not be shown: %s", exc)

    def hide(self) -> None:
        """Hide the last notification, if the service is still there to ask."""
        try:
            self._notifier.hide()
        except Exception as exc:  # GLib.Error
            log.debug("hiding the notification failed: %s", exc)


CHECK_EVERY = 10.0


def _no_notification_service(notifier: Any) -> str:
    """Empty when something on the session bus owns (or can start) the notification service."""
    connection = getattr(notifier, "_connection", None)
    if connection is None:
        return ""
    from gi.repository import Gio, GLib

    def ask(method: str, *args: str) -> Any:
        variant = GLib.Variant(f"({'s' * len(args)})", args) if args else None
        reply = connection.call_sync(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            method,
            variant,
            None,
            Gio.DBusCallFlags.NONE,
            1000,
            None,
        )
        return reply.unpack()[0]

    try:
        if ask("NameHasOwner", NOTIFICATIONS) or NOTIFICATIONS in ask("ListActivatableNames"):
            return ""
    except Exception as exc:  # GLib.Error: the bus itself went away
        return str(exc)
    return f"nothing provides {NOTIFICATIONS}"


def icon_class(pystray: ModuleType) -> type[Any]:
    """pystray's Icon, made to start without a session bus or notification service."""
    base: type[Any] = pystray.Icon
    if not hasattr(base, "_initialize"):
        return base

    class Icon(base):  # type: ignore[misc]
        """The GTK and AppIndicator backends raise at start when notifications are
        unavailable (no session bus), and then hang: a minimal desktop would get no
        tray at all. Without a notifier on the bus they start, but Quit then raises."""

        _broken = ""
        _checked_at = -CHECK_EVERY
        _notifier: Any

        def _initialize(self) -> None:
            try:
                super()._initialize()
            except Exception as exc:  # GLib.Error has no narrower base to catch
                if self._running:
                    raise  # ready already: the failure is not the notifier's
                self._broken = str(exc) or type(exc).__name__
                self._notifier = NoNotifier()
                self._mark_ready()
                return
            self._notifier = GuardedNotifier(self._notifier)

        @property
        def notifications_off(self) -> str:
            """Why notifications cannot be shown now; empty when they can."""
            if self._broken:
                return self._broken
            # A notifier may come up after the tray at login, or go away: look again
            # now and then, but not at every poll.
            now = time.monotonic()
            if now - self._checked_at >= CHECK_EVERY:
                self._checked_at = now
                self._missing = _no_notification_service(self._notifier)
            return self._missing

        _missing = ""

        def send(
            self,
            title: str,
            message: str,
            icon: Path,
            actions: Sequence[tuple[str, str]] = (),
            on_action: Callable[[str], None] | None = None,
        ) -> None:
            """A notification with its own icon and action buttons (see GuardedNotifier)."""
            self._notifier.send(title, message, icon, actions, on_action)

        def _update_title(self) -> None:
            super()._update_title()
            # GTK's status icon takes its title for accessibility only: the tooltip,
            # what a user sees on hovering, is set apart.
            status_icon = getattr(self, "_status_icon", None)
            if status_icon is not None:
                from gi.repository import GLib

                GLib.idle_add(status_icon.set_tooltip_text, self.title)

        def refresh_title(self) -> None:
            """Show the title again (a notification may have replaced the tooltip)."""
            if self.visible:
                self._update_title()

    return Icon
