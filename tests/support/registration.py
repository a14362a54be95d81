"""The upload path as a client on another machine drives it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.app import Client


async def upload_session(client: Client) -> str:
    """A new upload session, as a client on another machine opens it; its id."""
    response = await client.post(
        "/api/input-sessions",
        json={"name": "Laptop", "source_path": "C:\\Users\\kjell\\Pictures", "upload": True},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "uploading"
    return str(body["id"])


async def send(client: Client, session_id: str, master: Path, metadata: dict[str, Any]) -> Any:
    """Upload one group (its master file and metadata) to the session; the response."""
    return await client.post(
        f"/api/input-sessions/{session_id}/groups",
        files={"file": (master.name, master.read_bytes(), "application/octet-stream")},
        data={"metadata": json.dumps(metadata)},
    )
