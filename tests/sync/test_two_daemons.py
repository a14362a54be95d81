"""The two-daemon fixtures themselves: a central on TCP PostgreSQL and a local beside it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from protocol.sync import TOKEN_PREFIX
from tests.support.daemon_process import DaemonProcess
from tests.support.sync import MachineToken, MakeLocal

pytestmark = pytest.mark.process


def test_a_central_and_a_local_run_side_by_side(
    central: DaemonProcess,
    central_database_url: str,
    make_local: MakeLocal,
    machine_token: MachineToken,
) -> None:
    url = urlsplit(central_database_url)
    assert (url.hostname, url.username) == ("127.0.0.1", "postgres")
    assert url.password
    local = make_local("laptop")
    assert local.url != central.url
    status, health = central.request("GET", "/health")
    assert status == 200
    assert health["mode"] == "central"
    assert local.request("GET", "/health")[1]["mode"] == "local"
    token = machine_token(central, "laptop")
    assert token.startswith(TOKEN_PREFIX)
    status, photos = central.request("GET", "/api/photos")
    assert (status, photos) == (200, [])
