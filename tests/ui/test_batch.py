"""A batch over a range of photos the page never loaded: shift-click, then a tag."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.benchmarks.catalog import fill
from tests.support.daemon_process import DaemonProcess
from tests.sync.flows import catalog_dsn
from tests.ui.browser import UiDaemon, hothashes_in_view, run_async, tile, wait_for_tiles

pytestmark = [pytest.mark.browser, pytest.mark.process]

PHOTOS = 3000


@pytest.fixture(scope="module")
def big_catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiDaemon]:
    """A daemon whose catalog holds a few thousand photos, too many to load at once."""
    process = DaemonProcess(Path(tmp_path_factory.mktemp("big")) / "data").start()
    try:
        process.wait_healthy()
        run_async(fill(catalog_dsn(process), PHOTOS))
        yield UiDaemon(process)
    finally:
        process.kill_all()


def test_shift_click_selects_rows_not_loaded_and_tags_exactly_them(
    page: Page, big_catalog: UiDaemon
) -> None:
    status, order = big_catalog.process.request("GET", "/api/photos/hothashes?limit=10000")
    assert status == 200
    big_catalog.sign_in(page)
    wait_for_tiles(page)
    first = hothashes_in_view(page)[2]
    tile(page, first).click()

    # Far down the timeline: the rows between were never in the page.
    loaded_before = page.locator("[data-hothash]").count()
    assert loaded_before < PHOTOS // 4
    page.get_by_role("listbox", name="Photos").evaluate("grid => { grid.scrollTop = 1e9; }")
    page.wait_for_timeout(300)
    wait_for_tiles(page)
    last = hothashes_in_view(page)[-5]
    tile(page, last).click(modifiers=["Shift"])
    start, end = order.index(first), order.index(last)
    expected = order[start : end + 1]
    assert len(expected) > PHOTOS // 2
    selection = page.get_by_role("region", name="Selection")
    expect(selection).to_contain_text(f"{len(expected):,} selected")

    selection.get_by_label("Tag", exact=True).fill("range")
    with page.expect_response(lambda r: "/batch/tags/add" in r.url) as answered:
        selection.get_by_role("button", name="Add tag").click()
    assert answered.value.ok
    status, tagged = big_catalog.process.request(
        "GET", "/api/photos/hothashes?tags=range&limit=10000"
    )
    assert status == 200
    assert sorted(tagged) == sorted(expected)
