"""As root: the cluster, and the way to it, handed to the PostgreSQL user."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from daemon.embedded_pg.binaries import POSTGRES_BIN_PATH, identity

log = logging.getLogger(__name__)


def claim_cluster(pgdata: Path, run_as: str | None) -> None:
    """As root, give the PostgreSQL user a cluster that another user owns.

    A catalog restored from a backup or moved from another machine carries other
    ids, and PostgreSQL refuses a data folder that is not its own."""
    user = identity(run_as)
    if not user or pgdata.stat().st_uid == user["user"]:
        return
    log.warning("handing %s over to the user %s", pgdata, run_as)
    for folder, dirs, files in os.walk(pgdata):
        for name in [*dirs, *files]:
            os.lchown(Path(folder) / name, user["user"], user["group"])
    os.chown(pgdata, user["user"], user["group"])


def hand_over(pgdata: Path, path: Path, run_as: str | None) -> None:
    """As root, give a path to the PostgreSQL user and let that user reach it.

    The folder holding the cluster (the data directory) gets the PostgreSQL user's
    group and the group's search bit alone: no other user may enter it, and the
    PostgreSQL user may pass but not list it. A folder above it that the PostgreSQL
    user cannot pass (a home folder, say) gets the search bit for others, which
    lets anyone pass through it but list or read nothing."""
    user = identity(run_as)
    if not user:
        return
    os.chown(path, user["user"], user["group"])
    holder = pgdata.parent
    held = holder.stat()
    # A shared folder such as /tmp is never regrouped; it lets everyone pass anyway.
    if held.st_uid == os.geteuid() and not held.st_mode & (stat.S_ISVTX | stat.S_IWOTH):
        os.chown(holder, -1, user["group"])
        holder.chmod(stat.S_IMODE(held.st_mode) | stat.S_IXGRP)
    for folder in [*pgdata.parents, *path.parents, *POSTGRES_BIN_PATH.parents]:
        if folder in (pgdata, holder) or pgdata in folder.parents:
            continue
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)
