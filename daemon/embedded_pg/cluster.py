"""The cluster on disk: made once by initdb, given its per-start settings, and how a
client connects to it."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

import platformdirs

from daemon.embedded_pg import binaries
from daemon.embedded_pg.binaries import EmbeddedPostgresError
from daemon.embedded_pg.ownership import hand_over
from daemon.embedded_pg.processes import PostmasterPid

log = logging.getLogger(__name__)

SUPERUSER = "postgres"
_SOCKET_NAME = ".s.PGSQL.5432"
_MAX_SOCKET_PATH = 100  # sun_path is 104-108 bytes depending on the OS
_CONF_NAME = "hotprevue.conf"
_PASSWORD_FILE = "hotprevue.password"  # noqa: S105 - a file name, not a secret


def ensure_initialized(pgdata: Path, *, tcp: bool, run_as: str | None) -> None:
    """Create the cluster unless it exists; refuse a folder that holds something else."""
    if (pgdata / "PG_VERSION").exists():
        if tcp and not (pgdata / _PASSWORD_FILE).exists():
            raise EmbeddedPostgresError(
                f"{pgdata} was made for a socket and trusts every connection; "
                "it cannot be served over TCP"
            )
        return
    if pgdata.exists() and any(pgdata.iterdir()):
        raise EmbeddedPostgresError(
            f"{pgdata} is not empty but holds no PostgreSQL cluster; "
            "move it away so a fresh catalog database can be created"
        )
    # initdb into a sibling folder and rename it into place: a crash midway leaves
    # a half-made folder that the next start deletes, never a broken pgdata.
    staging = pgdata.with_name(pgdata.name + ".initdb")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True, mode=0o700)
    hand_over(pgdata, staging, run_as)
    args = ["--encoding=UTF8", "--locale=C", f"--username={SUPERUSER}", "-D", str(staging)]
    password_file: Path | None = None
    if tcp:
        # TCP on loopback is reachable by every local user: require a password.
        password_file = staging.parent / (pgdata.name + ".pw.tmp")
        password_file.unlink(missing_ok=True)
        fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(_new_password())
        # initdb may run as the PostgreSQL user, which must read the file.
        hand_over(pgdata, password_file, run_as)
        args += ["--auth=scram-sha-256", f"--pwfile={password_file}"]
    else:
        # The socket lives in a folder only this user can enter.
        args += ["--auth=trust"]
    log.info("creating the catalog database cluster in %s", pgdata)
    try:
        binaries.run("initdb", args, timeout=300, run_as=run_as)
        if password_file is not None:
            shutil.move(password_file, staging / _PASSWORD_FILE)
    finally:
        if password_file is not None:
            password_file.unlink(missing_ok=True)
    with (staging / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write(f"\ninclude_if_exists = '{_CONF_NAME}'\n")
    if pgdata.exists():
        pgdata.rmdir()
    staging.rename(pgdata)


def write_conf(pgdata: Path, *, tcp: bool, run_as: str | None) -> None:
    """Write the settings that depend on this start (socket folder, port)."""
    lines = ["# Written by Hotprevue at every start; edits are lost."]
    if tcp:
        lines += [
            "listen_addresses = '127.0.0.1'",
            f"port = {_free_port()}",
            # No socket in a shared folder such as /tmp: TCP is the only way in.
            "unix_socket_directories = ''",
        ]
    else:
        socket_dir = _socket_dir(pgdata, run_as)
        escaped = str(socket_dir).replace("'", "''")
        lines += [
            "listen_addresses = ''",
            f"unix_socket_directories = '{escaped}'",
            "unix_socket_permissions = 0700",
        ]
    conf = pgdata / _CONF_NAME
    conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Rewriting keeps an existing file's mode; an older version left it world-readable.
    conf.chmod(0o600)
    hand_over(pgdata, conf, run_as)


def dsn(pgdata: Path, info: PostmasterPid, *, tcp: bool) -> str:
    """Connection URL of the maintenance database of the server `info` describes."""
    port = info.port or 5432
    if tcp:
        password = (pgdata / _PASSWORD_FILE).read_text(encoding="utf-8").strip()
        return f"postgresql://{SUPERUSER}:{quote(password, safe='')}@127.0.0.1:{port}/postgres"
    socket_dir = info.socket_dir or str(pgdata)
    return f"postgresql://{SUPERUSER}@/postgres?host={quote(socket_dir)}&port={port}"


def _socket_dir(pgdata: Path, run_as: str | None) -> Path:
    if len(str(pgdata / _SOCKET_NAME)) <= _MAX_SOCKET_PATH:
        return pgdata
    # A deep data folder makes the socket path too long for the OS: use a short,
    # private runtime folder named after the cluster instead.
    digest = hashlib.sha256(str(pgdata).encode()).hexdigest()[:12]
    runtime = Path(platformdirs.user_runtime_dir("hotprevue", appauthor=False))
    candidates = [runtime / digest, Path(tempfile.gettempdir()) / f"hotprevue-{digest}"]
    for folder in candidates:
        if len(str(folder / _SOCKET_NAME)) <= _MAX_SOCKET_PATH:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            folder.chmod(0o700)
            hand_over(pgdata, folder, run_as)
            return folder
    raise EmbeddedPostgresError(f"no folder short enough for PostgreSQL's socket: {runtime}")


def _new_password() -> str:
    import secrets

    return secrets.token_urlsafe(32)


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
