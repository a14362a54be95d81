"""What the tray is told, built field by field: its daemon's activity and the snapshot."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from protocol.input_sessions import InputSession
from protocol.sync_targets import SyncStatus, SyncTargetStatus
from protocol.system import Activity
from protocol.watched_folders import WatchedFolder
from tray.status import Snapshot

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def activity(**changes: Any) -> Activity:
    values: dict[str, Any] = {
        "photo_count": 12408,
        "files_missing": 0,
        "files_offline": 0,
        "sessions": [],
        "watched_folders": [],
        "sync": SyncStatus(targets=[]),
    }
    values.update(changes)
    return Activity(**values)


def target(**changes: Any) -> SyncTargetStatus:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "name": "central.example",
        "url": "https://central.example",
        "encrypted": True,
        "last_success_at": NOW - timedelta(hours=2, minutes=5),
        "last_error": None,
        "last_error_at": None,
        "pending_rows": 0,
        "pending_photos": 0,
        "pending_coldpreviews": 0,
        "running": None,
    }
    values.update(changes)
    return SyncTargetStatus(**values)


def session(**changes: Any) -> InputSession:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "name": "Summer",
        "source_path": "/photos/summer",
        "recursive": True,
        "default_photographer_id": uuid.uuid4(),
        "default_event_id": None,
        "status": "running",
        "started_at": NOW,
        "completed_at": None,
        "created_at": NOW,
        "files_found": 2100,
        "files_ignored": 0,
        "groups_total": 2000,
        "groups_done": 140,
        "photo_count": 140,
        "duplicate_count": 0,
        "already_registered_count": 0,
        "error_count": 0,
        "failure": None,
        "rate": 18.2,
    }
    values.update(changes)
    return InputSession(**values)


def folder(state: str, path: str = "/photos/Inbox") -> WatchedFolder:
    return WatchedFolder(
        id=uuid.uuid4(),
        path=path,
        recursive=True,
        photographer_id=None,
        paused=False,
        state=state,  # type: ignore[arg-type]
        state_detail="",
        pending_files=0,
        last_scan_at=None,
        created_at=NOW,
    )


def running(act: Activity, **changes: Any) -> Snapshot:
    return Snapshot(phase="running", activity=act, taken_at=NOW, **changes)
