"""HOTPREVUE_API_KEY: a key given by the operator (a container's secret) instead of the file."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from daemon.app import create_app
from daemon.config import load_settings
from tests.support.daemon_process import DaemonProcess, clean_env, cli


async def test_the_daemon_takes_the_key_from_the_environment(
    tmp_path: Path, database_url: str
) -> None:
    key = secrets.token_hex(32)
    settings = load_settings(
        central=True,
        data_dir=tmp_path / "central",
        env={"DATABASE_URL": database_url, "HOTPREVUE_API_KEY": key},
    )
    async with AsyncTestClient(app=create_app(settings), base_url="http://photos.example") as c:
        assert (await c.get("/api/settings")).status_code == 401
        assert (await c.get("/api/settings", headers={"X-API-Key": "x" * 64})).status_code == 401
        assert (await c.get("/api/settings", headers={"X-API-Key": key})).status_code == 200
    assert not settings.paths.api_key.exists(), "a key file beside the given key"


@pytest.mark.process
def test_the_cli_finds_the_key_the_daemon_was_given(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    key = secrets.token_hex(32)
    data_dir = tmp_path / "data"
    daemon = DaemonProcess(data_dir, env=clean_env(HOTPREVUE_API_KEY=key)).start()
    daemons.append(daemon)
    daemon.wait_healthy()
    said = cli("status", "--data-dir", str(data_dir), env=clean_env(HOTPREVUE_API_KEY=key))
    assert said.returncode == 0, said.stderr + said.stdout
    assert "running" in said.stdout
    assert not daemon.paths.api_key.exists()
    # Another key in the CLI's environment is turned away by the daemon.
    wrong = cli("status", "--data-dir", str(data_dir), env=clean_env(HOTPREVUE_API_KEY="y" * 64))
    assert wrong.returncode == 1, wrong.stdout
    assert "not answering" in wrong.stdout
