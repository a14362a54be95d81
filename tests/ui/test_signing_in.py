"""Signing in with a real browser: one-use links, expiry, sign-out, restarts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.daemon_process import DaemonProcess, clean_env, free_port
from tests.ui.browser import VIEWPORT, Console, UiDaemon, wait_for_tiles

pytestmark = [pytest.mark.browser, pytest.mark.process]

REFUSED = "It was used already, or it expired"


# Per module, like every daemon a page talks to: a module's fixtures outlive a test's, so
# the page is closed before its daemon is killed; killed first, it cut short a response
# the page was still reading.
@pytest.fixture(scope="module")
def short_links(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiDaemon]:
    """A daemon on a fixed port whose login links work for one second."""
    env = clean_env(HOTPREVUE_LOGIN_LINK_SECONDS="1")
    data = tmp_path_factory.mktemp("short_links") / "data"
    process = DaemonProcess(data, "--port", str(free_port()), env=env).start()
    try:
        process.wait_healthy()
        yield UiDaemon(process)
    finally:
        process.kill_all()


def test_a_login_link_works_once(
    page: Page, chromium_browser: Browser, ui_daemon: UiDaemon, console: Console
) -> None:
    link = ui_daemon.login_url()
    page.goto(link)
    page.wait_for_url(f"{ui_daemon.url}/")
    assert "#" not in page.url, "the token leaves the address bar"
    wait_for_tiles(page)

    # The same link in another browser profile: refused, and nothing signed in.
    other = chromium_browser.new_context(viewport=VIEWPORT)
    try:
        second = other.new_page()
        second.goto(link)
        expect(second.get_by_text(REFUSED)).to_be_visible()
        expect(second.get_by_text("hotprevue open")).to_be_visible()
        assert other.cookies() == []
    finally:
        other.close()


def test_an_expired_link_is_refused(page: Page, short_links: UiDaemon, console: Console) -> None:
    link = short_links.login_url()
    page.wait_for_timeout(1300)
    console.expect(r"status of 401 .*/api/ui/sessions")
    page.goto(link)
    expect(page.get_by_text(REFUSED)).to_be_visible()
    assert page.context.cookies() == []


def test_sign_out_ends_the_session_and_a_restart_does_not(
    page: Page, short_links: UiDaemon, console: Console
) -> None:
    short_links.sign_in(page)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    process = short_links.process
    assert process.proc is not None
    console.expect("ERR_CONNECTION_REFUSED")  # the page's polls while the daemon is away
    process.proc.terminate()
    assert process.wait_exit() == 0
    process.start().wait_healthy()
    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    status = page.evaluate(
        """() => fetch('/api/ui/session', {
            headers: {Authorization: 'Bearer ' + localStorage.getItem('hotprevue.token')},
        }).then((r) => r.status)"""
    )
    assert status == 200

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("hotprevue open")).to_be_visible()
    console.expect(r"status of 401")
    assert page.evaluate("fetch('/api/photos').then((r) => r.status)") == 401
