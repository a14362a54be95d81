"""The Settings page: every setting in one form, refusals beside the field they concern,
and the catalog's photographers and categories."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from tests.ui.browser import Console, UiDaemon

pytestmark = [pytest.mark.browser, pytest.mark.process]

QUALITY = "#setting-coldpreview_quality"


def open_settings(page: Page, ui_daemon: UiDaemon) -> None:
    """Sign in, then go to Settings through the top bar's link."""
    ui_daemon.sign_in(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.wait_for_url(f"{ui_daemon.url}/settings")
    expect(page.get_by_label("Preview JPEG quality")).not_to_have_value("")


def settings(ui_daemon: UiDaemon) -> dict[str, Any]:
    """What the API says the settings are."""
    status, body = ui_daemon.process.request("GET", "/api/settings")
    assert status == 200, body
    return dict(body)


def photographers(ui_daemon: UiDaemon) -> dict[str, str]:
    """Every photographer's id, by name."""
    status, body = ui_daemon.process.request("GET", "/api/photographers")
    assert status == 200, body
    return {p["name"]: p["id"] for p in body}


def test_a_value_out_of_bounds_is_refused_by_the_form(page: Page, ui_daemon: UiDaemon) -> None:
    before = settings(ui_daemon)
    open_settings(page, ui_daemon)
    writes: list[Request] = []
    page.on("request", lambda r: writes.append(r) if r.method == "PATCH" else None)

    page.get_by_label("Preview JPEG quality").fill("101")
    page.get_by_role("button", name="Save").click()
    page.wait_for_timeout(300)

    assert writes == []
    field = page.locator(QUALITY)
    assert field.evaluate("input => !input.validity.valid && input.validity.rangeOverflow")
    assert settings(ui_daemon) == before


def test_the_apis_refusal_shows_beside_its_field_and_nothing_is_saved(
    page: Page, ui_daemon: UiDaemon, console: Console
) -> None:
    console.expect(r"status of 422")
    before = settings(ui_daemon)
    open_settings(page, ui_daemon)
    # A form older than the API's bounds: only the API refuses the value now.
    page.locator(QUALITY).evaluate("input => input.removeAttribute('max')")

    page.get_by_label("Owner", exact=True).fill("Somebody else")
    page.get_by_label("Preview JPEG quality").fill("101")
    with page.expect_response(
        lambda r: r.url.endswith("/api/settings") and r.request.method == "PATCH"
    ) as answer:
        page.get_by_role("button", name="Save").click()
    assert answer.value.status == 422

    refusal = page.locator(f"{QUALITY}-error")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("coldpreview_quality")
    expect(page.locator(QUALITY)).to_have_attribute("aria-invalid", "true")
    expect(page.locator(QUALITY)).to_be_focused()
    # The other change stays in the form, unsaved.
    expect(page.get_by_label("Owner", exact=True)).to_have_value("Somebody else")
    assert settings(ui_daemon) == before


def test_a_good_value_is_saved_alone_and_persists(page: Page, ui_daemon: UiDaemon) -> None:
    before = settings(ui_daemon)
    open_settings(page, ui_daemon)

    page.get_by_label("Preview JPEG quality").fill("70")
    page.get_by_label("Name", exact=True).fill("Studio laptop")
    page.get_by_label("Watch folders for new photos").set_checked(not before["watching_enabled"])
    with page.expect_request(lambda r: r.method == "PATCH") as sent:
        page.get_by_role("button", name="Save").click()
    assert sent.value.post_data_json == {
        "instance_name": "Studio laptop",
        "coldpreview_quality": 70,
        "watching_enabled": not before["watching_enabled"],
    }
    expect(page.get_by_text("Saved 3 settings.")).to_be_visible()
    expect(page.locator(".topbar .instance")).to_have_text("Studio laptop")

    after = settings(ui_daemon)
    assert after["coldpreview_quality"] == 70
    assert after["instance_name"] == "Studio laptop"
    assert after["watching_enabled"] is not before["watching_enabled"]
    assert after["owner_name"] == before["owner_name"]

    page.reload()
    expect(page.get_by_label("Preview JPEG quality")).to_have_value("70")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Studio laptop")
    expect(page.get_by_label("Watch folders for new photos")).to_be_checked(
        checked=not before["watching_enabled"]
    )


def test_photographers_are_added_and_one_merged_into_another(
    page: Page, ui_daemon: UiDaemon, console: Console
) -> None:
    console.expect(r"status of 409")
    open_settings(page, ui_daemon)
    section = page.get_by_role("region", name="Photographers")
    for name in ("Ansel", "Dorothea"):
        section.get_by_label("New photographer").fill(name)
        section.get_by_role("button", name="Add photographer").click()
        expect(section.get_by_role("listitem").filter(has_text=name)).to_be_visible()
    people = photographers(ui_daemon)
    status, hothashes = ui_daemon.process.request("GET", "/api/photos/hothashes?limit=3")
    assert status == 200
    assert len(hothashes) == 3
    status, body = ui_daemon.process.request(
        "POST",
        "/api/photos/batch/photographer",
        {"hothashes": hothashes, "photographer_id": people["Ansel"]},
    )
    assert status == 200, body

    # Still in use: the API's reason shows in Ansel's row.
    ansel = section.locator(f'[data-photographer-id="{people["Ansel"]}"]')
    ansel.get_by_role("button", name="Remove").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove photographer").click()
    expect(ansel.get_by_role("alert")).to_contain_text("is the photographer of 3 photo")
    assert "Ansel" in photographers(ui_daemon)

    ansel.get_by_role("button", name="Merge “Ansel” into…").click()
    picker = page.get_by_role("dialog", name="Merge “Ansel” into…")
    picker.get_by_label("The photographer who stays").select_option(label="Dorothea")
    picker.get_by_role("button", name="Continue").click()
    ask = page.get_by_role("dialog", name="Merge “Ansel” into “Dorothea”?")
    expect(ask).to_contain_text(
        "All 3 photos of Ansel become Dorothea\N{RIGHT SINGLE QUOTATION MARK}s; Ansel is removed."
    )
    ask.get_by_role("button", name="Merge").click()

    expect(ansel).to_have_count(0)
    left = photographers(ui_daemon)
    assert "Ansel" not in left
    assert "Dorothea" in left
    status, moved = ui_daemon.process.request(
        "GET", f"/api/photos/hothashes?photographer_id={left['Dorothea']}"
    )
    assert status == 200
    assert sorted(moved) == sorted(hothashes)


def test_categories_are_added_renamed_and_removed(page: Page, ui_daemon: UiDaemon) -> None:
    open_settings(page, ui_daemon)
    section = page.get_by_role("region", name="Categories")
    section.get_by_label("New category").fill("Family")
    section.get_by_role("button", name="Add category").click()
    row = section.get_by_role("listitem").filter(has_text="Family")
    expect(row).to_be_visible()

    row.get_by_role("button", name="Rename “Family”").click()
    field = section.get_by_label("New name for “Family”")
    expect(field).to_be_focused()
    field.fill("Relatives")
    field.press("Enter")
    renamed = section.get_by_role("listitem").filter(has_text="Relatives")
    expect(renamed).to_be_visible()

    renamed.get_by_role("button", name="Remove “Relatives”").click()
    ask = page.get_by_role("dialog", name="Remove the category “Relatives”?")
    expect(ask).to_contain_text("keep everything else")
    ask.get_by_role("button", name="Remove category").click()
    expect(renamed).to_have_count(0)
    status, left = ui_daemon.process.request("GET", "/api/categories")
    assert status == 200
    assert [c["name"] for c in left] == []


def test_the_page_says_what_hotprevue_status_says(page: Page, ui_daemon: UiDaemon) -> None:
    status, body = ui_daemon.process.request("GET", "/api/status")
    assert status == 200, body
    open_settings(page, ui_daemon)
    about = page.get_by_role("region", name="About this catalog")
    expect(about).to_contain_text(f"{body['photo_count']:,}")
    expect(about).to_contain_text(body["data_dir"])
    expect(about).to_contain_text(body["coldpreview_dir"])
    expect(about).to_contain_text(f"Hotprevue {body['version']}")
