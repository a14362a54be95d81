"""pystray's dummy backend made to run: the tray's whole logic without a display."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

# pystray picks its backend at its first import; these tests need no display. The
# variable is put back at once: tray processes the tests start must pick their own.
_chosen = os.environ.get("PYSTRAY_BACKEND")
os.environ["PYSTRAY_BACKEND"] = "dummy"
import pystray  # noqa: E402
from pystray import _base  # noqa: E402

if _chosen is None:
    del os.environ["PYSTRAY_BACKEND"]
else:
    os.environ["PYSTRAY_BACKEND"] = _chosen


class HeadlessIcon(_base.Icon):  # type: ignore[misc]
    """Records what a real backend would draw: icon changes, menu updates, notifications."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stopped = threading.Event()
        self.menu_updates = 0
        self.icon_updates = 0
        self.notifications: list[tuple[str | None, str]] = []

    def _show(self) -> None:
        pass

    def _hide(self) -> None:
        pass

    def _update_icon(self) -> None:
        self.icon_updates += 1

    def _update_title(self) -> None:
        pass

    def _update_menu(self) -> None:
        self.menu_updates += 1

    def _run(self) -> None:
        self._mark_ready()
        self.stopped.wait()

    def _stop(self) -> None:
        self.stopped.set()

    def _notify(self, message: str, title: str | None = None) -> None:
        self.notifications.append((title, message))

    def _remove_notification(self) -> None:
        pass


# Shaped like the pystray module the tray is given: its Icon, Menu and MenuItem.
BACKEND = ModuleType("headless_pystray")
BACKEND.__dict__.update(Icon=HeadlessIcon, Menu=pystray.Menu, MenuItem=pystray.MenuItem)


def menu_texts(menu: Any) -> list[str]:
    """The visible items' texts, as a backend would draw them."""
    return [str(item.text) for item in menu if item is not pystray.Menu.SEPARATOR]


def find_item(menu: Any, prefix: str) -> Any:
    """The visible item whose text starts with `prefix`."""
    for item in menu:
        if str(item.text).startswith(prefix):
            return item
    raise AssertionError(f"no menu item {prefix!r} in {menu_texts(menu)}")


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
    """Poll until predicate() is truthy; fail with `what` after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or predicate}")
