"""`/api/settings`."""

from __future__ import annotations

import pytest

from tests.support.app import Client


async def test_get_shows_defaults(client: Client) -> None:
    body = (await client.get("/api/settings")).json()
    assert body["default_sort"] == "taken_at_desc"
    assert body["coldpreview_max_px"] == 1200
    assert body["coldpreview_quality"] == 85
    assert body["browse_buffer_size"] == 100
    assert body["show_deleted_in_gallery"] is False
    health = (await client.get("/health")).json()
    assert body["installation_id"] == health["installation_id"]


async def test_patch_changes_only_what_is_given(client: Client) -> None:
    before = (await client.get("/api/settings")).json()
    response = await client.patch(
        "/api/settings", json={"instance_name": "Kjell's laptop", "coldpreview_quality": 90}
    )
    assert response.status_code == 200
    after = response.json()
    assert after["instance_name"] == "Kjell's laptop"
    assert after["coldpreview_quality"] == 90
    assert after["owner_name"] == before["owner_name"]
    assert after["installation_id"] == before["installation_id"]
    assert (await client.get("/api/settings")).json() == after


async def test_empty_patch_changes_nothing(client: Client) -> None:
    before = (await client.get("/api/settings")).json()
    response = await client.patch("/api/settings", json={})
    assert response.status_code == 200
    assert response.json() == before


async def test_installation_id_is_read_only(client: Client) -> None:
    before = (await client.get("/api/settings")).json()
    response = await client.patch(
        "/api/settings", json={"installation_id": "00000000-0000-0000-0000-000000000000"}
    )
    assert response.status_code == 422
    assert "installation_id" in response.json()["detail"]
    assert (await client.get("/api/settings")).json() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"default_sort": "name_asc"}, "default_sort"),
        ({"coldpreview_quality": 101}, "coldpreview_quality"),
        ({"coldpreview_max_px": 10}, "coldpreview_max_px"),
        ({"browse_buffer_size": "many"}, "browse_buffer_size"),
        ({"show_deleted_in_gallery": "yes"}, "show_deleted_in_gallery"),
    ],
)
async def test_invalid_values_are_422_naming_the_field(
    client: Client, body: dict[str, object], field: str
) -> None:
    response = await client.patch("/api/settings", json=body)
    assert response.status_code == 422
    assert field in response.json()["detail"]


async def test_broken_json_is_422(client: Client) -> None:
    response = await client.patch(
        "/api/settings", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"]
