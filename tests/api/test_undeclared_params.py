"""A query parameter an endpoint does not declare is a 422 naming it, on every endpoint."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.app import Client
from tests.support.factories import add_photos, listing


@pytest.mark.parametrize(
    ("method", "path", "body", "unknown"),
    [
        ("GET", "/api/photos?tag=beach", None, "tag"),
        ("GET", "/api/photos?tag=", None, "tag"),
        ("GET", "/api/photos?tags=beach&Tags=sea&limit=5", None, "Tags"),
        ("GET", "/api/photos/buckets?offset=100", None, "offset"),
        ("GET", "/api/photos/hothashes?granularity=day&page=2", None, "page"),
        ("GET", f"/api/photos/{'a' * 64}?full=1", None, "full"),
        ("GET", "/api/tags?prefix=be", None, "prefix"),
        ("GET", "/api/cameras?limit=5", None, "limit"),
        ("GET", "/api/settings?verbose", None, "verbose"),
        ("GET", "/api/health?probe=1", None, "probe"),
        ("POST", "/api/photographers?dry_run=1", {"name": "Kjell"}, "dry_run"),
        ("PATCH", "/api/settings?x=1", {"instance_name": "n"}, "x"),
        ("POST", "/api/photos/empty-trash?force=true", None, "force"),
    ],
)
async def test_undeclared_query_parameters_are_422(
    client: Client, method: str, path: str, body: dict[str, Any] | None, unknown: str
) -> None:
    response = await client.request(method, path, json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith(f"unknown query parameter(s): {unknown} "), detail
    assert "(this endpoint takes: " in detail


async def test_nothing_happens_when_a_parameter_is_unknown(client: Client) -> None:
    before = (await client.get("/api/photographers")).json()
    response = await client.post("/api/photographers?name=Kjell", json={"name": "Kjell"})
    assert response.status_code == 422
    assert (await client.get("/api/photographers")).json() == before


async def test_the_detail_lists_what_the_endpoint_takes(client: Client) -> None:
    photos = (await client.get("/api/photos?hothashes=x&zzz=1")).json()["detail"]
    # Its own parameters and those of the filter it shares with buckets and hothashes.
    takes = (
        "bucket, camera, category_id, damaged, deleted, event_id, file_state, granularity, "
        "hothash, in_stream, limit, offset, photographer_id, rated, rating_max, rating_min, "
        "session_id, sort, stacks, tags, taken_after, taken_before"
    )
    assert photos == f"unknown query parameter(s): hothashes, zzz (this endpoint takes: {takes})"
    settings = (await client.get("/api/settings?x=1")).json()["detail"]
    assert settings.endswith("(this endpoint takes: no query parameters)")


async def test_declared_parameters_still_work(client: Client, pool: Any) -> None:
    (h,) = await add_photos(pool, [{"tags": ["beach"]}])
    assert await listing(client, "?tags=beach&limit=5&sort=rating_asc") == [h]
    assert (await client.get("/api/tags?q=be&with_count=true")).status_code == 200
    assert (await client.get("/api/photos/buckets?granularity=month")).status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/schema/openapi.json?x=1", "/api/schema?theme=dark", "/health?probe=1"]
)
async def test_pages_outside_the_api_are_not_checked(client: Client, path: str) -> None:
    assert (await client.get(path)).status_code == 200
