"""Signing browsers in over the real app's ASGI interface (no browser: its HTTP halves)."""

from __future__ import annotations

from dataclasses import dataclass

from daemon.security import API_KEY_HEADER
from tests.support.app import LOCAL_BASE_URL, Client


@dataclass
class Browser:
    """What a signed-in page holds: the token it sends, and its cookie jar (the client's)."""

    client: Client
    token: str

    def json_headers(self) -> dict[str, str]:
        """The headers the page's JSON calls carry."""
        return {"Authorization": f"Bearer {self.token}"}


async def login_link_token(client: Client, api_key: str) -> str:
    """A fresh one-use login link's token, asked for with the API key (as the tray does)."""
    response = await client.post("/api/ui/login-links", headers={API_KEY_HEADER: api_key})
    assert response.status_code == 201, response.text
    url: str = response.json()["url"]
    assert url.startswith(f"{LOCAL_BASE_URL}/login#")
    return url.partition("#")[2]


async def sign_in(anon: Client, body: dict[str, str], origin: str = LOCAL_BASE_URL) -> Browser:
    """Sign a browser (a client without the API key) in."""
    response = await anon.post("/api/ui/sessions", json=body, headers={"Origin": origin})
    assert response.status_code == 201, response.text
    return Browser(anon, response.json()["token"])
