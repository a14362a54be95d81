"""A central server's browsing app: a synced machine's photos, behind a password, read-only;
and the machine's Sync page, which adds the server and pushes to it."""

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
from tests.support.daemon_process import DaemonProcess, clean_env
from tests.sync.flows import add_target, sync_now
from tests.ui.browser import (
    Console,
    UiDaemon,
    hothashes_in_view,
    run_async,
    tile,
    wait_for_tiles,
)

pytestmark = [pytest.mark.browser, pytest.mark.process]

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
def central_server(
    tmp_path_factory: pytest.TempPathFactory, central_url: str
) -> Iterator[DaemonProcess]:
    """The module's central server, running."""
    server = DaemonProcess(
        tmp_path_factory.mktemp("central") / "data",
        "--central",
        "--host",
        "127.0.0.1",
        env=clean_env(DATABASE_URL=central_url),
    )
    try:
        server.start().wait_healthy()
        yield server
    finally:
        server.kill_all()


@pytest.fixture(scope="module")
def machine_token(central_server: DaemonProcess) -> str:
    """The token `hotprevue machines add laptop` prints on central, for the local daemon."""
    status, made = central_server.request("POST", "/api/machines", {"name": "laptop"})
    assert status == 201, made
    return str(made["token"])


@pytest.fixture(scope="module")
def central(central_server: DaemonProcess, machine_token: str, ui_daemon: UiDaemon) -> UiDaemon:
    """A central server the module's local daemon has pushed its catalog to."""
    add_target(ui_daemon.process, central_server, machine_token)
    sync_now(ui_daemon.process)
    return UiDaemon(central_server)


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


def sign_in(page: Page, central: UiDaemon) -> None:
    """Sign in on central with its password, as a family member would."""
    set_password(central)
    page.goto(f"{central.url}/login")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{central.url}/")


def test_the_synced_catalog_shows_and_cannot_be_changed(
    page: Page, central: UiDaemon, ui_daemon: UiDaemon
) -> None:
    sign_in(page, central)
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


def test_the_pages_that_change_a_machine_are_not_on_central(page: Page, central: UiDaemon) -> None:
    sign_in(page, central)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Library")).to_be_visible()
    expect(nav.get_by_role("link", name="Sync")).to_be_visible()
    for name in ("Register", "Watched folders", "Settings"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_have_count(0)
    for path in ("/register", "/watched", "/settings"):
        page.goto(f"{central.url}{path}")
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()


def test_the_sync_page_lists_the_machines_that_push_here(page: Page, central: UiDaemon) -> None:
    status, machines = central.process.request("GET", "/api/machines")
    assert status == 200, machines
    laptop = next(m for m in machines if m["name"] == "laptop")
    assert laptop["last_sync_at"] is not None
    sign_in(page, central)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sync").click()
    page.wait_for_url(f"{central.url}/sync")

    row = page.locator(f'[data-machine-id="{laptop["id"]}"]')
    expect(row).to_contain_text("laptop")
    expect(row).to_contain_text("Last push")
    expect(row).not_to_contain_text("Never")
    # Read-only: the tokens are the server's command line's, and the page says so.
    assert row.get_by_role("button").count() == 0
    assert page.get_by_role("form").count() == 0
    expect(page.get_by_text("hotprevue machines add NAME")).to_be_visible()
    expect(page.get_by_text("hotprevue machines revoke NAME")).to_be_visible()


def test_a_central_added_in_the_form_is_synced_with_live_progress(
    page: Page, central: UiDaemon, machine_token: str, ui_daemon: UiDaemon, console: Console
) -> None:
    console.expect(r"status of 422")
    ui_daemon.sign_in(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sync").click()
    page.wait_for_url(f"{ui_daemon.url}/sync")

    # The module's fixture added this server through the API: it goes, and comes back
    # through the form.
    old = page.locator("[data-target-id]")
    expect(old).to_have_count(1)
    old.get_by_role("button", name="Remove").click()
    ask = page.get_by_role("dialog")
    expect(ask).to_contain_text(
        "Hotprevue stops sending to this server. Nothing is deleted there or here."
    )
    ask.get_by_role("button", name="Remove server").click()
    expect(old).to_have_count(0)

    form = page.get_by_role("form", name="Add a central server")
    # A rule only the daemon knows: no token travels unencrypted to a public address.
    form.get_by_label("Server address").fill("http://8.8.8.8:8000")
    form.get_by_label("Token", exact=True).fill(machine_token)
    form.get_by_role("button", name="Add server").click()
    expect(form.locator("#target-url-error")).to_contain_text("unencrypted")
    expect(form.get_by_label("Server address")).to_be_focused()
    status, body = ui_daemon.process.request("GET", "/api/sync/targets")
    assert status == 200
    assert body == []

    form.get_by_label("Server address").fill(central.url)
    form.get_by_label("Label (optional)").fill("Family server")
    form.get_by_role("button", name="Add server").click()
    row = page.locator("[data-target-id]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Family server")
    pending = row.locator("[data-pending]")
    # A new target: everything is to be sent again.
    expect(pending).not_to_have_attribute("data-pending", "0")

    polls: list[str] = []
    page.on(
        "response",
        lambda r: (
            polls.append(r.url)
            if "/api/sync/runs/" in r.url and r.request.method == "GET"
            else None
        ),
    )
    row.get_by_role("button", name="Sync now").click()
    bar = row.get_by_role("progressbar")
    expect(bar).to_be_visible()
    expect(row.get_by_role("status")).to_have_text("Synced to Family server", timeout=120_000)
    assert polls, "the page did not follow the run"
    expect(bar).to_have_attribute("value", bar.get_attribute("max") or "")
    expect(row).to_contain_text("photos sent")
    expect(pending).to_have_attribute("data-pending", "0")
    expect(pending).to_have_text("Nothing — up to date")
    expect(row).to_contain_text("Succeeded")

    status, body = ui_daemon.process.request("GET", "/api/sync/status")
    assert status == 200, body
    [target] = body["targets"]
    assert target["name"] == "Family server"
    assert target["pending_rows"] == 0
    assert target["last_error"] is None or target["last_success_at"] > target["last_error_at"]
