"""The library in a real browser: filters, stacks, the scrubber, keys, the loupe, text."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from tests.ui.browser import (
    TILES,
    Console,
    UiDaemon,
    api,
    dismiss_dialogs,
    hothashes_in_view,
    screenshot,
    tile,
    wait_for_tiles,
)

pytestmark = [pytest.mark.browser, pytest.mark.process]

HOSTILE_TAG = "<img src=x onerror=alert(1)>"


def listed(ui: UiDaemon, **query: Any) -> list[str]:
    """The hothashes the API lists for these filters, in the library's order."""
    return list(api(ui, "GET", "/api/photos/hothashes?" + urlencode(query, doseq=True)))


def open_library(page: Page, ui: UiDaemon, query: str = "") -> None:
    """Sign in, then show the library (with these filters)."""
    ui.sign_in(page)
    if query:
        page.goto(f"{ui.url}/?{query}")
    wait_for_tiles(page)


def test_tag_and_date_filters_show_what_the_api_counts(page: Page, ui_daemon: UiDaemon) -> None:
    chosen = listed(ui_daemon)[5:9]
    api(ui_daemon, "POST", "/api/photos/batch/tags/add", {"hothashes": chosen, "tags": ["harbour"]})
    open_library(page, ui_daemon, "tag=harbour")
    expect(page.locator(TILES)).to_have_count(len(chosen))
    assert sorted(hothashes_in_view(page)) == sorted(chosen)

    dated = listed(ui_daemon, taken_after="2008-01-01T00:00:00", taken_before="2009-01-01T00:00:00")
    assert dated, "the corpus has photos of 2008"
    page.goto(f"{ui_daemon.url}/?from=2008-01-01&to=2008-12-31")
    wait_for_tiles(page)
    expect(page.locator(TILES)).to_have_count(len(dated))
    assert sorted(hothashes_in_view(page)) == sorted(dated)


def test_a_stack_is_one_tile_with_its_count(page: Page, ui_daemon: UiDaemon) -> None:
    members = listed(ui_daemon)[10:13]
    stack = api(ui_daemon, "POST", "/api/stacks", {"hothashes": members})
    try:
        open_library(page, ui_daemon)
        shown = set(page.eval_on_selector_all(TILES, "tiles => tiles.map(t => t.dataset.hothash)"))
        assert len(shown & set(members)) == 1, "only the cover of the stack is a tile"
        (cover,) = shown & set(members)
        expect(tile(page, cover).locator(".stack-badge")).to_have_text("3")
    finally:
        api(ui_daemon, "DELETE", f"/api/stacks/{stack['id']}")


def test_the_scrubber_lands_on_the_chosen_month(page: Page, ui_daemon: UiDaemon) -> None:
    open_library(page, ui_daemon)
    month = page.locator('[data-month="2008-10"]')
    month.click()
    page.wait_for_timeout(300)
    wait_for_tiles(page)
    first = hothashes_in_view(page)[0]
    photo = api(ui_daemon, "GET", f"/api/photos/{first}")
    assert photo["taken_at"].startswith("2008-10"), photo["taken_at"]


def test_keys_rate_clear_and_trash(page: Page, ui_daemon: UiDaemon) -> None:
    target = listed(ui_daemon)[20]
    open_library(page, ui_daemon)
    tile(page, target).scroll_into_view_if_needed()
    tile(page, target).click()
    expect(tile(page, target)).to_have_attribute("aria-selected", "true")

    with page.expect_response(lambda r: r.request.method in ("PATCH", "POST")) as answered:
        page.keyboard.press("3")
    assert answered.value.ok
    expect(tile(page, target)).to_have_attribute("data-rating", "3")
    assert api(ui_daemon, "GET", f"/api/photos/{target}")["rating"] == 3
    page.reload()
    wait_for_tiles(page)
    tile(page, target).scroll_into_view_if_needed()
    expect(tile(page, target)).to_have_attribute("data-rating", "3")

    tile(page, target).click()
    with page.expect_response(lambda r: r.request.method in ("PATCH", "POST")):
        page.keyboard.press("0")
    expect(tile(page, target)).to_have_attribute("data-rating", "")
    assert api(ui_daemon, "GET", f"/api/photos/{target}")["rating"] is None

    with page.expect_response(lambda r: r.request.method == "POST"):
        page.keyboard.press("Delete")
    expect(tile(page, target)).to_have_count(0)
    assert api(ui_daemon, "GET", f"/api/photos/{target}")["deleted_at"] is not None

    page.goto(f"{ui_daemon.url}/?trash=1")
    wait_for_tiles(page)
    tile(page, target).click()
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.get_by_role("button", name="Restore").click()
    assert api(ui_daemon, "GET", f"/api/photos/{target}")["deleted_at"] is None


def test_the_loupe_shows_the_coldpreview_exif_and_turns_at_once(
    page: Page, ui_daemon: UiDaemon
) -> None:
    detailed = [api(ui_daemon, "GET", f"/api/photos/{h}") for h in listed(ui_daemon)[:15]]
    photo = next(p for p in detailed if p["camera_make"] and p["coldpreview_path"])
    open_library(page, ui_daemon)
    tile(page, photo["hothash"]).scroll_into_view_if_needed()
    tile(page, photo["hothash"]).click()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{ui_daemon.url}/photo/{photo['hothash']}")
    picture = page.locator(f'img[src*="{photo["hothash"]}/coldpreview"], img.loupe-image').first
    picture.wait_for()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
    )
    size = picture.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    info = page.get_by_role("complementary", name="Photo information")
    expect(info).to_contain_text(photo["camera_make"].strip())
    screenshot(page, "loupe")

    try:
        page.get_by_role("button", name="Rotate right").first.click()
        page.wait_for_function(
            "([img, w, h]) => img.complete && img.naturalWidth === h && img.naturalHeight === w",
            arg=[picture.element_handle(), size[0], size[1]],
            timeout=10_000,
        )
        assert api(ui_daemon, "GET", f"/api/photos/{photo['hothash']}/correction")["rotation"] == 90
    finally:
        ui_daemon.process.request("DELETE", f"/api/photos/{photo['hothash']}/correction")


def first_tiles_become(page: Page, expected: list[str]) -> None:
    """Until the library's first tiles, in reading order, are these."""
    deadline = time.monotonic() + 15
    while (shown := hothashes_in_view(page)[: len(expected)]) != expected:
        assert time.monotonic() < deadline, f"the library shows {shown}, not {expected}"
        page.wait_for_timeout(100)


def test_the_default_order_setting_orders_the_library(page: Page, ui_daemon: UiDaemon) -> None:
    newest = listed(ui_daemon, sort="taken_at_desc")[:4]
    oldest = listed(ui_daemon, sort="taken_at_asc")[:4]
    registered = listed(ui_daemon, sort="registered_at_desc")[:4]
    assert len({*map(tuple, (newest, oldest, registered))}) == 3, "three orders to tell apart"
    nav = page.get_by_role("navigation", name="Main")
    try:
        open_library(page, ui_daemon)
        first_tiles_become(page, newest)
        nav.get_by_role("link", name="Settings").click()
        page.get_by_label("Default order").select_option("taken_at_asc")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Saved 1 setting.")).to_be_visible()
        nav.get_by_role("link", name="Library").click()
        first_tiles_become(page, oldest)
        expect(page.get_by_label("Sort")).to_have_value("taken_at_asc")
        assert page.url == f"{ui_daemon.url}/", "the default order needs no query"

        # Changed from elsewhere: the page opens in the order it remembered, then in
        # the catalog's once the daemon has said what that is.
        api(ui_daemon, "PATCH", "/api/settings", {"default_sort": "registered_at_desc"})
        page.reload()
        first_tiles_become(page, registered)
        expect(page.get_by_label("Sort")).to_have_value("registered_at_desc")
        # A chosen order stays chosen, whatever the default.
        page.get_by_label("Sort").select_option("taken_at_desc")
        first_tiles_become(page, newest)
        assert page.url == f"{ui_daemon.url}/?sort=taken_at_desc"
    finally:
        api(ui_daemon, "PATCH", "/api/settings", {"default_sort": "taken_at_desc"})


def test_an_unknown_photo_shows_not_found(page: Page, ui_daemon: UiDaemon) -> None:
    ui_daemon.sign_in(page)
    for wrong in ("f" * 64, "not-a-hothash"):
        page.goto(f"{ui_daemon.url}/photo/{wrong}")
        expect(page.get_by_role("heading", name="No such photo")).to_be_visible()


def test_catalog_text_renders_as_text(page: Page, ui_daemon: UiDaemon) -> None:
    target = listed(ui_daemon)[30]
    api(
        ui_daemon,
        "POST",
        "/api/photos/batch/tags/add",
        {"hothashes": [target], "tags": [HOSTILE_TAG]},
    )
    dialogs = dismiss_dialogs(page)
    ui_daemon.sign_in(page)
    page.goto(f"{ui_daemon.url}/photo/{target}")
    expect(page.get_by_text(HOSTILE_TAG).first).to_be_visible()
    page.goto(f"{ui_daemon.url}/?{urlencode({'tag': HOSTILE_TAG})}")
    wait_for_tiles(page)
    expect(page.get_by_text(HOSTILE_TAG).first).to_be_visible()
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []


@pytest.mark.parametrize("path", ["/", "/photo/" + "0" * 64])
def test_signed_out_pages_say_how_to_sign_in(
    page: Page, ui_daemon: UiDaemon, console: Console, path: str
) -> None:
    page.goto(ui_daemon.url + path)
    expect(page.get_by_text("hotprevue open")).to_be_visible()
    console.expect(r"status of 401 .*/api/photos\)$")  # the refusal asked for below
    status = page.evaluate("fetch('/api/photos').then(r => r.status)")
    assert status == 401
