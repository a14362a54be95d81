"""Browser tests' support: Debian's Chromium through Playwright, and a real daemon to show.

The browser is the system's (`playwright install` is never run): HOTPREVUE_CHROMIUM names
another. Without one the browser tests skip on a developer's machine and fail under CI.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Dialog,
    Error,
    Locator,
    Page,
    ViewportSize,
    sync_playwright,
)

from tests.support import tiers
from tests.support.daemon_process import DaemonProcess, cli

T = TypeVar("T")
DEFAULT_CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts" / "ui"
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
# No sandbox: CI runs as root. No GPU, and no calls home: this machine has no network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """The browser to drive; a missing one skips, or fails under CI."""
    path = os.environ.get("HOTPREVUE_CHROMIUM") or DEFAULT_CHROMIUM
    if shutil.which(path) is None:
        message = f"no Chromium at {path} (apt-get install chromium, or set HOTPREVUE_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium for the whole test session."""
    tiers.require("browser", "drives Chromium")
    path = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Console:
    """What a page logged as an error, or threw: any of it fails the test."""

    errors: list[str] = field(default_factory=list)
    # Errors a test provokes on purpose (a refused request logs one in Chromium).
    expected: list[re.Pattern[str]] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        """Collect the page's console errors and uncaught exceptions."""

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.errors.append(f"{message.text} ({message.location.get('url', '')})")

        def on_error(error: Error) -> None:
            self.errors.append(f"uncaught: {error.message}")

        page.on("console", on_console)
        page.on("pageerror", on_error)

    def expect(self, pattern: str) -> None:
        """Allow console errors matching `pattern` (a request refused on purpose)."""
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        """The errors no test asked for."""
        return [e for e in self.errors if not any(p.search(e) for p in self.expected)]


def screenshot(page: Page, name: str) -> Path:
    """Save what the page shows under .artifacts/ui/, for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path))
    return path


@dataclass
class UiDaemon:
    """A real `hotprevue run`, and how a person would open its UI."""

    process: DaemonProcess

    @property
    def url(self) -> str:
        """The daemon's base URL (http://127.0.0.1:PORT)."""
        return self.process.url

    def login_url(self) -> str:
        """A fresh one-use link, as `hotprevue open --print` prints it."""
        result = cli("open", "--print", "--data-dir", str(self.process.data_dir))
        assert result.returncode == 0, result.stderr
        url = result.stdout.strip()
        assert url.startswith(f"{self.url}/login#"), url
        return url

    def sign_in(self, page: Page) -> None:
        """Open the UI through a login link, as the tray's "Open Hotprevue" does."""
        page.goto(self.login_url())
        page.wait_for_url(f"{self.url}/", timeout=10_000)


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end from a browser test, whose thread Playwright's
    synchronous API already runs an event loop in."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


# Every tile of the grid in the DOM.
TILES = "[data-hothash]"
# The tiles a person sees: those whose centre is not under a toolbar or off screen.
_SEEN = """() => [...document.querySelectorAll('[data-hothash]')]
    .map((tile) => [tile, tile.getBoundingClientRect()])
    .filter(([tile, r]) => {
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return r.width > 0 && hit !== null && tile.contains(hit);
    })
    .sort(([, a], [, b]) => a.top - b.top || a.left - b.left)
    .map(([tile]) => tile)"""
# Whether the screen shows tiles, each with its hotpreview decoded.
VISIBLE_TILES_DECODED = f"""() => {{
    const seen = ({_SEEN})();
    return seen.length > 0 && seen.every((tile) => {{
        const img = tile.querySelector('img');
        return img && img.complete && img.naturalWidth > 0;
    }});
}}"""


def wait_for_tiles(page: Page) -> None:
    """Until the grid's first screen of tiles shows."""
    page.wait_for_function(VISIBLE_TILES_DECODED, timeout=15_000)


def hothashes_in_view(page: Page) -> list[str]:
    """The hothashes of the tiles a person sees, in reading order."""
    found: list[str] = page.evaluate(f"() => ({_SEEN})().map((tile) => tile.dataset.hothash)")
    return found


def tile(page: Page, hothash: str) -> Locator:
    """The tile of one photo."""
    return page.locator(f'[data-hothash="{hothash}"]')


def api(ui: UiDaemon, method: str, path: str, body: Any = None) -> Any:
    """One call with the API key; fails the test on an error."""
    status, answer = ui.process.request(method, path, body)
    assert 200 <= status < 300, (method, path, status, answer)
    return answer


def dismiss_dialogs(page: Page) -> list[str]:
    """Every alert, confirm or prompt the page opens from now on, dismissed; their texts
    (catalog text that ran as script would show up here)."""
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs
