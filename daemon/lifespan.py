"""Start-up and shut-down in one place: embedded PostgreSQL → migrations → pool → services."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import asyncpg
from litestar import Litestar

from daemon import database
from daemon.config import Settings
from daemon.embedded_pg import EmbeddedPostgres
from daemon.imaging import coldpreviews
from daemon.registration.budget import MB
from daemon.registration.manager import Registrations
from daemon.registration.orphans import PendingFiles, Sweeper
from daemon.runtime import Runtime
from daemon.services import input_sessions as input_sessions_service
from daemon.services import settings as settings_service
from daemon.services import uploads as uploads_service
from daemon.services.central import Central
from daemon.services.collection_export import CollectionExport
from daemon.services.input_sessions import InputSessions
from daemon.services.photos import Photos
from daemon.services.ui_sessions import UiSessions
from daemon.services.uploads import Uploads
from daemon.services.watched_folders import WatchedFolders
from daemon.supervisor import Supervisor, Worker
from daemon.sync.runs import SyncRuns
from daemon.watching.manager import Watcher

log = logging.getLogger(__name__)

POSTGRES_CHECK_INTERVAL = 2.0
# How often idle upload sessions are looked for: a small share of the timeout.
REAP_SHARE, REAP_MAX_INTERVAL = 0.25, 30.0


@asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    """Bring the daemon up in order and take it down in the reverse order."""
    settings: Settings = app.state.settings
    async with AsyncExitStack() as stack:
        supervisor = Supervisor()
        embedded: EmbeddedPostgres | None = None
        if settings.embedded_database:
            embedded = EmbeddedPostgres(
                settings.paths.pgdata, start_timeout=settings.pg_start_timeout
            )
            # Registered before the start: a start that fails halfway still stops.
            stack.push_async_callback(asyncio.to_thread, embedded.stop)
            admin_dsn = await asyncio.to_thread(embedded.start)
            dsn = await database.ensure_database(admin_dsn)
        else:
            assert settings.database_url is not None
            dsn = settings.database_url
        applied = await database.run_migrations(dsn)
        if applied:
            log.info("database schema now at migration %04d", applied[-1])
        pool = await database.create_pool(dsn)
        stack.push_async_callback(database.close_pool, pool)
        system = await settings_service.bootstrap(pool)
        interrupted = await input_sessions_service.mark_interrupted(pool)
        if interrupted:
            log.warning(
                "%d registration session(s) were cut short by the last stop", len(interrupted)
            )
        settings.coldpreview_dir.mkdir(parents=True, exist_ok=True)
        if leftovers := coldpreviews.clear_incoming(settings.coldpreview_dir):
            log.info("removed %d half-written coldpreview(s) left by a crash", leftovers)
        spools = await asyncio.to_thread(uploads_service.clear_spools, settings.paths.uploads)
        if spools:
            log.info("removed the spooled files of %d cut-short upload session(s)", spools)
        pending = PendingFiles()
        sweeper = Sweeper(pool, settings.coldpreview_dir, pending)
        registrations = Registrations(
            pool,
            pending=pending,
            after_interrupt=sweeper.request,
            memory_budget=settings.decode_memory_mb * MB,
            own_folders=(settings.data_dir, settings.coldpreview_dir),
            commit_delay=settings.test_commit_delay,
        )
        stack.push_async_callback(registrations.stop)
        uploads = Uploads(pool, registrations, settings.coldpreview_dir, settings.paths.uploads)

        stack.push_async_callback(supervisor.stop)
        if embedded is not None:
            supervisor.start("postgres-watch", _postgres_watcher(embedded, pool))
        # In the background: walking a large coldpreview tree takes seconds, and
        # sessions that start meanwhile hold their files (see registration/orphans.py).
        supervisor.start("coldpreview-sweep", sweeper.run)
        sweeper.request()
        supervisor.start("upload-reaper", _upload_reaper(uploads, settings.upload_idle_timeout))
        watcher = Watcher(pool, registrations, settings)
        sync_runs = SyncRuns(
            pool,
            installation_id=system.installation_id,
            coldpreview_root=settings.coldpreview_dir,
            batch_rows=settings.sync_batch_rows,
        )
        stack.push_async_callback(sync_runs.stop)
        supervisor.start("watcher", watcher.run)
        app.state.runtime = Runtime(
            settings=settings,
            pool=pool,
            installation_id=system.installation_id,
            supervisor=supervisor,
            registrations=registrations,
            watcher=watcher,
            sync_runs=sync_runs,
            ui_sessions=UiSessions(pool, settings),
            request_shutdown=app.state.request_shutdown,
            input_sessions=InputSessions(pool, registrations, settings.coldpreview_dir),
            watched_folders=WatchedFolders(pool, watcher, registrations.own_folders),
            uploads=uploads,
            photos=Photos(pool, settings.coldpreview_dir, pending),
            collection_export=CollectionExport(pool, settings.coldpreview_dir),
            central=Central(pool, settings.coldpreview_dir),
        )
        log.info(
            "Hotprevue %s ready in %s mode at %s (data in %s)",
            app.state.version,
            settings.mode.value,
            settings.url,
            settings.data_dir,
        )
        yield
        log.info("shutting down")


def _upload_reaper(uploads: Uploads, idle_seconds: float) -> Worker:
    interval = min(idle_seconds * REAP_SHARE, REAP_MAX_INTERVAL)

    async def run(stop: asyncio.Event) -> None:
        """End upload sessions whose client stopped calling, while the daemon runs."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
                return
            try:
                reaped = await uploads.reap_idle_uploads(idle_seconds)
            except Exception as exc:
                if not database.connection_lost(exc):
                    raise
                continue  # the database is down: the watcher brings it back
            for session_id in reaped:
                log.warning(
                    "upload session %s had no call for %.0f s; marked interrupted",
                    session_id,
                    idle_seconds,
                )

    return run


def _postgres_watcher(embedded: EmbeddedPostgres, pool: asyncpg.Pool) -> Worker:
    async def run(stop: asyncio.Event) -> None:
        """Restart the embedded PostgreSQL if it dies under the running daemon."""
        while True:
            try:
                await asyncio.wait_for(stop.wait(), POSTGRES_CHECK_INTERVAL)
                return
            except TimeoutError:
                pass
            if embedded.is_running():
                continue
            log.error("the embedded PostgreSQL stopped unexpectedly; restarting it")
            await asyncio.to_thread(embedded.start)
            await pool.expire_connections()
            log.info("embedded PostgreSQL is back")

    return run
