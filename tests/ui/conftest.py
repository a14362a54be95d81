"""Fixtures of the browser tests: one Chromium and one daemon per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.support.daemon_process import DaemonProcess, cli
from tests.support.images import BUNDLED_CORPUS
from tests.ui.browser import VIEWPORT, Console, UiDaemon, chromium, screenshot


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; per module, because Playwright's synchronous API
    keeps an event loop running in this thread, where other tests run theirs."""
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def ui_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiDaemon]:
    """A real daemon with the bundled camera corpus registered."""
    process = DaemonProcess(tmp_path_factory.mktemp("ui") / "data").start()
    try:
        process.wait_healthy()
        registered = cli("register", str(BUNDLED_CORPUS), "--data-dir", str(process.data_dir))
        assert registered.returncode == 0, registered.stdout + registered.stderr
        yield UiDaemon(process)
    finally:
        process.kill_all()


@pytest.fixture
def console() -> Console:
    """The page's console errors; the test fails on any it did not expect."""
    return Console()


@pytest.fixture
def page(
    chromium_browser: Browser, console: Console, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A fresh browser profile (no cookies, no storage) at 1280x900, DPR 1."""
    context = chromium_browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    page = context.new_page()
    console.watch(page)
    try:
        yield page
        screenshot(page, request.node.name)
    finally:
        context.close()
    assert not console.unexpected(), "the page logged errors:\n" + "\n".join(console.unexpected())
