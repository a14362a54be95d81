"""What the tray tells of the daemon's work: how syncs and registrations ended, photos
waiting unsynced too long, and why a daemon keeps stopping."""

from __future__ import annotations

import contextlib
import time
import uuid
from datetime import UTC, datetime
from typing import Protocol

from protocol.client import DaemonClient, DaemonError, DaemonUnreachable
from protocol.input_sessions import InputSession
from protocol.local import DataPaths
from protocol.logs import LOG_FILE
from protocol.settings import SystemSettings
from protocol.sync_targets import SyncRun
from protocol.system import Activity
from protocol.words import plural
from tray.icons import IconState
from tray.status import overdue

# The reminder's setting changes rarely: it is not read at every poll.
REMINDER_READ_EVERY = 600.0
# Photos waiting too long are told of at most once a day per target.
REMIND_EVERY = 86400.0


class Notify(Protocol):
    """Shows a notification whose icon is the state it reports; `retry` names the sync
    target its "Retry" action pushes to again."""

    def __call__(
        self, title: str, message: str, icon: IconState = "attention", retry: str | None = None
    ) -> None: ...


class Reports:
    """Follows syncs and registrations from poll to poll, and notifies how they ended."""

    def __init__(self, notify: Notify) -> None:
        self._notify = notify
        # Runs started from the menu: their outcome is notified.
        self._our_runs: set[uuid.UUID] = set()
        # Registrations seen unfinished, and those started from the menu (always told).
        self._sessions: set[uuid.UUID] = set()
        self._our_sessions: set[uuid.UUID] = set()
        # How the last registration went wrong, until the user has seen it.
        self.outcome_line = ""
        # The reminder setting, read now and then; when each target was last reminded of.
        self._reminder_days = 0
        self._reminder_read_at = -REMINDER_READ_EVERY
        self._reminded: dict[uuid.UUID, float] = {}

    def follow_run(self, run_id: uuid.UUID) -> None:
        """A run started from the menu: how it ends is notified."""
        self._our_runs.add(run_id)

    def follow_session(self, session_id: uuid.UUID) -> None:
        """A registration started from the menu: how it ends is notified."""
        # Followed from here: a small folder may be done before the next poll.
        self._our_sessions.add(session_id)
        self._sessions.add(session_id)
        self.outcome_line = ""

    def seen(self) -> None:
        """The user has looked: the last registration's outcome goes."""
        self.outcome_line = ""

    def report_finished_runs(self, client: DaemonClient, running: tuple[SyncRun, ...]) -> None:
        """Tell how the runs started from the menu that ended since the last poll went."""
        still = {run.id for run in running}
        for run_id in list(self._our_runs - still):
            try:
                run = client.get(f"/api/sync/runs/{run_id}", SyncRun)
            except DaemonError:
                self._our_runs.discard(run_id)  # forgotten by a restarted daemon
                continue
            except DaemonUnreachable:
                continue
            if run.state == "running":
                continue  # started after the activity this poll read
            self._our_runs.discard(run_id)
            if run.state == "succeeded":
                self._notify(
                    f"Synced to {run.target_name}",
                    f"{plural(run.photos_sent, 'photo')} and "
                    f"{plural(run.coldpreviews_sent, 'preview')} sent",
                    "idle",
                )
            elif run.state == "failed":
                self._notify(
                    f"Sync to {run.target_name} failed",
                    run.error_message or run.error or "unknown error",
                    "error",
                    retry=str(run.target_id),
                )

    def report_finished_sessions(self, client: DaemonClient, activity: Activity) -> str:
        """Tell how registrations that ended since the last poll went; the outcome line."""
        now = {session.id for session in activity.sessions}
        if now - self._sessions:
            self.outcome_line = ""  # a new registration: the last one's outcome is old news
        for session_id in list(self._sessions - now):
            try:
                session = client.get(f"/api/input-sessions/{session_id}", InputSession)
            except DaemonUnreachable:
                continue
            except DaemonError:
                session = None  # forgotten by a restarted daemon
            self._sessions.discard(session_id)
            ours = session_id in self._our_sessions
            self._our_sessions.discard(session_id)
            if session is None:
                continue
            title, message, troubled = outcome(session)
            if troubled:
                self.outcome_line = f"{title}: {message}"
            if troubled or ours:
                self._notify(title, message, "attention" if troubled else "idle")
        self._sessions |= now
        return self.outcome_line

    def remind(self, client: DaemonClient, activity: Activity) -> int:
        """Tell once a day of photos waiting unsynced too long; the reminder's days."""
        now = time.monotonic()
        if now - self._reminder_read_at >= REMINDER_READ_EVERY:
            self._reminder_read_at = now
            # Unread, the last value stands until the next read.
            with contextlib.suppress(DaemonError, DaemonUnreachable):
                settings = client.get("/api/settings", SystemSettings)
                self._reminder_days = settings.sync_reminder_days
        wall = datetime.now(UTC)
        for target in activity.sync.targets:
            if not overdue(target, self._reminder_days, wall):
                continue
            if now - self._reminded.get(target.id, -REMIND_EVERY) < REMIND_EVERY:
                continue
            self._reminded[target.id] = now
            self._notify(
                f"{plural(target.pending_photos, 'photo')} not yet backed up to “{target.name}”",
                "Sync now",
                "attention",
                retry=str(target.id),
            )
        return self._reminder_days


def last_error(paths: DataPaths) -> str:
    """The daemon log's last error line: why it keeps stopping."""
    path = paths.logs / LOG_FILE
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            handle.seek(max(0, handle.tell() - 64_000))
            lines = handle.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    for line in reversed(lines):
        if " ERROR " in line or " CRITICAL " in line:
            return line.split(": ", 1)[-1].strip()
    return ""


def outcome(session: InputSession) -> tuple[str, str, bool]:
    """A finished registration's notification (title, message) and whether it went wrong."""
    name = f"“{session.name}”"
    if session.status == "failed":
        return f"Registering {name} failed", session.failure or "see the log", True
    parts = [f"{session.photo_count:,} registered"]
    if session.damaged_count:
        parts.append(plural(session.damaged_count, "damaged file"))
    if session.error_count:
        parts.append(f"{plural(session.error_count, 'file')} not registered")
    if session.duplicate_count:
        parts.append(plural(session.duplicate_count, "duplicate"))
    if session.already_registered_count:
        parts.append(f"{session.already_registered_count:,} already in the catalog")
    troubled = bool(session.error_count or session.duplicate_count or session.damaged_count)
    if session.status in ("cancelled", "interrupted"):
        return f"Registering {name} {session.status}", ", ".join(parts), True
    title = f"Registered {name}" if not troubled else f"Registered {name} with problems"
    return title, ", ".join(parts), troubled
