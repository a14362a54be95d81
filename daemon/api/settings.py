"""`/api/settings`."""

from __future__ import annotations

from litestar import Controller, get, patch
from litestar.di import NamedDependency
from litestar.params import JSONBody

from daemon.runtime import Runtime
from daemon.services import settings as service
from protocol.settings import SystemSettings, SystemSettingsPatch


class SettingsController(Controller):
    """The installation's settings (one row, never synced)."""

    path = "/api/settings"
    tags = ["settings"]  # noqa: RUF012

    @get()
    async def get_settings(self, runtime: NamedDependency[Runtime]) -> SystemSettings:
        """The settings."""
        return await service.get(runtime.pool)

    @patch()
    async def update_settings(
        self, runtime: NamedDependency[Runtime], data: JSONBody[SystemSettingsPatch]
    ) -> SystemSettings:
        """Change some settings; installation_id is read-only. The watcher follows a change
        to watching_enabled, watch_quiet_seconds or watch_rescan_minutes at once."""
        return await service.update(runtime.pool, runtime.watcher, data)
