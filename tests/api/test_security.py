"""Local security: API key, loopback Host only, no CORS, bounded bodies."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from daemon.config import Settings
from daemon.security import load_or_create_api_key
from tests.conftest import Client


async def test_health_needs_no_key(anon_client: Client) -> None:
    for path in ("/health", "/api/health"):
        response = await anon_client.get(path)
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok"
        assert body["mode"] == "local"
        assert len(body["installation_id"]) == 36


@pytest.mark.parametrize(
    "path",
    [
        "/api/settings",
        "/api/photographers",
        "/api/categories",
        "/api/status",
        "/api/schema/openapi.json",
    ],
)
async def test_api_needs_the_key(anon_client: Client, path: str) -> None:
    response = await anon_client.get(path)
    assert response.status_code == 401
    assert "X-API-Key" in response.json()["detail"]
    wrong = await anon_client.get(path, headers={"X-API-Key": "not-the-key"})
    assert wrong.status_code == 401


async def test_shutdown_needs_the_key(anon_client: Client) -> None:
    assert (await anon_client.post("/api/shutdown")).status_code == 401


async def test_the_key_opens_the_api(client: Client) -> None:
    assert (await client.get("/api/settings")).status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io:8000", "192.168.1.5:8000", ""]
)
async def test_foreign_host_headers_are_refused(client: Client, host: str) -> None:
    for path in ("/health", "/api/settings"):
        response = await client.get(path, headers={"Host": host})
        assert response.status_code == 403, (path, host)
        assert "localhost" in response.json()["detail"]


@pytest.mark.parametrize(
    "host", ["localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST", "127.0.0.1"]
)
async def test_loopback_host_headers_pass(client: Client, host: str) -> None:
    response = await client.get("/api/settings", headers={"Host": host})
    assert response.status_code == 200


async def test_no_cors_headers(client: Client) -> None:
    response = await client.get("/api/settings", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    preflight = await client.options(
        "/api/settings",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "PATCH"},
    )
    assert "access-control-allow-origin" not in preflight.headers


async def test_oversized_body_is_refused(client: Client, settings: Settings) -> None:
    body = b'{"name": "' + b"x" * (settings.max_body_bytes + 10) + b'"}'
    response = await client.post(
        "/api/photographers", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    listing = (await client.get("/api/photographers")).json()
    assert len(listing) == 2


def test_api_key_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "data" / "api_key"
    first = load_or_create_api_key(path)
    assert len(first) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_api_key(path) == first
    assert load_or_create_api_key(tmp_path / "other" / "api_key") != first


async def test_central_mode_serves_other_hosts_but_still_wants_the_key(
    tmp_path: Path, database_url: str
) -> None:
    from litestar.testing import AsyncTestClient

    from daemon.app import create_app
    from daemon.config import load_settings

    central = load_settings(
        central=True, data_dir=tmp_path / "central", env={"DATABASE_URL": database_url}
    )
    async with AsyncTestClient(app=create_app(central), base_url="http://photos.example") as c:
        assert (await c.get("/health")).json()["mode"] == "central"
        assert (await c.get("/api/settings")).status_code == 401
        key = central.paths.api_key.read_text().strip()
        assert (await c.get("/api/settings", headers={"X-API-Key": key})).status_code == 200


async def test_openapi_declares_the_api_key(client: Client) -> None:
    schema = (await client.get("/api/schema/openapi.json")).json()
    scheme = schema["components"]["securitySchemes"]["apiKey"]
    assert (scheme["type"], scheme["name"], scheme["in"]) == ("apiKey", "X-API-Key", "header")
