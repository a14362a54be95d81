"""Central's two keys: the API key administers the server (the CLI on it reads it from the
data directory); the browsing key reads what the server mirrors and administers nothing."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from daemon.config import Settings
from daemon.security import API_KEY_HEADER
from protocol.sync import INSTALLATION_SECRET_HEADER, SyncBatch
from tests.support.app import Client
from tests.support.central import RECEIVE, new_machine, photo, photographer, push
from tests.support.daemon_process import DaemonProcess, clean_env, cli

ADMINISTERING = [
    ("POST", "/api/machines", {"name": "intruder"}),
    ("POST", "/api/shutdown", None),
    ("PATCH", "/api/settings", {"instance_name": "Taken"}),
    ("POST", "/api/ui/login-links", None),
]


async def test_the_browsing_key_reads_but_does_not_administer(
    central: Client, central_settings: Settings
) -> None:
    paths = central_settings.paths
    browse_key = paths.browse_key.read_text(encoding="utf-8").strip()
    admin_key = central.headers[API_KEY_HEADER]
    assert len(browse_key) >= 32
    assert browse_key != admin_key
    assert paths.browse_key.stat().st_mode & 0o077 == 0
    laptop = await new_machine(central, "laptop")
    kari = photographer()
    shot = photo(1, kari.id)
    batch = SyncBatch(after=0, upto=1, machine_name="laptop", photographers=[kari], photos=[shot])
    await push(central, laptop, batch)
    token = next(m["id"] for m in (await central.get("/api/machines")).json())

    central.headers[API_KEY_HEADER] = browse_key
    # What the web UI reads on central, the machines on its Sync page included.
    for path in (
        "/api/photos",
        f"/api/photos/{shot.hothash}",
        "/api/events",
        "/api/collections",
        "/api/photographers",
        "/api/settings",
        "/api/status",
        "/api/machines",
    ):
        response = await central.get(path)
        assert response.status_code == 200, (path, response.text)
    for method, path, body in [*ADMINISTERING, ("POST", f"/api/machines/{token}/revoke", None)]:
        response = await central.request(method, path, json=body)
        assert response.status_code == 403, (method, path, response.text)
        detail = response.json()["detail"]
        assert "browsing key" in detail
        assert "'api_key'" in detail
    # The mirror is read-only to every key alike.
    rated = await central.patch(f"/api/photos/{shot.hothash}", json={"rating": 5})
    assert rated.status_code == 409
    assert "read-only mirror" in rated.json()["detail"]
    listed = (await central.get("/api/machines")).json()
    assert [(m["name"], m["revoked_at"]) for m in listed] == [("laptop", None)]
    assert (await central.get("/api/settings")).json()["instance_name"] == ""

    central.headers[API_KEY_HEADER] = browse_key + "x"
    assert (await central.get("/api/photos")).status_code == 401
    # A machine token opens the sync endpoints, and the browsing key does not.
    as_browser = laptop.headers() | {"Authorization": "", API_KEY_HEADER: browse_key}
    response = await central.post(RECEIVE, content=b"{}", headers=as_browser)
    assert response.status_code == 401, response.text

    central.headers[API_KEY_HEADER] = admin_key
    assert (await central.post("/api/machines", json={"name": "desk"})).status_code == 201
    renamed = await central.patch("/api/settings", json={"instance_name": "Home"})
    assert renamed.status_code == 200, renamed.text


async def test_a_local_daemon_has_one_key(client: Client, settings: Settings) -> None:
    assert not settings.paths.browse_key.exists()
    client.headers[API_KEY_HEADER] = "x" * 43
    assert (await client.get("/api/photos")).status_code == 401


def request(server: DaemonProcess, method: str, path: str, key: str, body: Any = None) -> int:
    """One call to the server with the key given; its status."""
    call = urllib.request.Request(
        server.url + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={API_KEY_HEADER: key, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(call, timeout=10) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.process
def test_on_the_server_the_cli_administers_and_the_browsing_key_cannot_stop_it(
    tmp_path: Path, database_url: str, daemons: list[DaemonProcess]
) -> None:
    data = tmp_path / "central"
    before = cli("browse-key", "--data-dir", str(data))
    assert before.returncode == 1
    assert "first start" in before.stderr
    env = clean_env(DATABASE_URL=database_url)
    server = DaemonProcess(data, "--central", "--host", "127.0.0.1", env=env)
    daemons.append(server)
    server.start().wait_healthy()
    on_server = ("--data-dir", str(data))

    shown = cli("browse-key", *on_server)
    assert shown.returncode == 0, shown.stderr
    browse_key = shown.stdout.strip()
    assert browse_key == server.paths.browse_key.read_text().strip()
    assert request(server, "GET", "/api/photos", browse_key) == 200
    for method, path, body in ADMINISTERING:
        assert request(server, method, path, browse_key, body) == 403, path
    assert server.proc is not None
    assert server.proc.poll() is None

    # The administrator hands a machine's installation to a new token from the CLI.
    made = cli("machines", "add", "laptop", *on_server)
    assert made.returncode == 0, made.stderr
    token = made.stdout.splitlines()[1]
    installation = uuid.uuid4()
    pushed = urllib.request.Request(
        server.url + RECEIVE,
        data=b'{"machine_name": "laptop", "after": 0, "upto": 0}',
        headers={
            "Authorization": f"Bearer {token}",
            "X-Hotprevue-Sync": "1",
            "X-Installation-Id": str(installation),
            INSTALLATION_SECRET_HEADER: "lost with the laptop's old disk",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(pushed, timeout=10) as response:
        assert response.status == 200
    assert cli("machines", "revoke", "laptop", *on_server).returncode == 0
    wrong = cli("machines", "add", "laptop", "--installation", "nope", *on_server)
    assert wrong.returncode == 2
    assert "invalid UUID value" in wrong.stderr
    handed = cli("machines", "add", "laptop", "--installation", str(installation), *on_server)
    assert handed.returncode == 0, handed.stderr
    assert f"bound to installation {installation}" in handed.stdout
    again = cli("machines", "add", "laptop 2", "--installation", str(installation), *on_server)
    assert again.returncode == 1
    assert "revoke that one first" in again.stderr

    assert request(server, "POST", "/api/shutdown", server.api_key) == 202
    assert server.wait_exit() == 0
    local = tmp_path / "local"
    (local / "pgdata").mkdir(parents=True)
    refused = cli("browse-key", "--data-dir", str(local))
    assert refused.returncode == 1
    assert "not a central server" in refused.stderr
