"""Catalog rows made through the API, as a user makes them."""

from __future__ import annotations

from typing import Any

from tests.support.app import Client


async def new_collection(client: Client, **body: Any) -> dict[str, Any]:
    """A collection ("Best of" unless the body names it); the API's answer."""
    response = await client.post("/api/collections", json={"name": "Best of", **body})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def new_event(client: Client, **body: Any) -> dict[str, Any]:
    """An event ("Event" unless the body names it); the API's answer."""
    response = await client.post("/api/events", json={"name": "Event", **body})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]
