"""A central-mode app over its ASGI interface (its helpers: tests/support/central.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from daemon.config import Settings, load_settings
from daemon.security import API_KEY_HEADER
from tests.support.app import Client, app_client
from tests.support.central import CENTRAL_URL


@pytest.fixture
def central_settings(tmp_path: Path, database_url: str) -> Settings:
    """Central-mode settings on a temporary data dir and the test's database."""
    return load_settings(
        central=True, data_dir=tmp_path / "data", env={"DATABASE_URL": database_url}
    )


@pytest.fixture
async def central(central_settings: Settings) -> AsyncIterator[Client]:
    """The central app, with the installation's API key (as its administrator)."""
    async with app_client(central_settings, CENTRAL_URL) as client:
        key = central_settings.paths.api_key.read_text(encoding="utf-8").strip()
        client.headers[API_KEY_HEADER] = key
        yield client
