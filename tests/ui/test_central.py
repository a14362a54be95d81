"""A central server's browsing app: a synced machine's photos, behind a password, read-only."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator

import asyncpg
import pytest
from playwright.sync_api import Page, Request, expect

from daemon.database import with_database
from daemon.embedded_pg import EmbeddedPostgres
from tests.daemon_process import DaemonProcess, clean_env
from tests.sync.flows import add_target, sync_now
from tests.ui.browser import UiDaemon, hothashes_in_view, run_async, tile, wait_for_tiles

PASSWORD = "family photos 2024"


async def _execute(dsn: str, statement: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def central_url(pg_server: EmbeddedPostgres) -> Iterator[str]:
    """An empty database for the module's central server (it migrates it at start)."""
    name = f"central_ui_{uuid.uuid4().hex[:12]}"
    run_async(_execute(pg_server.dsn, f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(pg_server.dsn, name)
    finally:
        run_async(_execute(pg_server.dsn, f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def central(
    tmp_path_factory: pytest.TempPathFactory, central_url: str, ui_daemon: UiDaemon
) -> Iterator[UiDaemon]:
    """A central server the module's local daemon has pushed its catalog to."""
    server = DaemonProcess(
        tmp_path_factory.mktemp("central") / "data",
        "--central",
        "--host",
        "127.0.0.1",
        env=clean_env(DATABASE_URL=central_url),
    )
    try:
        server.start().wait_healthy()
        status, made = server.request("POST", "/api/machines", {"name": "laptop"})
        assert status == 201, made
        add_target(ui_daemon.process, server, made["token"])
        sync_now(ui_daemon.process)
        yield UiDaemon(server)
    finally:
        server.kill_all()


def set_password(central: UiDaemon) -> None:
    """`hotprevue ui-password set` on the server, the password on stdin."""
    result = subprocess.run(
        [sys.executable, "-m", "daemon.cli", "ui-password", "set"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=clean_env(HOTPREVUE_DATA_DIR=str(central.process.data_dir)),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_without_a_password_the_page_says_how_to_set_one(page: Page, central: UiDaemon) -> None:
    central.process.paths.ui_password.unlink(missing_ok=True)
    page.goto(f"{central.url}/login")
    expect(page.locator("html")).to_have_attribute("data-mode", "central")
    expect(page.get_by_text("hotprevue ui-password set")).to_be_visible()


def test_the_synced_catalog_shows_and_cannot_be_changed(
    page: Page, central: UiDaemon, ui_daemon: UiDaemon
) -> None:
    set_password(central)
    page.goto(f"{central.url}/login")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{central.url}/")
    wait_for_tiles(page)
    status, local = ui_daemon.process.request("GET", "/api/photos/hothashes")
    assert status == 200
    seen = hothashes_in_view(page)
    assert seen
    assert set(seen) <= set(local)

    writes: list[str] = []

    def note(request: Request) -> None:
        if request.method not in ("GET", "HEAD"):
            writes.append(f"{request.method} {request.url}")

    page.on("request", note)
    tile(page, seen[0]).click()
    page.keyboard.press("3")
    page.keyboard.press("Delete")
    page.wait_for_timeout(500)
    assert writes == []
    assert tile(page, seen[0]).get_attribute("data-rating") != "3"
    assert page.get_by_role("region", name="Selection").get_by_role("button").count() == 1

    page.keyboard.press("Enter")
    page.wait_for_url(f"{central.url}/photo/{seen[0]}")
    picture = page.locator(f'img[src*="{seen[0]}/coldpreview"]').first
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
    )
    for label in ("Rate 3 stars", "Rotate right", "Move to trash"):
        control = page.get_by_role("button", name=label)
        assert control.count() == 0 or all(c.is_disabled() for c in control.all()), label
    page.keyboard.press("3")
    page.wait_for_timeout(300)
    assert writes == []
