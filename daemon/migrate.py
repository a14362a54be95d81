"""Forward-only schema migrations from migrations/NNNN_name.sql, run at every start."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources

import asyncpg

log = logging.getLogger(__name__)

# Any fixed number: it only has to differ from other advisory locks in the database.
ADVISORY_LOCK_KEY = 0x486F7450  # "HotP"
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
)
"""
APPLIED = "SELECT version, name, checksum FROM schema_migrations ORDER BY version"
RECORD = "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)"


class MigrationError(RuntimeError):
    """The database's schema does not match the migrations this build knows."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One SQL file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """Fingerprint of the file, so an edited, already-applied migration is caught."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available() -> list[Migration]:
    """The migrations shipped with this build, in order."""
    found = []
    for entry in resources.files("migrations").iterdir():
        match = _FILE_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a number: {versions}")
    return found


async def migrate(conn: asyncpg.Connection) -> list[int]:
    """Apply what is missing, each file in its own transaction; return the versions applied."""
    # A session lock, held across the per-file transactions, so that two daemons
    # starting on one database never interleave their migrations.
    await conn.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_KEY)
    try:
        await conn.execute(CREATE_TABLE)
        applied = {row["version"]: row for row in await conn.fetch(APPLIED)}
        known = {m.version: m for m in available()}
        newer = sorted(set(applied) - set(known))
        if newer:
            raise MigrationError(
                f"the database has migrations {newer} that this Hotprevue does not know: "
                "it was used by a newer version; update Hotprevue"
            )
        for version, row in applied.items():
            if row["checksum"] != known[version].checksum:
                raise MigrationError(
                    f"migration {version:04d}_{row['name']} was changed after it was applied"
                )
        done = []
        for migration in known.values():
            if migration.version in applied:
                continue
            log.info("applying migration %04d_%s", migration.version, migration.name)
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(RECORD, migration.version, migration.name, migration.checksum)
            done.append(migration.version)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK_KEY)
