"""`hotprevue tray`: the icon on the main thread, the worker beside it, Quit within 3 s."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import filelock

from protocol import logs
from protocol.local import LocalSettings
from tray import backend, desktop
from tray.control import DaemonControl
from tray.icons import IconState, icon_image, icon_path
from tray.menu import Actions, MenuModel, build, model
from tray.status import Snapshot
from tray.worker import Worker

log = logging.getLogger(__name__)

TRAY_LOG = "tray.log"
LOCK_FILE = "tray.lock"
# Quit ends the process within this, whatever the backend's loop does.
QUIT_DEADLINE = 3.0
# The key of a failed sync's "Retry" notification action.
RETRY = "retry"


def title(current: MenuModel) -> str:
    """The icon's title, the tooltip where the platform shows one: the status line."""
    return f"Hotprevue: {current.status}"


class TrayApp:
    """Ties the worker's snapshots to one pystray icon: updates only what changed."""

    def __init__(
        self, pystray: ModuleType, settings: LocalSettings, control: DaemonControl
    ) -> None:
        self.settings = settings
        self._pystray = pystray
        self._model_lock = threading.Lock()
        self.model = model(Snapshot(phase="starting"))
        self.icon: Any = backend.icon_class(pystray)(
            "hotprevue",
            icon_image(self.model.icon),
            title(self.model),
            build(pystray, lambda: self.model, self._actions()),
        )
        self.worker = Worker(
            control,
            self._publish,
            self._notify,
            notifications_off=lambda: str(getattr(self.icon, "notifications_off", "")),
        )
        self.quitting = threading.Event()
        self.updates = 0
        self._notifications_off = ""

    def run(self) -> None:
        """Show the icon until Quit (on the main thread: macOS and GTK need it there)."""
        self.icon.run(setup=self._setup)

    def _setup(self, icon: Any) -> None:
        icon.visible = True
        self.worker.start()

    def _publish(self, snapshot: Snapshot) -> None:
        if snapshot.notifications_off != self._notifications_off:
            self._notifications_off = snapshot.notifications_off
            if snapshot.notifications_off:
                log.warning("notifications are off: %s", snapshot.notifications_off)
            else:
                log.info("notifications are on")
        new = model(snapshot)
        with self._model_lock:
            old, self.model = self.model, new
        if new == old or self.quitting.is_set():
            return
        self.updates += 1
        on_ui_thread(lambda: self._show(new, old))

    def _show(self, new: MenuModel, old: MenuModel) -> None:
        if new.icon != old.icon:
            self.icon.icon = icon_image(new.icon)
        self.icon.title = title(new)
        self.icon.update_menu()

    def _notify(
        self, title: str, message: str, icon: IconState = "attention", retry: str | None = None
    ) -> None:
        if getattr(self.icon, "notifications_off", "") or self.quitting.is_set():
            log.info("notification (not shown): %s: %s", title, message)
            return
        on_ui_thread(lambda: self._show_notification(title, message, icon, retry))

    def _show_notification(
        self, title: str, message: str, icon: IconState, retry: str | None
    ) -> None:
        send = getattr(self.icon, "send", None)
        if send is None:
            # Windows and macOS: pystray's own notification, with the tray's icon.
            self.icon.notify(message, title)
        elif retry is None:
            send(title, message, icon_path(icon))
        else:
            # A reminder's action syncs as Retry does; its label is its message.
            label = "Sync now" if message == "Sync now" else "Retry"
            send(title, message, icon_path(icon), [(RETRY, label)], self._on_retry(retry))
        # A notification may replace the tooltip (Windows' balloon): the status comes back.
        refresh = getattr(self.icon, "refresh_title", None)
        if refresh is not None:
            refresh()

    def _on_retry(self, target: str) -> Callable[[str], None]:
        def invoked(key: str) -> None:
            if key == RETRY:
                self._submit(lambda: self.worker.sync_now(target))

        return invoked

    def quit(self) -> None:
        """Hide the icon, stop a daemon this tray started, and end the process in time."""
        if self.quitting.is_set():
            return
        self.quitting.set()
        # The icon goes at once; the process ends when the daemon it started has stopped.
        self.icon.stop()
        self.worker.quit()

    def quit_in_background(self) -> None:
        """Quit without blocking the caller (a menu callback, a signal handler)."""
        # Not a daemon thread, said outright (a thread inherits the flag from the one
        # that starts it, and the signal watcher is a daemon thread): the process waits
        # for the daemon's stop, which Quit's deadline bounds, instead of ending in the
        # middle of it.
        threading.Thread(target=self.quit, name="tray-quit", daemon=False).start()

    def _actions(self) -> Actions:
        submit = self._submit
        return Actions(
            sync=lambda target: submit(lambda: self.worker.sync_now(target)),
            register_folder=lambda: self._in_own_thread(self._register_folder),
            add_folder=lambda: self._in_own_thread(self._add_folder),
            pause_folder=lambda folder, paused: submit(
                lambda: self.worker.set_paused(folder, paused)
            ),
            rescan_folder=lambda folder: submit(lambda: self.worker.rescan_folder(folder)),
            remove_folder=lambda folder: submit(lambda: self.worker.remove_folder(folder)),
            open_app=lambda: submit(self.worker.open_app),
            open_data_folder=lambda: submit(lambda: desktop.open_path(self.settings.data_dir)),
            open_log=lambda: submit(lambda: desktop.open_path(self._log_path())),
            toggle_autostart=lambda: submit(self.worker.toggle_autostart),
            start_daemon=lambda: submit(self.worker.start_daemon),
            stop_daemon=lambda: submit(self.worker.stop_daemon),
            # Quit runs off the UI thread too: it waits for the daemon, the loop must not.
            quit=self.quit_in_background,
        )

    def _submit(self, action: Any) -> None:
        self.worker.submit(action)

    def _in_own_thread(self, action: Callable[[], None]) -> None:
        # A folder picker may stay open for long: it must not hold up the other actions.
        threading.Thread(target=self.worker.run_action, args=(action,), daemon=True).start()

    def _register_folder(self) -> None:
        path = self._pick("Register the photos in a folder")
        if path is not None:
            self.worker.register_folder(path)

    def _add_folder(self) -> None:
        path = self._pick("Watch a folder for new photos")
        if path is not None:
            self.worker.add_watched_folder(path)

    def _pick(self, title: str) -> Path | None:
        try:
            return desktop.pick_folder(title)
        except desktop.NoPicker as exc:
            # In the status line too: a desktop without a picker often has no notifier.
            self.worker.tell(str(exc))
            self._notify("Hotprevue", str(exc), "attention")
            return None

    def _log_path(self) -> Path:
        return self.settings.paths.logs / logs.LOG_FILE


def on_ui_thread(change: Callable[[], None]) -> None:
    """Make a UI change from the worker: GTK and Windows backends queue it onto their own
    loop, but AppKit must be called from the main thread, so on macOS it is sent there."""
    if sys.platform == "darwin":
        from PyObjCTools import AppHelper  # type: ignore[import-not-found]

        AppHelper.callAfter(change)
    else:
        change()


def main(settings: LocalSettings) -> int:
    """Run the tray until Quit; exit at once when one already runs for this user."""
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    logs.configure(settings.paths.logs, settings.log_level, file_name=TRAY_LOG)
    # One tray per data directory (per user by default), held for the process's life.
    lock = filelock.FileLock(settings.data_dir / LOCK_FILE, mode=0o600, blocking=False)
    try:
        lock.acquire()
    except filelock.Timeout:
        print(f"Hotprevue's tray is already running (data dir {settings.data_dir})")
        return 1
    try:
        pystray = backend.load()
    except backend.TrayUnavailable as exc:
        print(f"hotprevue tray: {exc}", file=sys.stderr)
        return 1
    app = TrayApp(pystray, settings, DaemonControl(settings))
    deadline = threading.Thread(target=_exit_after_quit, args=(app,), daemon=True)
    deadline.start()
    _quit_on_signals(app)
    try:
        app.run()
    except KeyboardInterrupt:
        # Ctrl+C where the backend leaves SIGINT to Python (Windows, macOS).
        app.quit()
    if not app.quitting.is_set():
        # The loop ended without Quit (the display went away): leave the daemon be.
        app.worker.stop()
    log.info("tray stopped")
    return 0


def _quit_on_signals(app: TrayApp) -> None:
    """SIGTERM (a `kill`, a session closing, the package being removed) quits as the
    menu's Quit does."""
    if os.name != "posix":
        return
    # The handler only writes a byte: starting a thread inside a signal handler could
    # deadlock on threading's own locks. PyGObject wakes its loop for Python's handlers,
    # as pystray's xorg loop runs them between X events. SIGINT stays the backend's:
    # GTK's resets it to the default, elsewhere it is a KeyboardInterrupt (see main).
    read, write = os.pipe()
    signal.signal(signal.SIGTERM, lambda signum, frame: os.write(write, b"q"))

    def wait() -> None:
        os.read(read, 1)
        log.info("quit on SIGTERM")
        app.quit_in_background()

    threading.Thread(target=wait, daemon=True, name="tray-signals").start()


def _exit_after_quit(app: TrayApp) -> None:
    # pystray's xorg backend can leave run() hanging when stop() comes from another
    # thread, and a daemon may take its time: whatever happens, Quit ends the process.
    app.quitting.wait()
    time.sleep(QUIT_DEADLINE - 0.3)
    log.warning("quit took too long; exiting now")
    logging.shutdown()
    os._exit(0)
