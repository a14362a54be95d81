"""A timeline far taller than browsers allow: the grid scales its scroll to fit."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.ui.browser import VIEWPORT, Console, UiDaemon

pytestmark = [pytest.mark.browser, pytest.mark.process]

# Chromium stops growing an element near 16.7M px; the grid stays under 15M / DPR.
MAX_SCROLL = 15_000_000
PHOTOS_PER_DAY = 400
DAYS = 2500  # a million photos


def huge_buckets(route: Route) -> None:
    """A million photos' day counts, in place of the real catalog's."""
    first = date(2024, 12, 31)
    buckets = [
        {"key": (first - timedelta(days=n)).isoformat(), "count": PHOTOS_PER_DAY}
        for n in range(DAYS)
    ]
    body = {"total": DAYS * PHOTOS_PER_DAY, "buckets": buckets}
    route.fulfill(status=200, content_type="application/json", body=json.dumps(body))


@pytest.mark.parametrize("scale", [1, 2])
def test_a_million_photos_fit_the_browsers_scroll_at_any_pixel_ratio(
    chromium_browser: Browser, ui_daemon: UiDaemon, console: Console, scale: int
) -> None:
    context = chromium_browser.new_context(viewport=VIEWPORT, device_scale_factor=scale)
    try:
        page = context.new_page()
        console.watch(page)
        ui_daemon.sign_in(page)
        page.route("**/api/photos/buckets?*", huge_buckets)
        page.reload()
        expect(page.get_by_text("Tuesday 31 December 2024")).to_be_visible()
        grid = page.get_by_role("listbox", name="Photos")
        height = grid.evaluate("grid => grid.scrollHeight")
        assert 1_000_000 < height <= MAX_SCROLL / scale
        # The very last photo is reachable: its tile (a placeholder here) is in the page.
        grid.evaluate("grid => { grid.scrollTop = grid.scrollHeight; }")
        last = page.locator(f'[aria-posinset="{DAYS * PHOTOS_PER_DAY}"]')
        expect(last).to_be_visible()
    finally:
        context.close()
