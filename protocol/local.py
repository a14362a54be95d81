"""Where a local daemon keeps its files and how a client on this machine finds it.

Defined once here so the daemon, the CLI and the tray agree on every path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import filelock
import msgspec
import platformdirs

APP_NAME = "hotprevue"


def default_data_dir() -> Path:
    """The per-user data directory (Linux ~/.local/share/hotprevue, Windows %LOCALAPPDATA%)."""
    # appauthor=False keeps Windows at %LOCALAPPDATA%\Hotprevue, not under a vendor folder.
    name = "Hotprevue" if os.name == "nt" else APP_NAME
    return Path(platformdirs.user_data_dir(name, appauthor=False, roaming=False))


@dataclass(frozen=True, slots=True)
class DataPaths:
    """Every file and folder the daemon keeps under its data directory."""

    root: Path

    @property
    def pgdata(self) -> Path:
        """The embedded PostgreSQL cluster."""
        return self.root / "pgdata"

    @property
    def coldpreviews(self) -> Path:
        """Default coldpreview directory."""
        return self.root / "coldpreviews"

    @property
    def uploads(self) -> Path:
        """Uploaded files while they are decoded, one folder per upload session."""
        return self.root / "uploads"

    @property
    def logs(self) -> Path:
        """Rotating daemon logs."""
        return self.root / "logs"

    @property
    def api_key(self) -> Path:
        """The local API key, readable only by the user."""
        return self.root / "api_key"

    @property
    def browse_key(self) -> Path:
        """Central: the key that reads the mirror and administers nothing, user-only."""
        return self.root / "browse_key"

    @property
    def ui_password(self) -> Path:
        """Central: the scrypt hash of the web UI's password (absent: browser sign-in off)."""
        return self.root / "ui_password"

    @property
    def lock(self) -> Path:
        """Held for the daemon's lifetime: one daemon per data directory."""
        return self.root / "daemon.lock"

    @property
    def runtime(self) -> Path:
        """Where a running daemon says how to reach it."""
        return self.root / "daemon.json"


def local_api_key(paths: DataPaths, configured: str | None = None) -> str:
    """The key a client on this machine sends: the same the daemon took (`configured`,
    from HOTPREVUE_API_KEY, when set, else the data directory's api_key file)."""
    return configured or paths.api_key.read_text(encoding="utf-8").strip()


class LocalSettings(Protocol):
    """What a program beside the daemon (the tray) needs of the settings it runs with;
    the daemon's own Settings is one."""

    @property
    def data_dir(self) -> Path:
        """The data directory."""
        ...

    @property
    def paths(self) -> DataPaths:
        """Every file and folder under the data directory."""
        ...

    @property
    def log_level(self) -> str:
        """The lowest level logged, e.g. INFO."""
        ...

    @property
    def api_key(self) -> str | None:
        """HOTPREVUE_API_KEY; None: the data directory's api_key file holds the key."""
        ...


class RuntimeInfo(msgspec.Struct, kw_only=True):
    """The content of daemon.json, written by a daemon once it listens."""

    pid: int
    url: str
    mode: str
    data_dir: str
    started_at: datetime

    def write(self, path: Path) -> None:
        """Write atomically, so a reader never sees half a file, and readable by this user only."""
        temp = path.with_name(path.name + ".tmp")
        # A temp file left by a crash may carry another mode: start from a new one.
        temp.unlink(missing_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(msgspec.json.encode(self))
        temp.replace(path)

    @classmethod
    def read(cls, path: Path) -> RuntimeInfo | None:
        """The file's content, or None when absent or unreadable."""
        try:
            return msgspec.json.decode(path.read_bytes(), type=cls)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError):
            return None


def lock_held(lock: Path) -> bool:
    """True while some process holds this lock file (a daemon holds daemon.lock)."""
    if not lock.exists():
        return False
    probe = filelock.FileLock(lock, mode=0o600, blocking=False)
    try:
        probe.acquire()
    except filelock.Timeout:
        return True
    probe.release()
    return False
