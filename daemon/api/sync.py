"""`/api/sync` (local mode): targets to push to, pushes and their progress, status."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from daemon.runtime import Runtime
from daemon.services import sync as service
from protocol.sync_targets import SyncRun, SyncRunCreate, SyncStatus, SyncTarget, SyncTargetCreate


class SyncController(Controller):
    """This machine's central servers and the pushes to them."""

    path = "/api/sync"
    tags = ["sync"]  # noqa: RUF012

    @get("/targets")
    async def list_sync_targets(self, runtime: NamedDependency[Runtime]) -> list[SyncTarget]:
        """Every sync target, by name (tokens are never shown)."""
        return await service.list_targets(runtime.pool)

    @post("/targets")
    async def create_sync_target(
        self, runtime: NamedDependency[Runtime], data: JSONBody[SyncTargetCreate]
    ) -> SyncTarget:
        """Add a central server (422 for plain http to a public address or a CA file that
        does not load, 409 for a name or URL already used)."""
        return await service.add_target(runtime.pool, data)

    @get("/targets/{target_id:uuid}")
    async def get_sync_target(
        self, runtime: NamedDependency[Runtime], target_id: FromPath[uuid.UUID]
    ) -> SyncTarget:
        """One sync target."""
        return await service.get_target(runtime.pool, target_id)

    @delete("/targets/{target_id:uuid}")
    async def delete_sync_target(
        self, runtime: NamedDependency[Runtime], target_id: FromPath[uuid.UUID]
    ) -> None:
        """Forget a target (409 while a sync to it runs); what it received stays there."""
        await service.remove_target(runtime.pool, runtime.sync_runs, target_id)

    @post("/runs")
    async def start_sync_run(
        self, runtime: NamedDependency[Runtime], data: JSONBody[SyncRunCreate]
    ) -> SyncRun:
        """Push to a target now, in the background (409 while one runs to it)."""
        return await service.start_run(runtime.pool, runtime.sync_runs, data)

    @get("/runs/{run_id:uuid}")
    async def get_sync_run(
        self, runtime: NamedDependency[Runtime], run_id: FromPath[uuid.UUID]
    ) -> SyncRun:
        """A push's progress (kept until the daemon stops)."""
        return service.get_run(runtime.sync_runs, run_id)

    @post("/runs/{run_id:uuid}/cancel", status_code=200)
    async def cancel_sync_run(
        self, runtime: NamedDependency[Runtime], run_id: FromPath[uuid.UUID]
    ) -> SyncRun:
        """Stop a push after its current request; what central acknowledged stays."""
        return service.cancel_run(runtime.sync_runs, run_id)

    @get("/status")
    async def sync_status(self, runtime: NamedDependency[Runtime]) -> SyncStatus:
        """Each target's pending changes and running push (cheap: a tray may poll it)."""
        return await service.status(runtime.pool, runtime.sync_runs)
