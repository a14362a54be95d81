"""What the tray shows: the icon state and the status line, from one snapshot of the daemon."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from protocol.input_sessions import InputSession
from protocol.sync_targets import SyncRun, SyncTargetStatus
from protocol.system import Activity
from protocol.watched_folders import WatchedFolder
from protocol.words import plural
from tray.icons import IconState

# starting: launched (or restarting), not answering yet; running: /health answers;
# unreachable: holds its lock but does not answer; stopping: "Stop daemon" under way;
# stopped: gone after a clean stop; failed: crashed more often than the tray restarts it.
DaemonPhase = Literal["starting", "running", "unreachable", "stopping", "stopped", "failed"]
# A folder in one of these states is not registering what lands in it.
FOLDER_TROUBLE = frozenset({"offline", "error"})


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the tray knows at one moment; the worker replaces it, never changes it."""

    phase: DaemonPhase
    # Why the daemon is unreachable, failed or stopped; empty otherwise.
    detail: str = ""
    owned: bool = False
    restarts: int = 0
    activity: Activity | None = None
    # Progress of the sync runs going on now.
    runs: tuple[SyncRun, ...] = ()
    autostart: bool = False
    # Why notifications are off (no notification service); empty when they work.
    notifications_off: str = ""
    # Shown instead of the status line for a while: what the user must know now.
    notice: str = ""
    # How the last registration ended when something went wrong, until the user has
    # seen it (opened Hotprevue) or a new registration starts.
    outcome: str = ""
    # Remind when photos have waited unsynced this many days (0: never).
    reminder_days: int = 0
    taken_at: datetime = field(default_factory=lambda: datetime.now().astimezone())


@dataclass(frozen=True, slots=True)
class Status:
    """The icon and the words for it."""

    icon: IconState
    line: str


def describe(snapshot: Snapshot) -> Status:
    """The icon state and status line: errors first, then work going on, then attention."""
    status = _describe(snapshot)
    if snapshot.notice:
        return Status(status.icon, snapshot.notice)
    if snapshot.notifications_off:
        return Status(status.icon, f"{status.line} · notifications off")
    return status


def _describe(snapshot: Snapshot) -> Status:
    activity = snapshot.activity
    if snapshot.phase == "starting":
        if snapshot.restarts:
            return Status("starting", f"Restarting Hotprevue (attempt {snapshot.restarts} of 3)…")
        return Status("starting", "Starting Hotprevue…")
    if snapshot.phase == "stopping":
        return Status("starting", "Stopping Hotprevue…")
    if snapshot.phase == "failed":
        why = f": {_short(snapshot.detail)}" if snapshot.detail else " · see the log"
        return Status("error", f"Hotprevue stopped unexpectedly 3 times{why}")
    if snapshot.phase == "stopped":
        return Status("error", "Hotprevue is stopped · photos are not registered or synced")
    if snapshot.phase == "unreachable" or activity is None:
        return Status("error", f"Hotprevue is not answering: {snapshot.detail}")
    failed = [t for t in activity.sync.targets if failing(t)]
    if failed and not snapshot.runs:
        target = failed[0]
        why = target.last_error_message or target.last_error or ""
        if target.retry_at is not None and target.retry_at > snapshot.taken_at:
            wait = max(1, round((target.retry_at - snapshot.taken_at).total_seconds()))
            line = f"Retrying in {wait} s… (sync to {target.name}: {_short(why)})"
            return Status("working", line)
        line = f"Sync to {target.name} failed: {_short(why)}"
        # What the failure left behind stays in sight, not only the error.
        if target.pending_photos:
            line += f" · Not synced: {plural(target.pending_photos, 'photo')} waiting"
        return Status("error", line)
    working = _working(activity, snapshot.runs, snapshot.taken_at)
    if working:
        return Status("working", working)
    if snapshot.outcome:
        return Status("attention", snapshot.outcome)
    attention = _attention(activity, snapshot.reminder_days, snapshot.taken_at)
    if attention:
        return Status("attention", attention)
    return Status("idle", _all_safe(activity, snapshot.taken_at))


def overdue(target: SyncTargetStatus, reminder_days: int, now: datetime) -> bool:
    """True when photos have waited for `target` longer than the reminder allows."""
    since = target.unsynced_since
    return bool(
        reminder_days
        and target.pending_photos
        and since is not None
        and (now - since).total_seconds() > reminder_days * 86400
    )


def failing(target: SyncTargetStatus) -> bool:
    """True when the target's last sync failed and none runs now."""
    if target.last_error is None or target.running is not None:
        return False
    return target.last_success_at is None or (
        target.last_error_at is not None and target.last_error_at > target.last_success_at
    )


def _working(activity: Activity, runs: tuple[SyncRun, ...], now: datetime) -> str:
    parts = []
    sessions = [s for s in activity.sessions if s.status in ("pending", "running")]
    if sessions:
        text = _registering(activity, sessions)
        rate = sum(s.rate or 0.0 for s in sessions)
        parts.append(f"{text} · {rate:,.0f}/s" if rate >= 1 else text)
    for run in runs:
        if run.retry_at is not None and run.retry_at > now:
            wait = max(1, round((run.retry_at - now).total_seconds()))
            parts.append(f"Retrying in {wait} s… (sync to {run.target_name})")
        else:
            parts.append(f"Syncing to {run.target_name} {run_progress(run)}")
    scanning = [f for f in activity.watched_folders if f.state == "scanning"]
    if scanning and not sessions:
        parts.append(f"Scanning {_folder_name(scanning[0])}…")
    return " · ".join(parts)


def _registering(activity: Activity, sessions: list[InputSession]) -> str:
    """What registers: a watched folder's burst by its new photos and folder, else counts."""
    folders = {f.id: f for f in activity.watched_folders}
    watched = sessions[0].watched_folder_id if len(sessions) == 1 else None
    if watched is not None and watched in folders:
        burst = sessions[0]
        name = _folder_name(folders[watched])
        if burst.groups_total is None:
            # A burst is handed its files, not a folder to count: no "0 files found".
            return f"Registering new photos in {name}…"
        photos = plural(burst.groups_total, "new photo")
        return f"Registering {burst.groups_done:,} of {photos} in {name}"
    totals = [s.groups_total for s in sessions]
    if None in totals:
        return f"Registering · {plural(sum(s.files_found for s in sessions), 'file')} found"
    done = sum(s.groups_done for s in sessions)
    return f"Registering {done:,}/{sum(t or 0 for t in totals):,}"


def run_progress(run: SyncRun) -> str:
    """How far a sync run is, in the words of the status line and the menu."""
    if run.coldpreviews_wanted and run.rows_sent >= run.rows_total:
        return f"previews {run.coldpreviews_sent:,}/{run.coldpreviews_wanted:,}"
    if run.photos_total:
        return f"{run.photos_sent:,}/{plural(run.photos_total, 'photo')}"
    # Only changes to send (tags, ratings …), no photos.
    return f"changes {run.rows_sent:,}/{run.rows_total:,}"


def _attention(activity: Activity, reminder_days: int, now: datetime) -> str:
    parts = []
    for target in activity.sync.targets:
        if overdue(target, reminder_days, now):
            assert target.unsynced_since is not None
            since = target.unsynced_since.astimezone().strftime("%-d %b")
            photos = plural(target.pending_photos, "photo")
            parts.append(f"{photos} not backed up to “{target.name}” since {since}")
        elif target.pending_photos:
            photos = plural(target.pending_photos, "photo")
            parts.append(f"{photos} not yet synced to {target.name}")
        elif target.pending_rows or target.pending_coldpreviews:
            parts.append(f"changes not yet synced to {target.name}")
    for folder in activity.watched_folders:
        if folder.state in FOLDER_TROUBLE:
            parts.append(f"watched folder {_folder_name(folder)} is {folder.state}")
    if activity.files_missing:
        parts.append(f"{plural(activity.files_missing, 'file')} missing")
    if not parts:
        return ""
    text = " · ".join(parts)
    return text[0].upper() + text[1:]


def _all_safe(activity: Activity, now: datetime) -> str:
    count = plural(activity.photo_count, "photo")
    targets = activity.sync.targets
    if not targets:
        return f"All {count} registered · no sync target set up"
    synced = [t.last_success_at for t in targets if t.last_success_at is not None]
    if not synced:
        return f"All {count} registered · not synced yet"
    return f"All {count} registered and synced · last sync {_ago(min(synced), now)}"


def _ago(then: datetime, now: datetime) -> str:
    seconds = max(0.0, (now - then).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds >= 86400:
        return f"{plural(int(seconds // 86400), 'day')} ago"
    if seconds >= 3600:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 60)} min ago"


def _folder_name(folder: WatchedFolder) -> str:
    name = folder.path.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]
    return name or folder.path


def _short(text: str, limit: int = 80) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "unknown error"
    return line if len(line) <= limit else line[: limit - 1] + "…"
