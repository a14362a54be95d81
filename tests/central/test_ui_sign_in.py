"""Central: browsers sign in with the server's password and only look."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from daemon.config import Settings, load_settings
from daemon.errors import TooManyAttempts
from daemon.services.ui_sessions import FailureLimiter, hash_password, password_matches
from tests.support.app import Client
from tests.support.central import CENTRAL_URL
from tests.support.daemon_process import DaemonProcess, clean_env

PASSWORD = "correct horse battery"


def ui_password(
    settings: Settings, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """`hotprevue ui-password …` on the server, reading stdin as a script's pipe would."""
    return subprocess.run(
        [sys.executable, "-m", "daemon.cli", "ui-password", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=clean_env(HOTPREVUE_DATA_DIR=str(settings.data_dir)),
        check=False,
        timeout=60,
    )


async def set_password(settings: Settings, password: str) -> subprocess.CompletedProcess[str]:
    """`hotprevue ui-password set` with the password on stdin."""
    return await asyncio.to_thread(ui_password, settings, "set", stdin=password + "\n")


async def sign_in(central: Client, password: str) -> tuple[int, dict[str, Any], str]:
    response = await central.post(
        "/api/ui/sessions",
        json={"password": password},
        headers={"Origin": CENTRAL_URL, "X-API-Key": ""},
    )
    return response.status_code, response.json(), response.headers.get("set-cookie", "")


async def test_without_a_password_sign_in_says_how_to_set_one(
    central: Client, central_settings: Settings
) -> None:
    central.headers.pop("X-API-Key")
    status, body, cookie = await sign_in(central, PASSWORD)
    assert status == 401
    assert "hotprevue ui-password set" in body["detail"]
    assert not cookie
    signed_out = await central.get("/api/photos")
    assert "hotprevue ui-password set" in signed_out.json()["detail"]


async def test_the_password_signs_in_read_only(central: Client, central_settings: Settings) -> None:
    made = await set_password(central_settings, PASSWORD)
    assert made.returncode == 0, made.stderr
    assert central_settings.paths.ui_password.stat().st_mode & 0o077 == 0
    assert PASSWORD not in central_settings.paths.ui_password.read_text()
    central.headers.pop("X-API-Key")

    status, body, cookie = await sign_in(central, PASSWORD)
    assert status == 201, body
    assert body["mode"] == "central"
    assert body["read_only"] is True
    assert cookie.startswith("hotprevue_session=")
    bearer = {"Authorization": f"Bearer {body['token']}"}

    assert (await central.get("/api/photos", headers=bearer)).status_code == 200
    info = await central.get("/api/ui/session", headers=bearer)
    assert info.json()["read_only"] is True
    # The catalog is a mirror (409); administration is not a browser's (403).
    catalog = await central.post("/api/collections", json={"name": "x"}, headers=bearer)
    assert catalog.status_code == 409
    for method, path in (("PATCH", "/api/settings"), ("POST", "/api/machines")):
        admin = await central.request(method, path, json={}, headers=bearer)
        assert admin.status_code == 403, (path, admin.text)
    assert (await central.get("/api/machines", headers=bearer)).status_code == 200
    out = await central.delete("/api/ui/session", headers=bearer)
    assert out.status_code == 204
    assert (await central.get("/api/photos", headers=bearer)).status_code == 401


async def test_the_sixth_failure_in_a_minute_waits(
    central: Client, central_settings: Settings
) -> None:
    assert (await set_password(central_settings, PASSWORD)).returncode == 0
    central.headers.pop("X-API-Key")
    for _ in range(5):
        status, body, _cookie = await sign_in(central, "wrong password")
        assert status == 401, body
    response = await central.post(
        "/api/ui/sessions", json={"password": PASSWORD}, headers={"Origin": CENTRAL_URL}
    )
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert "set-cookie" not in response.headers


async def test_clearing_the_password_turns_sign_in_off(
    central: Client, central_settings: Settings
) -> None:
    assert (await set_password(central_settings, PASSWORD)).returncode == 0
    cleared = await asyncio.to_thread(ui_password, central_settings, "clear")
    assert cleared.returncode == 0, cleared.stderr
    central.headers.pop("X-API-Key")
    status, body, _cookie = await sign_in(central, PASSWORD)
    assert status == 401
    assert "ui-password set" in body["detail"]


def test_a_short_password_is_refused(central_settings: Settings) -> None:
    result = ui_password(central_settings, "set", stdin="short\n")
    assert result.returncode == 2
    assert "at least 8" in result.stderr
    assert not central_settings.paths.ui_password.exists()


def test_password_hashes_check_and_refuse() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("scrypt$")
    assert password_matches(stored, PASSWORD)
    assert not password_matches(stored, PASSWORD + "!")
    assert hash_password(PASSWORD) != stored  # a new salt each time
    for damaged in ("", "scrypt$", "bcrypt$1$2$3$4$5", stored.replace("$", "$x", 1)):
        assert not password_matches(damaged, PASSWORD)


def test_the_limiter_forgets_failures_after_its_window() -> None:
    limiter = FailureLimiter(limit=2, window=0.2)
    limiter.failed()
    limiter.failed()
    with pytest.raises(TooManyAttempts) as refused:
        limiter.check()
    assert 0 < refused.value.retry_after <= 0.2
    time.sleep(0.25)
    limiter.check()


@pytest.mark.process
def test_behind_a_tls_proxy_the_cookie_is_secure(
    tmp_path: Path, database_url: str, daemons: list[DaemonProcess]
) -> None:
    env = clean_env(DATABASE_URL=database_url)
    server = DaemonProcess(tmp_path / "data", "--central", "--host", "127.0.0.1", env=env)
    daemons.append(server)
    server.start().wait_healthy()
    assert ui_password(server_settings(server), "set", stdin=PASSWORD).returncode == 0
    # What Caddy sends on: the browser's Host and Origin, and the scheme it was reached by.
    request = urllib.request.Request(
        server.url + "/api/ui/sessions",
        data=json.dumps({"password": PASSWORD}).encode(),
        headers={
            "Host": "photos.example.com",
            "Origin": "https://photos.example.com",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.9",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("hotprevue_session=")
    assert "Secure" in cookie
    assert "HttpOnly" in cookie


def server_settings(server: DaemonProcess) -> Settings:
    """The settings `hotprevue` commands on the server take for its data directory."""
    return load_settings(central=True, data_dir=server.data_dir, env={"DATABASE_URL": "x"})
