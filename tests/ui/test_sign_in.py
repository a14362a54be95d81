"""Browser sessions: one-use login links, the two halves, what the cookie alone opens."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from daemon.app import create_app
from daemon.config import Settings, load_settings
from daemon.security import API_KEY_HEADER
from tests.support.app import LOCAL_BASE_URL, Client
from tests.ui.sessions import Browser, login_link_token, sign_in

COOKIE = "hotprevue_session_8000"
COLDPREVIEW = "/api/photos/" + "a" * 64 + "/coldpreview"


@pytest.fixture
def api_key(anon_client: Client, settings: Settings) -> str:
    """The installation's key, which the tray and the CLI send (the page never does)."""
    return settings.client_api_key()


@pytest.fixture
async def browser(anon_client: Client, api_key: str) -> Browser:
    """A browser signed in through a login link."""
    return await sign_in(anon_client, {"link_token": await login_link_token(anon_client, api_key)})


async def test_a_login_link_signs_in_once_and_sets_a_strict_http_only_cookie(
    anon_client: Client, api_key: str
) -> None:
    token = await login_link_token(anon_client, api_key)
    response = await anon_client.post(
        "/api/ui/sessions", json={"link_token": token}, headers={"Origin": LOCAL_BASE_URL}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["mode"] == "local"
    assert body["read_only"] is False
    assert len(body["token"]) >= 43
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    assert body["token"] not in cookie

    again = await anon_client.post(
        "/api/ui/sessions", json={"link_token": token}, headers={"Origin": LOCAL_BASE_URL}
    )
    assert again.status_code == 401
    assert "hotprevue open" in again.json()["detail"]
    assert "set-cookie" not in again.headers


async def test_unknown_and_expired_links_are_refused(
    tmp_path: Path, database_url: str, anon_client: Client
) -> None:
    unknown = await anon_client.post(
        "/api/ui/sessions", json={"link_token": "x" * 43}, headers={"Origin": LOCAL_BASE_URL}
    )
    assert unknown.status_code == 401
    settings = load_settings(
        data_dir=tmp_path / "short",
        env={"DATABASE_URL": database_url, "HOTPREVUE_LOGIN_LINK_SECONDS": "1"},
    )
    async with AsyncTestClient(app=create_app(settings), base_url=LOCAL_BASE_URL) as client:
        token = await login_link_token(client, settings.client_api_key())
        await asyncio.sleep(1.2)
        expired = await client.post(
            "/api/ui/sessions", json={"link_token": token}, headers={"Origin": LOCAL_BASE_URL}
        )
        assert expired.status_code == 401
        assert "set-cookie" not in expired.headers


@pytest.mark.parametrize(
    ("headers", "content"),
    [
        ({"Origin": "http://127.0.0.1:9999"}, None),
        ({"Origin": "http://localhost:8000"}, None),
        ({"Origin": "null"}, None),
        ({}, None),
        ({"Origin": LOCAL_BASE_URL, "Content-Type": "text/plain"}, "text/plain"),
    ],
)
async def test_sign_in_takes_json_from_the_daemons_own_origin_only(
    anon_client: Client, api_key: str, headers: dict[str, str], content: str | None
) -> None:
    token = await login_link_token(anon_client, api_key)
    body = f'{{"link_token": "{token}"}}'
    response = await anon_client.post(
        "/api/ui/sessions",
        content=body,
        headers={"Content-Type": "application/json", **headers},
    )
    assert response.status_code == (415 if content else 403), response.text
    assert "set-cookie" not in response.headers
    # Nothing was used up: the same link still signs in from the right origin.
    await sign_in(anon_client, {"link_token": token})


async def test_json_calls_need_both_halves(browser: Browser) -> None:
    client = browser.client
    ok = await client.get("/api/photos", headers=browser.json_headers())
    assert ok.status_code == 200, ok.text
    cookie_only = await client.get("/api/photos")
    assert cookie_only.status_code == 403
    wrong = await client.get("/api/photos", headers={"Authorization": "Bearer " + "x" * 43})
    assert wrong.status_code == 401
    jar = dict(client.cookies)
    client.cookies.clear()
    token_only = await client.get("/api/photos", headers=browser.json_headers())
    assert token_only.status_code == 401
    client.cookies.update(jar)
    write = await client.post(
        "/api/collections", json={"name": "forged"}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert write.status_code == 403
    listed = await client.get("/api/collections", headers=browser.json_headers())
    assert listed.json() == []


@pytest.mark.parametrize(
    ("site", "status"),
    [(None, 404), ("same-origin", 404), ("none", 404), ("same-site", 403), ("cross-site", 403)],
)
async def test_the_cookie_alone_fetches_images_only_from_this_origin(
    browser: Browser, site: str | None, status: int
) -> None:
    headers = {} if site is None else {"Sec-Fetch-Site": site}
    # 404: let in, and told the photo does not exist; 403: never got that far.
    response = await browser.client.get(COLDPREVIEW, headers=headers)
    assert response.status_code == status, response.text
    head = await browser.client.post(COLDPREVIEW.replace("coldpreview", "delete"))
    assert head.status_code == 403


async def test_browser_sessions_may_not_stop_the_daemon_or_mint_links(browser: Browser) -> None:
    for path in ("/api/shutdown", "/api/ui/login-links"):
        response = await browser.client.post(path, headers=browser.json_headers())
        assert response.status_code == 403, (path, response.text)
    still = await browser.client.get("/api/ui/session", headers=browser.json_headers())
    assert still.status_code == 200


async def test_the_session_says_who_it_talks_to_and_ends_at_sign_out(
    browser: Browser, api_key: str
) -> None:
    info = await browser.client.get("/api/ui/session", headers=browser.json_headers())
    assert info.status_code == 200
    body = info.json()
    assert body["mode"] == "local"
    assert body["read_only"] is False
    assert body["version"]
    assert "instance_name" in body
    assert body["default_sort"] == "taken_at_desc"
    out = await browser.client.delete("/api/ui/session", headers=browser.json_headers())
    assert out.status_code == 204
    assert f"{COOKIE}=" in out.headers["set-cookie"]
    after = await browser.client.get("/api/photos", headers=browser.json_headers())
    assert after.status_code == 401
    assert "hotprevue open" in after.json()["detail"]
    # The API key is no browser session: it has no session to show.
    with_key = await browser.client.get("/api/ui/session", headers={API_KEY_HEADER: api_key})
    assert with_key.status_code == 404


async def test_a_session_outlives_the_app_that_made_it(
    settings: Settings, browser: Browser
) -> None:
    cookies = dict(browser.client.cookies)
    async with AsyncTestClient(app=create_app(settings), base_url=LOCAL_BASE_URL) as restarted:
        restarted.cookies.update(cookies)
        response = await restarted.get("/api/photos", headers=browser.json_headers())
        assert response.status_code == 200, response.text


async def test_without_a_session_the_api_says_how_to_sign_in(anon_client: Client) -> None:
    response = await anon_client.get("/api/photos")
    assert response.status_code == 401
    assert "X-API-Key" in response.json()["detail"]
    assert "hotprevue open" in response.json()["detail"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Cookie": f"{COOKIE}=" + "\u00ff" * 10},
        {"Cookie": f"{COOKIE}=" + "x" * 8000},
        {"Cookie": f'{COOKIE}="unterminated; other=1'},
        {"Cookie": f"{COOKIE}=a", "Authorization": "Bearer"},
        {"Cookie": f"{COOKIE}=a", "Authorization": "Basic dXNlcjpwYXNz"},
        {"Cookie": f"{COOKIE}=a", "Authorization": "Bearer " + "\u00e9" * 50},
    ],
)
async def test_hostile_session_headers_are_refused_cleanly(
    anon_client: Client, headers: dict[str, str]
) -> None:
    # Raw bytes, as a hostile client sends them: UTF-8 where HTTP expects Latin-1.
    encoded = {k.encode(): v.encode() for k, v in headers.items()}
    response = await anon_client.get("/api/photos", headers=encoded)
    assert response.status_code in (401, 403), response.text


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"[]",
        b'{"link_token": 5}',
        b'{"link_token": "' + b"a" * 300 + b'"}',
        b'{"link_token": "x", "extra": 1}',
        b'{"link_token": "x", "password": "y"}',
        b"[" * 10000,
        b'{"link_token": "\xff\xfe"}',
    ],
)
async def test_broken_sign_in_bodies_are_refused_without_a_cookie(
    anon_client: Client, body: bytes
) -> None:
    response = await anon_client.post(
        "/api/ui/sessions",
        content=body,
        headers={"Origin": LOCAL_BASE_URL, "Content-Type": "application/json"},
    )
    assert response.status_code in (401, 422), response.text
    assert "set-cookie" not in response.headers


async def test_use_is_noted_and_a_session_unused_for_30_days_is_over(
    browser: Browser, pool: asyncpg.Pool
) -> None:
    await pool.execute("UPDATE ui_sessions SET last_used_at = now() - interval '2 minutes'")
    used = await browser.client.get("/api/photos", headers=browser.json_headers())
    assert used.status_code == 200
    age = await pool.fetchval("SELECT now() - last_used_at FROM ui_sessions")
    assert age.total_seconds() < 60, "the use was noted"

    await pool.execute("UPDATE ui_sessions SET last_used_at = now() - interval '30 days 1 second'")
    over = await browser.client.get("/api/photos", headers=browser.json_headers())
    assert over.status_code == 401
