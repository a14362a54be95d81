"""Stacks in the library grid (made, opened in place, changed, dissolved) and the
duplicates page, in a real browser against a real daemon."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.support.daemon_process import cli
from tests.support.images import BUNDLED_CORPUS
from tests.ui.browser import TILES, UiDaemon, api, screenshot, tile, wait_for_tiles

pytestmark = [pytest.mark.browser, pytest.mark.process]

COPIED = ["Canon_40D.jpg", "Nikon_D70.jpg", "Pentax_K10D.jpg"]


def listed(ui: UiDaemon, **query: Any) -> list[str]:
    """The hothashes the API lists for these filters, in the library's order."""
    return list(api(ui, "GET", "/api/photos/hothashes?" + urlencode(query, doseq=True)))


def position(page: Page, hothash: str) -> int:
    """A tile's place in the grid's list (aria-posinset, from 1)."""
    return int(tile(page, hothash).get_attribute("aria-posinset") or 0)


def stack_actions(page: Page) -> Locator:
    """The selection bar's actions for one photo of a stack."""
    return page.get_by_role("region", name="Selection").get_by_role("group", name="Stack")


def test_a_stack_is_made_opened_in_place_changed_and_dissolved(
    page: Page, ui_daemon: UiDaemon
) -> None:
    chosen = listed(ui_daemon, stacks="collapsed")[3:6]
    ui_daemon.sign_in(page)
    wait_for_tiles(page)

    # Made from the selection: one tile with the count is left of the three.
    tile(page, chosen[0]).click()
    for hothash in chosen[1:]:
        tile(page, hothash).click(modifiers=["Control"])
    selection = page.get_by_role("region", name="Selection")
    expect(selection).to_contain_text("3 selected")
    with page.expect_response(lambda r: r.url.endswith("/api/stacks")) as made:
        selection.get_by_role("button", name="Stack", exact=True).click()
    stack = made.value.json()
    cover = stack["cover_hothash"]
    others = [p["hothash"] for p in stack["photos"] if p["hothash"] != cover]
    expect(tile(page, cover).locator(".stack-badge")).to_have_text("3")
    expect(tile(page, cover)).to_have_attribute("data-stack", "closed")
    for hothash in others:
        expect(tile(page, hothash)).to_have_count(0)

    # Opened in place: the others follow the cover, banded, in the stack's order.
    tile(page, cover).locator(".stack-badge").click()
    for hothash in others:
        expect(tile(page, hothash)).to_have_attribute("data-stack", "member")
    expect(tile(page, cover)).to_have_attribute("data-stack", "open")
    at = position(page, cover)
    assert [position(page, h) for h in others] == [at + 1, at + 2]
    screenshot(page, "stack-open")

    # A new cover: it heads the open stack, and the closed stack shows it.
    new_cover, old_cover = others[0], cover
    tile(page, new_cover).click()
    screenshot(page, "stack-actions")
    with page.expect_response(lambda r: r.url.endswith("/cover")) as answered:
        stack_actions(page).get_by_role("button", name="Make cover").click()
    assert answered.value.ok
    assert api(ui_daemon, "GET", f"/api/stacks/{stack['id']}")["cover_hothash"] == new_cover
    expect(tile(page, new_cover)).to_have_attribute("data-stack", "open")
    expect(tile(page, old_cover)).to_have_attribute("data-stack", "member")
    expect(stack_actions(page)).to_contain_text("Cover")
    tile(page, new_cover).focus()
    page.keyboard.press("s")
    expect(tile(page, old_cover)).to_have_count(0)
    expect(tile(page, new_cover).locator(".stack-badge")).to_have_text("3")
    page.keyboard.press("s")
    expect(tile(page, old_cover)).to_have_attribute("data-stack", "member")

    # The loupe steps through the open stack as the grid shows it, and offers its actions.
    tile(page, old_cover).click()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/photo/{old_cover}")
    loupe_stack = page.get_by_role("complementary", name="Photo information").get_by_role(
        "group", name="Stack"
    )
    expect(loupe_stack.get_by_role("button", name="Make cover")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(f"**/photo/{new_cover}")
    expect(loupe_stack).to_contain_text("Cover")
    screenshot(page, "stack-loupe")
    page.keyboard.press("Escape")
    wait_for_tiles(page)
    expect(tile(page, old_cover)).to_have_attribute("data-stack", "member")

    # One taken out: it shows on its own, the stack holds two.
    tile(page, old_cover).click()
    with page.expect_response(lambda r: r.request.method == "DELETE") as answered:
        stack_actions(page).get_by_role("button", name="Remove from stack").click()
    assert answered.value.ok
    left = api(ui_daemon, "GET", f"/api/stacks/{stack['id']}")
    assert sorted(p["hothash"] for p in left["photos"]) == sorted([new_cover, others[1]])
    assert api(ui_daemon, "GET", f"/api/photos/{old_cover}")["stack_id"] is None
    expect(tile(page, old_cover)).to_have_attribute("data-stack", "")
    expect(tile(page, new_cover).locator(".stack-badge")).to_have_text("2")
    expect(tile(page, others[1])).to_have_attribute("data-stack", "member")

    # Dissolved, after one question: every photo on its own, none gone.
    tile(page, new_cover).click()
    stack_actions(page).get_by_role("button", name="Unstack").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("The photos stay in your library")
    with page.expect_response(lambda r: r.request.method == "DELETE") as answered:
        dialog.get_by_role("button", name="Unstack").click()
    assert answered.value.ok
    status, _ = ui_daemon.process.request("GET", f"/api/stacks/{stack['id']}")
    assert status == 404
    for hothash in chosen:
        expect(tile(page, hothash)).to_have_attribute("data-stack", "")
        expect(tile(page, hothash).locator(".stack-badge")).to_be_hidden()
    assert page.locator(TILES).count() >= len(chosen)


def test_duplicates_show_beside_the_kept_paths_and_are_forgotten_alone(
    page: Page, ui_daemon: UiDaemon, tmp_path: Path
) -> None:
    folder = tmp_path / "copies"
    (folder / "again").mkdir(parents=True)
    for name in COPIED:
        shutil.copy(BUNDLED_CORPUS / "jpg" / name, folder / name)
    # One picture twice more: both copies show with it, once.
    shutil.copy(BUNDLED_CORPUS / "jpg" / COPIED[0], folder / "again" / COPIED[0])
    data_dir = str(ui_daemon.process.data_dir)
    registered = cli("register", str(folder), "--data-dir", data_dir)
    assert registered.returncode == 0, registered.stdout + registered.stderr
    found = [
        d
        for d in api(ui_daemon, "GET", "/api/duplicates?limit=1000")
        if folder in Path(d["file_path"]).parents
    ]
    assert sorted(Path(d["file_path"]).name for d in found) == sorted([*COPIED, COPIED[0]])

    ui_daemon.sign_in(page)
    page.goto(f"{ui_daemon.url}/duplicates")
    for duplicate in found:
        row = page.locator(f'[data-duplicate-id="{duplicate["id"]}"]')
        expect(row).to_contain_text(duplicate["file_path"])
        kept = page.locator(f'[data-kept-hothash="{duplicate["hothash"]}"]')
        expect(kept).to_have_count(1)
        expect(kept.locator("img")).to_be_visible()
        group = page.locator(".duplicate-group", has=kept)
        expect(group.locator("[data-duplicate-id]")).to_have_count(
            sum(d["hothash"] == duplicate["hothash"] for d in found)
        )
        for file in api(ui_daemon, "GET", f"/api/photos/{duplicate['hothash']}/files"):
            expect(group).to_contain_text(file["file_path"])

    # The copies' session alone.
    session = found[0]["session_id"]
    page.get_by_label("Session").select_option(session)
    page.wait_for_url(f"**/duplicates?session={session}")
    expect(page.locator("[data-duplicate-id]")).to_have_count(len(found))
    expect(page.locator("[data-kept-hothash]")).to_have_count(len(COPIED))
    screenshot(page, "duplicates")

    target = found[0]
    row = page.locator(f'[data-duplicate-id="{target["id"]}"]')
    forget = row.get_by_role("button", name="Forget this path")
    expect(forget).to_have_attribute("title", re.compile("The photo and the file on disk stay"))
    with page.expect_response(lambda r: r.request.method == "DELETE") as answered:
        forget.click()
    assert answered.value.ok
    expect(row).to_have_count(0)
    expect(page.locator("[data-duplicate-id]")).to_have_count(len(found) - 1)
    left = api(ui_daemon, "GET", f"/api/duplicates?session_id={session}")
    assert target["id"] not in {d["id"] for d in left}
    assert api(ui_daemon, "GET", f"/api/photos/{target['hothash']}")["deleted_at"] is None
    assert Path(target["file_path"]).is_file()

    # A session that found none says so.
    sessions = api(ui_daemon, "GET", "/api/input-sessions")
    clean = next(s for s in sessions if s["duplicate_count"] == 0)
    page.get_by_label("Session").select_option(clean["id"])
    expect(page.get_by_role("heading", name="No duplicates")).to_be_visible()


def test_emptying_the_trash_asks_once_and_leaves_the_files(page: Page, ui_daemon: UiDaemon) -> None:
    target = listed(ui_daemon)[-1]
    files = api(ui_daemon, "GET", f"/api/photos/{target}/files")
    api(ui_daemon, "POST", "/api/photos/batch/delete", {"hothashes": [target]})
    ui_daemon.sign_in(page)
    page.goto(f"{ui_daemon.url}/?trash=1")
    wait_for_tiles(page)
    page.get_by_role("button", name="Empty the trash").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("deleted from the catalog for good")
    expect(dialog).to_contain_text("The original files on disk are never touched")
    dialog.get_by_role("button", name="Cancel").click()
    assert api(ui_daemon, "GET", f"/api/photos/{target}")["deleted_at"] is not None

    page.get_by_role("button", name="Empty the trash").click()
    with page.expect_response(lambda r: r.url.endswith("/empty-trash")) as answered:
        page.get_by_role("dialog").get_by_role("button", name="Empty the trash").click()
    assert answered.value.json()["deleted"] >= 1
    expect(page.get_by_role("heading", name="The trash is empty")).to_be_visible()
    status, _ = ui_daemon.process.request("GET", f"/api/photos/{target}")
    assert status == 404
    assert all(Path(f["file_path"]).is_file() for f in files)
