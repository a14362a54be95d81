"""Health, status and shutdown of the daemon itself."""

from __future__ import annotations

import logging
import os

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.status_codes import (
    HTTP_202_ACCEPTED,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from daemon import __version__
from daemon.runtime import Runtime
from daemon.services import system as service
from protocol.base import ErrorBody
from protocol.system import Activity, Health, Status

log = logging.getLogger(__name__)


class SystemController(Controller):
    """Endpoints about the daemon rather than the catalog."""

    tags = ["system"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @get(["/health", "/api/health"], summary="200 while the database answers, else 503")
    async def health(self, runtime: NamedDependency[Runtime]) -> Response[Health | ErrorBody]:
        """Liveness and readiness in one: no API key needed."""
        if not await service.database_answers(runtime.pool):
            return Response(
                ErrorBody(detail="the database is not answering"),
                status_code=HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response(
            Health(
                status="ok",
                mode=runtime.settings.mode.value,
                version=__version__,
                installation_id=runtime.installation_id,
            )
        )

    @get("/api/status", summary="What `hotprevue status` shows")
    async def status(self, runtime: NamedDependency[Runtime]) -> Status:
        """Mode, paths, database size and photo count."""
        size, photos = await service.catalog_figures(runtime.pool)
        settings = runtime.settings
        return Status(
            status="ok",
            mode=settings.mode.value,
            version=__version__,
            installation_id=runtime.installation_id,
            pid=os.getpid(),
            data_dir=str(settings.data_dir),
            coldpreview_dir=str(settings.coldpreview_dir),
            database_size_bytes=size,
            photo_count=photos,
        )

    @post("/api/shutdown", status_code=HTTP_202_ACCEPTED, summary="Stop the daemon cleanly")
    async def shutdown(self, runtime: NamedDependency[Runtime]) -> None:
        """Ask the daemon to stop after this response; running work is stopped in order."""
        runtime.request_shutdown()


class ActivityController(Controller):
    """What the tray polls; local mode only, as the tray runs beside its own daemon."""

    tags = ["system"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @get("/api/activity", summary="What the tray shows: counts, sessions, folders, sync")
    async def activity(self, runtime: NamedDependency[Runtime]) -> Activity:
        """Counts, unfinished sessions, watched folders, sync targets: cheap every second."""
        return await service.activity(
            runtime.pool,
            runtime.settled,
            runtime.input_sessions,
            runtime.watched_folders,
            runtime.sync_runs,
        )
