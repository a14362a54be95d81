"""Events and collections in a real browser: reordering by drag and by keys, the export,
an event made, filled, given a cover and deleted, and catalog text shown as text."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.ui.browser import (
    UiDaemon,
    api,
    dismiss_dialogs,
    hothashes_in_view,
    screenshot,
    tile,
    wait_for_tiles,
)

pytestmark = [pytest.mark.browser, pytest.mark.process]

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_CAPTION = "<script>alert('caption')</script>"
ITEMS = '[role="list"][aria-label="Items"] [data-item-id]'
ALL_DECODED = """() => {
    const images = [...document.querySelectorAll('img')];
    return images.length > 0 && images.every((img) => img.complete && img.naturalWidth > 0);
}"""


def photos(ui: UiDaemon, count: int, skip: int = 0) -> list[str]:
    """Hothashes of the library, in its order."""
    hashes: list[str] = api(ui, "GET", f"/api/photos/hothashes?limit={skip + count}")
    return hashes[skip : skip + count]


def shown_order(page: Page) -> list[str]:
    """The item ids of the strip, in the order shown."""
    ids: list[str] = page.eval_on_selector_all(ITEMS, "items => items.map(i => i.dataset.itemId)")
    return ids


def api_order(ui: UiDaemon, collection_id: str) -> list[str]:
    """The item ids in the daemon's order."""
    return [i["id"] for i in api(ui, "GET", f"/api/collections/{collection_id}/items")]


def open_collection(page: Page, ui: UiDaemon, collection_id: str, count: int) -> None:
    """Show a collection and wait for its tiles' pictures."""
    page.goto(f"{ui.url}/collections/{collection_id}")
    expect(page.locator(ITEMS)).to_have_count(count)
    page.wait_for_function(
        f"""() => [...document.querySelectorAll('{ITEMS} img')]
            .every((img) => img.complete && img.naturalWidth > 0)"""
    )


def centre(locator: Locator) -> tuple[float, float]:
    """The middle of an element on screen."""
    box = locator.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_collection_reorders_by_drag_and_keys_and_exports_in_that_order(
    page: Page, ui_daemon: UiDaemon, chromium_browser: Browser, tmp_path: Path
) -> None:
    chosen = photos(ui_daemon, 7)
    collection = api(ui_daemon, "POST", "/api/collections", {"name": "Reorder me"})
    cid = collection["id"]
    api(ui_daemon, "POST", f"/api/collections/{cid}/items/batch", {"hothashes": chosen})
    ids = api_order(ui_daemon, cid)
    ui_daemon.sign_in(page)
    open_collection(page, ui_daemon, cid, len(ids))
    strip = page.get_by_role("list", name="Items")
    assert shown_order(page) == ids
    assert strip.locator(f'[data-item-hothash="{chosen[0]}"]').count() == 1

    # Item 1 dragged past item 5, in small steps as a hand would.
    first = strip.locator(f'[data-item-id="{ids[0]}"]')
    fifth = strip.locator(f'[data-item-id="{ids[4]}"]')
    start_x, start_y = centre(first)
    page.mouse.move(start_x, start_y)
    page.mouse.down()
    end_x, end_y = centre(fifth)
    end_x += 30
    steps = 24
    for n in range(1, steps + 1):
        page.mouse.move(
            start_x + (end_x - start_x) * n / steps, start_y + (end_y - start_y) * n / steps
        )
        page.wait_for_timeout(25)
    page.wait_for_timeout(300)
    screenshot(page, "collection_reorder")
    with page.expect_response(lambda r: r.url.endswith("/items/move")) as moved:
        page.mouse.up()
    assert moved.value.ok
    dragged = [*ids[1:5], ids[0], *ids[5:]]
    assert shown_order(page) == dragged
    assert api_order(ui_daemon, cid) == dragged

    # Alt+→ on another item: one place later, and it keeps the focus.
    stepper = strip.locator(f'[data-item-id="{ids[5]}"]')
    stepper.focus()
    with page.expect_response(lambda r: r.url.endswith("/items/move")) as moved:
        page.keyboard.press("Alt+ArrowRight")
    assert moved.value.ok
    stepped = [*ids[1:5], ids[0], ids[6], ids[5]]
    assert shown_order(page) == stepped
    assert page.evaluate("document.activeElement.dataset.itemId") == ids[5]
    assert api_order(ui_daemon, cid) == stepped

    page.reload()
    expect(page.locator(ITEMS)).to_have_count(len(ids))
    assert shown_order(page) == stepped

    # The export: the photos in that order, and a page that shows them without a network.
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Export").click()
    archive_path = tmp_path / "export.zip"
    downloading.value.save_as(archive_path)
    folder = tmp_path / "export"
    with zipfile.ZipFile(archive_path) as archive:
        archive.extractall(folder)
        names = sorted(n for n in archive.namelist() if n.startswith("photos/"))
    by_id = {i["id"]: i["hothash"] for i in api(ui_daemon, "GET", f"/api/collections/{cid}/items")}
    assert [re.sub(r"^photos/\d+-|\.jpg$", "", n) for n in names] == [by_id[i] for i in stepped]

    offline = chromium_browser.new_context(offline=True)
    try:
        shown = offline.new_page()
        shown.goto((folder / "index.html").as_uri())
        shown.wait_for_function(ALL_DECODED, timeout=10_000)
        assert shown.locator("img").count() == len(ids)
    finally:
        offline.close()


def test_an_event_is_made_filled_given_a_cover_and_deleted_keeping_its_photos(
    page: Page, ui_daemon: UiDaemon
) -> None:
    parent = api(ui_daemon, "POST", "/api/events", {"name": "Road trip", "date": "2021-08-01"})
    ui_daemon.sign_in(page)
    wait_for_tiles(page)
    chosen = hothashes_in_view(page)[3:6]
    for n, hothash in enumerate(chosen):
        tile(page, hothash).click(modifiers=["Control"] if n else None)
    expect(page.get_by_role("region", name="Selection")).to_contain_text("3 selected")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Events").click()
    tree = page.get_by_role("tree", name="Events")
    parent_row = tree.locator(f'[data-event-id="{parent["id"]}"]')
    expect(parent_row).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="3 photos selected")).to_be_visible()
    parent_row.get_by_role("button", name="Actions for Road trip").click()
    page.get_by_role("menuitem", name="New sub-event…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Day one")
    dialog.get_by_label("Place").fill("Trondheim")
    with page.expect_response(
        lambda r: r.url.endswith("/api/events") and r.request.method == "POST"
    ) as made:
        dialog.get_by_role("button", name="Create").click()
    child = made.value.json()
    assert child["parent_id"] == parent["id"]
    row = tree.locator(f'[data-event-id="{child["id"]}"]')
    expect(row).to_have_attribute("aria-level", "2")
    expect(row).to_be_focused()

    with page.expect_response(lambda r: r.url.endswith("/api/photos/batch/event")) as added:
        row.get_by_role("button", name="Add the selection").click()
    assert added.value.ok
    expect(row).to_contain_text("3 photos")
    assert api(ui_daemon, "GET", f"/api/events/{child['id']}")["photo_count"] == 3

    row.get_by_role("button", name="Actions for Day one").click()
    page.get_by_role("menuitem", name="Choose cover…").click()
    cover = chosen[1]
    with page.expect_response(lambda r: r.request.method == "PATCH") as patched:
        page.locator(f'[data-choice-hothash="{cover}"]').click()
    assert patched.value.ok
    assert api(ui_daemon, "GET", f"/api/events/{child['id']}")["cover_hothash"] == cover
    expect(row.locator(".event-cover img")).to_have_count(1)

    row.get_by_role("button", name="Actions for Day one").click()
    page.get_by_role("menuitem", name="Delete…").click()
    asking = page.get_by_role("dialog")
    expect(asking).to_contain_text("The photos stay in your library")
    with page.expect_response(lambda r: r.request.method == "DELETE") as deleted:
        asking.get_by_role("button", name="Delete event").click()
    assert deleted.value.ok
    expect(row).to_have_count(0)
    assert ui_daemon.process.request("GET", f"/api/events/{child['id']}")[0] == 404
    for hothash in chosen:
        photo = api(ui_daemon, "GET", f"/api/photos/{hothash}")
        assert photo["event_id"] is None
        assert photo["deleted_at"] is None


def test_collection_names_and_captions_render_as_text(page: Page, ui_daemon: UiDaemon) -> None:
    collection = api(ui_daemon, "POST", "/api/collections", {"name": HOSTILE_NAME})
    cid = collection["id"]
    (hothash,) = photos(ui_daemon, 1, skip=50)
    api(
        ui_daemon,
        "POST",
        f"/api/collections/{cid}/items",
        {"hothash": hothash, "caption": HOSTILE_CAPTION},
    )
    dialogs = dismiss_dialogs(page)
    ui_daemon.sign_in(page)
    page.goto(f"{ui_daemon.url}/collections")
    expect(page.get_by_text(HOSTILE_NAME).first).to_be_visible()
    open_collection(page, ui_daemon, cid, 1)
    expect(page.get_by_role("heading", name=HOSTILE_NAME)).to_be_visible()
    expect(page.get_by_text(HOSTILE_CAPTION)).to_be_visible()
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []


def test_two_tabs_reordering_one_collection_end_on_the_later_order(
    page: Page, ui_daemon: UiDaemon
) -> None:
    chosen = photos(ui_daemon, 4, skip=10)
    cid = api(ui_daemon, "POST", "/api/collections", {"name": "Two tabs"})["id"]
    api(ui_daemon, "POST", f"/api/collections/{cid}/items/batch", {"hothashes": chosen})
    ids = api_order(ui_daemon, cid)
    ui_daemon.sign_in(page)
    other = page.context.new_page()
    try:
        open_collection(page, ui_daemon, cid, len(ids))
        open_collection(other, ui_daemon, cid, len(ids))
        strip = page.get_by_role("list", name="Items")

        # This tab moves the first item one place on; the other tab, not touched (no
        # focus, no new count), shows the new order from its poll.
        strip.locator(f'[data-item-id="{ids[0]}"]').focus()
        with page.expect_response(lambda r: r.url.endswith("/items/move")):
            page.keyboard.press("Alt+ArrowRight")
        moved = [ids[1], ids[0], *ids[2:]]
        other.wait_for_function(
            f"""(want) => [...document.querySelectorAll('{ITEMS}')]
                .map((i) => i.dataset.itemId).join() === want.join()""",
            arg=moved,
            timeout=15_000,
        )

        # The other tab's later move wins whole, and this tab follows it.
        other_strip = other.get_by_role("list", name="Items")
        other_strip.locator(f'[data-item-id="{ids[3]}"]').focus()
        with other.expect_response(lambda r: r.url.endswith("/items/move")):
            other.keyboard.press("Alt+ArrowLeft")
        later = [ids[1], ids[0], ids[3], ids[2]]
        assert api_order(ui_daemon, cid) == later
        page.wait_for_function(
            f"""(want) => [...document.querySelectorAll('{ITEMS}')]
                .map((i) => i.dataset.itemId).join() === want.join()""",
            arg=later,
            timeout=15_000,
        )
        assert shown_order(page) == later
        assert sorted(shown_order(other)) == sorted(ids)
    finally:
        other.close()
