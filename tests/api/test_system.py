"""Status and the OpenAPI schema."""

from __future__ import annotations

import os

from daemon.config import Settings
from tests.support.app import Client


async def test_status_reports_the_catalog(client: Client, settings: Settings) -> None:
    body = (await client.get("/api/status")).json()
    assert body["mode"] == "local"
    assert body["pid"] == os.getpid()
    assert body["data_dir"] == str(settings.data_dir)
    assert body["database_size_bytes"] > 1_000_000
    assert body["photo_count"] == 0


async def test_openapi_documents_the_api(client: Client) -> None:
    schema = (await client.get("/api/schema/openapi.json")).json()
    paths = schema["paths"]
    for path in (
        "/health",
        "/api/settings",
        "/api/photographers",
        "/api/photographers/{photographer_id}",
        "/api/categories",
        "/api/categories/{category_id}",
        "/api/status",
    ):
        assert path in paths, path
    assert "Photographer" in str(schema["components"]["schemas"])
