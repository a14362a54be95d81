"""The tray's worker thread: watches the daemon, keeps it running, carries out menu actions."""

from __future__ import annotations

import logging
import threading
import time
import uuid
import webbrowser
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from protocol.client import DaemonClient, DaemonError, DaemonUnreachable
from protocol.input_sessions import InputSession, InputSessionCreate
from protocol.local import RuntimeInfo, default_data_dir
from protocol.sync_targets import SyncRun, SyncRunCreate
from protocol.system import Activity
from protocol.ui import LOGIN_LINKS_PATH, LoginLink
from protocol.watched_folders import WatchedFolder, WatchedFolderCreate, WatchedFolderPatch
from tray import autostart
from tray.control import PATIENT, QUICK, START_TIMEOUT, DaemonControl, RestartBudget
from tray.reports import Notify, Reports, last_error
from tray.status import Snapshot

log = logging.getLogger(__name__)

POLL_INTERVAL = 1.0


class Worker:
    """Polls the daemon at most once a second and publishes each new Snapshot.

    Menu actions run on a small pool of their own, never on the UI thread, and wake
    the poll so their effect shows at once."""

    def __init__(
        self,
        control: DaemonControl,
        publish: Callable[[Snapshot], None],
        notify: Notify,
        *,
        budget: RestartBudget | None = None,
        notifications_off: Callable[[], str] = lambda: "",
    ) -> None:
        self.control = control
        self._publish = publish
        self._notify = notify
        self._notifications_off = notifications_off
        self.budget = budget or RestartBudget()
        self._wake = threading.Event()
        self._quit = threading.Event()
        self._actions = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tray-action")
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # Set by "Stop daemon": a daemon that is gone then stays gone.
        self._stopped_by_user = False
        self._gave_up = False
        self._failure = ""
        self._stopping = False
        # A line shown instead of the status for a while (e.g. no folder picker here).
        self._notice = ""
        self._notice_until = 0.0
        self._launch_lock = threading.Lock()
        self._restarts = 0
        self._initial = True
        self._launched_at: float | None = None
        self._reports = Reports(notify)
        self.snapshot = Snapshot(phase="starting")

    # -- the loop -------------------------------------------------------------------

    def start(self) -> None:
        """Adopt or start the daemon, then poll it in a daemon thread."""
        self._thread = threading.Thread(target=self._loop, name="tray-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the loop (the tray quits); running actions are abandoned."""
        self._quit.set()
        self._wake.set()
        self._actions.shutdown(wait=False, cancel_futures=True)

    def poke(self) -> None:
        """Poll now instead of at the next tick."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._quit.is_set():
            try:
                self.poll_once()
            except Exception:
                log.exception("polling the daemon failed")
            self._wake.wait(POLL_INTERVAL)
            self._wake.clear()

    def poll_once(self) -> Snapshot:
        """Look at the daemon once, act on what is seen, and publish the snapshot."""
        with self._lock:
            snapshot = self._observe()
            self.snapshot = snapshot
        self._publish(snapshot)
        return snapshot

    def _observe(self) -> Snapshot:
        control = self.control
        # At the tray's start a daemon that is not running is started, crashed or not.
        initial, self._initial = self._initial, False
        common: dict[str, Any] = {
            "autostart": _autostart_enabled(),
            "notifications_off": self._notifications_off(),
            "owned": control.owned,
            "restarts": self._restarts,
            "notice": self._notice if time.monotonic() < self._notice_until else "",
            "outcome": self._reports.outcome_line,
        }
        if self._stopping:
            return Snapshot(phase="stopping", **common)
        if control.running():
            # Running after the user stopped it: started from a terminal, so followed.
            self._stopped_by_user = False
            info = control.info()
            if info is not None and control.healthy(info):
                return self._running(info, common)
            if self._launching() or (info is not None and _recent(info.started_at)):
                return Snapshot(phase="starting", **common)
            detail = (
                "it has not said where it listens"
                if info is None
                else f"no answer at {info.url}/health"
            )
            return Snapshot(phase="unreachable", detail=detail, **common)
        if self._launching() and control.owned:
            return Snapshot(phase="starting", **common)
        if self._stopped_by_user:
            return Snapshot(phase="stopped", detail="stopped from the menu", **common)
        if self._gave_up:
            return Snapshot(phase="failed", detail=self._failure, **common)
        if initial or control.crashed():
            if not initial and not self.budget.take(time.monotonic()):
                return self._give_up(common)
            if not initial:
                self._restarts = self.budget.used
                common["restarts"] = self._restarts
                log.warning("the daemon stopped unexpectedly; restarting it (%d)", self._restarts)
            self._launch()
            return Snapshot(phase="starting", **common)
        return Snapshot(phase="stopped", detail="stopped outside the tray", **common)

    def _give_up(self, common: dict[str, Any]) -> Snapshot:
        log.error("the daemon stopped unexpectedly too often; giving up")
        self._gave_up = True
        self._failure = last_error(self.control.settings.paths)
        # The last crash may have left its PostgreSQL running, waiting for a restart
        # that will not come now.
        self.control.stop_database()
        return Snapshot(phase="failed", detail=self._failure, **common)

    def _running(self, info: RuntimeInfo, common: dict[str, Any]) -> Snapshot:
        try:
            client = self.control.client(info)
            activity = client.get("/api/activity", Activity)
            runs = tuple(
                client.get(f"/api/sync/runs/{target.running}", SyncRun)
                for target in activity.sync.targets
                if target.running is not None
            )
        except (DaemonUnreachable, DaemonError, OSError) as exc:
            # OSError: the api_key file cannot be read.
            return Snapshot(phase="unreachable", detail=str(exc), **common)
        except msgspec.MsgspecError as exc:
            # Another version of the daemon than the tray's, most likely.
            detail = f"unexpected answer ({exc}); is it the same version as the tray?"
            return Snapshot(phase="unreachable", detail=detail, **common)
        self._launched_at = None
        self._reports.report_finished_runs(client, runs)
        common["reminder_days"] = self._reports.remind(client, activity)
        common["outcome"] = self._reports.report_finished_sessions(client, activity)
        return Snapshot(phase="running", activity=activity, runs=runs, **common)

    def _launching(self) -> bool:
        launched = self._launched_at
        return launched is not None and time.monotonic() - launched < START_TIMEOUT

    def _launch(self) -> None:
        # Under the lock Quit takes: no daemon is started after Quit looked for one.
        with self._launch_lock:
            if self._quit.is_set():
                return
            self._launched_at = time.monotonic()
            try:
                self.control.start()
            except OSError as exc:
                log.error("the daemon could not be started: %s", exc)
                self._notify("Hotprevue could not start", str(exc), "error")

    def seen(self) -> None:
        """The user has looked (opened Hotprevue): the last registration's outcome goes."""
        self._reports.seen()
        self.poke()

    # -- actions (from the menu) ----------------------------------------------------

    def submit(self, action: Callable[[], None]) -> None:
        """Run a menu action on the action threads, off the UI thread."""
        if not self._quit.is_set():
            self._actions.submit(self.run_action, action)

    def run_action(self, action: Callable[[], None]) -> None:
        """Run a menu action; its failure is shown, not raised."""
        try:
            action()
        except DaemonError as exc:
            self._notify("Hotprevue", exc.detail)
        except (DaemonUnreachable, OSError, autostart.AutostartError) as exc:
            self._notify("Hotprevue", str(exc), "error")
        except Exception as exc:
            log.exception("a tray action failed")
            self._notify("Hotprevue", f"that did not work: {exc}", "error")
        finally:
            self.poke()

    def _client(self) -> DaemonClient:
        info = self.control.info()
        if info is None or not self.control.running():
            raise DaemonUnreachable("Hotprevue is not running")
        return self.control.client(info)

    def sync_now(self, target: str | None) -> None:
        """Start a push to one target (None: every target not syncing already)."""
        client = self._client()
        activity = self.snapshot.activity
        targets = activity.sync.targets if activity is not None else []
        refs = [target] if target is not None else [str(t.id) for t in targets if t.running is None]
        refused = []
        for ref in refs:
            try:
                run = client.post("/api/sync/runs", SyncRun, SyncRunCreate(target=ref))
            except DaemonError as exc:
                refused.append(exc.detail)
                continue
            self._reports.follow_run(run.id)
        if refused:
            self._notify("Sync now", "; ".join(refused))

    def open_app(self) -> None:
        """Open the web UI in the default browser, signed in by a one-use link."""
        link = self._client().post(LOGIN_LINKS_PATH, LoginLink)
        self.seen()
        if not webbrowser.open(link.url):
            raise OSError("no web browser could be started; run `hotprevue open --print`")

    def tell(self, text: str, seconds: float = 30.0) -> None:
        """Show `text` as the status line for a while (for what has no other place)."""
        self._notice, self._notice_until = text, time.monotonic() + seconds
        self.poke()

    def register_folder(self, path: Path) -> InputSession:
        """Register the photos in a folder, in the background of the daemon."""
        session = self._client().post(
            "/api/input-sessions",
            InputSession,
            InputSessionCreate(name=path.name or str(path), source_path=str(path)),
        )
        with self._lock:
            self._reports.follow_session(session.id)
        self._notify("Registering", f"{path} — progress shows in the menu", "working")
        return session

    def add_watched_folder(self, path: Path) -> WatchedFolder:
        """Watch a folder: what is in it and what lands in it gets registered."""
        return self._client().post(
            "/api/watched-folders", WatchedFolder, WatchedFolderCreate(path=str(path))
        )

    def set_paused(self, folder_id: uuid.UUID, paused: bool) -> None:
        """Pause or resume a watched folder."""
        self._client().patch(
            f"/api/watched-folders/{folder_id}", WatchedFolder, WatchedFolderPatch(paused=paused)
        )

    def rescan_folder(self, folder_id: uuid.UUID) -> None:
        """Walk a watched folder again now."""
        self._client().post(f"/api/watched-folders/{folder_id}/rescan", WatchedFolder)

    def remove_folder(self, folder_id: uuid.UUID) -> None:
        """Stop watching a folder; its photos stay in the catalog."""
        self._client().delete(f"/api/watched-folders/{folder_id}")

    def start_daemon(self) -> None:
        """Start the daemon again after a stop or after the tray gave up on it."""
        with self._lock:
            self._stopped_by_user = False
            self._gave_up = False
            self._restarts = 0
            self.budget.reset()
            if not self.control.running():
                self._launch()

    def stop_daemon(self) -> None:
        """Stop the daemon (patiently) and keep it stopped until asked to start."""
        with self._lock:
            self._stopping = True
        try:
            stopped = self.control.stop(PATIENT)
        finally:
            with self._lock:
                self._stopping = False
                self._stopped_by_user = True
        if not stopped:
            self._notify("Hotprevue did not stop", "see the log", "error")

    def quit(self) -> None:
        """Stop a daemon this tray started, within the tray's quit deadline."""
        self.stop()
        with self._launch_lock:
            pass  # a start under way has finished: `owned` below sees it
        if self.control.owned:
            self.control.stop(QUICK)

    def toggle_autostart(self) -> None:
        """Turn start at login on or off, whatever it is now."""
        if autostart.is_enabled():
            autostart.disable()
            return
        # A tray of another catalog than the default one starts that catalog's at login.
        data_dir = self.control.settings.data_dir
        extra = [] if data_dir == default_data_dir().resolve() else ["--data-dir", str(data_dir)]
        autostart.enable(extra)


def _autostart_enabled() -> bool:
    try:
        return autostart.is_enabled()
    except autostart.AutostartError:
        return False


def _recent(started_at: datetime) -> bool:
    """True for a daemon that wrote daemon.json so lately it may still be starting."""
    return (datetime.now(UTC) - started_at).total_seconds() < START_TIMEOUT
