"""One typed Settings for the daemon: defaults, then environment, then command-line flags."""

from __future__ import annotations

import enum
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from protocol.local import DataPaths, default_data_dir, local_api_key
from protocol.sync import MAX_BATCH_ROWS

DEFAULT_PORT = 8000
LOCAL_HOST = "127.0.0.1"
CENTRAL_HOST = "0.0.0.0"  # noqa: S104 - central mode serves other machines on purpose
DEFAULT_DECODE_MEMORY_MB = 1536
MIN_DECODE_MEMORY_MB = 384
MIN_API_KEY_LENGTH = 32
# Printable ASCII without spaces: the key travels in an HTTP header.
_API_KEY = re.compile(r"[!-~]+")


class Mode(enum.StrEnum):
    """Where the catalog lives: this machine's embedded database, or a central server."""

    LOCAL = "local"
    CENTRAL = "central"


class ConfigError(Exception):
    """The configuration cannot work; the message tells the user what to change."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The daemon's whole configuration, resolved once at start."""

    mode: Mode
    data_dir: Path
    host: str
    port: int
    database_url: str | None
    coldpreview_dir: Path
    log_level: str = "INFO"
    # Crash recovery of a large catalog can take minutes; never give up after seconds.
    pg_start_timeout: float = 600.0
    max_body_bytes: int = 1_000_000
    # An upload session with no call for this many seconds ends `interrupted`.
    upload_idle_timeout: float = 1800.0
    # Memory the daemon and its decoding workers may use together (PostgreSQL aside).
    decode_memory_mb: int = DEFAULT_DECODE_MEMORY_MB
    # Rows a push sends per batch (fewer make more, smaller acknowledgements).
    sync_batch_rows: int = MAX_BATCH_ROWS
    # Proxies whose X-Forwarded-Proto/-For uvicorn believes (comma-separated, or "*").
    trusted_proxies: str = "127.0.0.1"
    # How long a web UI login link (`hotprevue open`) works, in seconds.
    login_link_seconds: float = 60.0
    # Tests only (HOTPREVUE_TEST_COMMIT_DELAY): seconds between writing a batch's
    # coldpreviews and committing its rows, so a test can kill the daemon or its database
    # inside that window.
    test_commit_delay: float = 0.0
    # The API key from HOTPREVUE_API_KEY; None: the data directory's api_key file holds it.
    api_key: str | None = field(default=None, repr=False)
    paths: DataPaths = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "paths", DataPaths(self.data_dir))

    def client_api_key(self) -> str:
        """The key a client on this machine sends: the same the daemon took
        (HOTPREVUE_API_KEY when set, else the data directory's api_key file)."""
        return local_api_key(self.paths, self.api_key)

    @property
    def embedded_database(self) -> bool:
        """Local mode runs its own PostgreSQL unless DATABASE_URL points elsewhere."""
        return self.database_url is None

    @property
    def url(self) -> str:
        """The base URL a client on this machine uses to reach the daemon."""
        host = self.host
        if host in ("0.0.0.0", "::"):  # noqa: S104 - a wildcard bind is reached on loopback
            host = LOCAL_HOST
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses, the only binds local mode allows."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def load_settings(
    *,
    central: bool = False,
    data_dir: Path | None = None,
    host: str | None = None,
    port: int | None = None,
    log_level: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings from defaults, the environment and flags (flags win)."""
    env = os.environ if env is None else env
    mode = Mode.CENTRAL if central else Mode.LOCAL

    root = data_dir or _env_path(env, "HOTPREVUE_DATA_DIR") or default_data_dir()
    root = root.expanduser().resolve()

    database_url = env.get("DATABASE_URL") or None
    if mode is Mode.CENTRAL and database_url is None:
        raise ConfigError(
            "central mode needs a PostgreSQL server: set DATABASE_URL, "
            "e.g. DATABASE_URL=postgresql://hotprevue:secret@db.example:5432/hotprevue"
        )

    bind = host or env.get("HOTPREVUE_HOST") or (CENTRAL_HOST if central else LOCAL_HOST)
    if mode is Mode.LOCAL and not is_loopback(bind):
        raise ConfigError(
            f"refusing to listen on {bind}: the local daemon is reachable from this machine only. "
            "Start it with --central to serve other machines."
        )

    port_value = port if port is not None else _env_int(env, "HOTPREVUE_PORT", DEFAULT_PORT)
    # Port 0 asks the OS for a free port; daemon.json then names the one chosen.
    if not 0 <= port_value < 65536:
        raise ConfigError(f"port {port_value} is out of range 0-65535")

    coldpreview_dir = _env_path(env, "COLDPREVIEW_DIR") or DataPaths(root).coldpreviews
    level = (log_level or env.get("HOTPREVUE_LOG_LEVEL") or "INFO").upper()
    return Settings(
        mode=mode,
        data_dir=root,
        host=bind,
        port=port_value,
        database_url=database_url,
        coldpreview_dir=coldpreview_dir.expanduser().resolve(),
        log_level=level,
        pg_start_timeout=float(_env_int(env, "HOTPREVUE_PG_START_TIMEOUT", 600)),
        upload_idle_timeout=_upload_idle_timeout(env),
        decode_memory_mb=_decode_memory_mb(env),
        sync_batch_rows=_sync_batch_rows(env),
        trusted_proxies=env.get("HOTPREVUE_TRUSTED_PROXIES") or "127.0.0.1",
        login_link_seconds=float(_positive_int(env, "HOTPREVUE_LOGIN_LINK_SECONDS", 60)),
        test_commit_delay=_test_commit_delay(env),
        api_key=_api_key(env),
    )


def _api_key(env: Mapping[str, str]) -> str | None:
    # HOTPREVUE_API_KEY: a key chosen by the operator (a container's secret) replaces the
    # generated file; empty counts as unset, so a compose file may pass it through blank.
    key = env.get("HOTPREVUE_API_KEY")
    if not key:
        return None
    if len(key) < MIN_API_KEY_LENGTH or not _API_KEY.fullmatch(key):
        raise ConfigError(
            f"HOTPREVUE_API_KEY must be at least {MIN_API_KEY_LENGTH} printable ASCII "
            "characters without spaces (e.g. the output of `openssl rand -hex 32`)"
        )
    return key


def _upload_idle_timeout(env: Mapping[str, str]) -> float:
    # HOTPREVUE_UPLOAD_IDLE_TIMEOUT: seconds an upload session may go without a call.
    return float(_positive_int(env, "HOTPREVUE_UPLOAD_IDLE_TIMEOUT", 1800))


def _test_commit_delay(env: Mapping[str, str]) -> float:
    seconds = _env_int(env, "HOTPREVUE_TEST_COMMIT_DELAY", 0)
    if seconds < 0:
        raise ConfigError(f"HOTPREVUE_TEST_COMMIT_DELAY must not be negative, not {seconds}")
    return float(seconds)


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = _env_int(env, name, default)
    if value <= 0:
        raise ConfigError(f"{name} must be positive, not {value}")
    return value


def _decode_memory_mb(env: Mapping[str, str]) -> int:
    # HOTPREVUE_DECODE_MEMORY_MB: the daemon, its workers and the images they decode.
    megabytes = _env_int(env, "HOTPREVUE_DECODE_MEMORY_MB", DEFAULT_DECODE_MEMORY_MB)
    if megabytes < MIN_DECODE_MEMORY_MB:
        raise ConfigError(
            f"HOTPREVUE_DECODE_MEMORY_MB must be at least {MIN_DECODE_MEMORY_MB} "
            f"(the daemon, one worker and room for one large photo), not {megabytes}"
        )
    return megabytes


def _sync_batch_rows(env: Mapping[str, str]) -> int:
    # HOTPREVUE_SYNC_BATCH_ROWS: rows per batch a push sends, at most MAX_BATCH_ROWS.
    rows = _env_int(env, "HOTPREVUE_SYNC_BATCH_ROWS", MAX_BATCH_ROWS)
    if not 1 <= rows <= MAX_BATCH_ROWS:
        raise ConfigError(
            f"HOTPREVUE_SYNC_BATCH_ROWS must be between 1 and {MAX_BATCH_ROWS}, not {rows}"
        )
    return rows


def _env_path(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name)
    return Path(value) if value else None


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
