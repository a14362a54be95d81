"""Registering and watching in a real browser: the folder browser, a session's live
progress and summary, watched folders, and the status line that leads to them."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.support.daemon_process import DaemonProcess, clean_env
from tests.support.images import BUNDLED_CORPUS, restart_jpeg, with_data_lost, write_jpeg
from tests.ui.browser import Console, UiDaemon, api, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.process]

# Seconds each batch of a registration waits before it commits: the corpus then takes
# several seconds, long enough to see its progress move (and the status line show it).
COMMIT_DELAY = "2"
SUMMARY = '[aria-label="Summary"]'
# What the register page shows of a session while it runs (the progress bar's value and
# maximum, absent while the folder is being counted), whether its summary is there yet,
# and what the status line says and leads to.
PROGRESS_STATE = """() => {
    const bar = document.querySelector('.work-progress progress');
    return {
        value: bar && bar.hasAttribute('value') ? Number(bar.getAttribute('value')) : null,
        max: bar && bar.hasAttribute('max') ? Number(bar.getAttribute('max')) : null,
        done: document.querySelector('[aria-label="Summary"]') !== null,
    };
}"""


@pytest.fixture(scope="module")
def work_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiDaemon]:
    """A real daemon with an empty catalog, whose registrations go slowly enough to follow."""
    process = DaemonProcess(
        tmp_path_factory.mktemp("work") / "data",
        env=clean_env(HOTPREVUE_TEST_COMMIT_DELAY=COMMIT_DELAY),
    ).start()
    try:
        process.wait_healthy()
        yield UiDaemon(process)
    finally:
        process.kill_all()


def folder_browser(page: Page) -> Locator:
    """The open folder browser, once it shows its first list."""
    dialog = page.get_by_role("dialog", name="Choose a folder", exact=True)
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-folder-path]").first).to_be_visible()
    return dialog


def choose(dialog: Locator, parent: Path, folder: Path) -> None:
    """Type the parent's path into the browser, go into the folder, and choose it."""
    field = dialog.get_by_label("Folder path")
    field.fill(str(parent))
    field.press("Enter")
    entry = dialog.locator(f'[data-folder-path="{folder}"]')
    expect(entry).to_have_text(folder.name)
    entry.click()
    expect(dialog.locator('[aria-current="location"]')).to_have_text(folder.name)
    expect(field).to_have_value(str(folder))
    screenshot(dialog.page, f"folder_browser_{folder.name}")
    dialog.get_by_role("button", name="Choose this folder").click()
    expect(dialog).to_be_hidden()


def test_a_path_that_is_no_folder_shows_the_reason(
    page: Page, console: Console, work_daemon: UiDaemon
) -> None:
    console.expect(r"status of 422")
    not_a_folder = BUNDLED_CORPUS / "ATTRIBUTION.md"
    status, answer = work_daemon.process.request(
        "GET", "/api/folders?" + urlencode({"path": str(not_a_folder)})
    )
    assert status == 422, answer

    work_daemon.sign_in(page)
    page.goto(f"{work_daemon.url}/register")
    page.get_by_role("button", name="Choose a folder…").click()
    dialog = folder_browser(page)
    field = dialog.get_by_label("Folder path")
    field.fill(str(not_a_folder))
    field.press("Enter")
    expect(dialog.get_by_role("alert")).to_have_text(answer["detail"])
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    screenshot(page, "folder_browser_refused")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#register-folder")).to_have_text("No folder chosen yet")


def test_the_folder_browser_goes_by_keys(page: Page, work_daemon: UiDaemon) -> None:
    work_daemon.sign_in(page)
    page.goto(f"{work_daemon.url}/watched")
    page.get_by_role("button", name="Add a folder…").click()
    dialog = folder_browser(page)
    field = dialog.get_by_label("Folder path")
    field.fill(str(BUNDLED_CORPUS))
    field.press("Enter")
    expect(dialog.locator('[aria-current="location"]')).to_have_text(BUNDLED_CORPUS.name)
    expect(field).to_be_focused()
    folders = dialog.locator("[data-folder-path]")
    expect(folders).to_have_text(["heic", "jpg", "tiff"])
    # One stop for Tab; the arrow keys move along the list.
    expect(dialog.locator('[data-folder-path][tabindex="0"]')).to_have_count(1)
    folders.first.focus()
    page.keyboard.press("ArrowDown")
    jpg = dialog.locator(f'[data-folder-path="{BUNDLED_CORPUS / "jpg"}"]')
    expect(jpg).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog.locator('[aria-current="location"]')).to_have_text("jpg")
    expect(folders.first).to_be_focused()
    # Backspace goes up, back to the folder it came from.
    page.keyboard.press("Backspace")
    expect(dialog.locator('[aria-current="location"]')).to_have_text(BUNDLED_CORPUS.name)
    expect(jpg).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Add a folder…")).to_be_focused()


def test_the_folder_browser_says_what_it_leaves_out(
    page: Page, work_daemon: UiDaemon, tmp_path_factory: pytest.TempPathFactory
) -> None:
    crowded = tmp_path_factory.mktemp("crowded")
    for number in range(1001):
        (crowded / f"folder {number:04}").mkdir()
    # A name that is no valid UTF-8 (a disk written by another system) cannot be shown.
    (crowded / os.fsdecode(b"caf\xe9")).mkdir()

    work_daemon.sign_in(page)
    page.goto(f"{work_daemon.url}/register")
    page.get_by_role("button", name="Choose a folder…").click()
    dialog = folder_browser(page)
    field = dialog.get_by_label("Folder path")
    field.fill(str(crowded))
    field.press("Enter")
    expect(dialog.locator("[data-folder-path]")).to_have_count(1000)
    expect(dialog.get_by_role("status")).to_have_text(
        "1,000 folders · Showing the first 1,000 folders · "
        "1 folder with an unreadable name is not shown"
    )
    dialog.get_by_role("button", name="Choose this folder").click()
    expect(page.locator("#register-folder")).to_have_text(str(crowded))
    expect(page.get_by_label("Name", exact=True)).to_have_value(crowded.name)


def test_registering_a_folder_shows_its_progress_then_its_summary(
    page: Page, work_daemon: UiDaemon
) -> None:
    work_daemon.sign_in(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register").click()
    page.get_by_role("button", name="Choose a folder…").click()
    choose(folder_browser(page), BUNDLED_CORPUS.parent, BUNDLED_CORPUS)
    expect(page.locator("#register-folder")).to_have_text(str(BUNDLED_CORPUS))
    expect(page.get_by_label("Name", exact=True)).to_have_value(BUNDLED_CORPUS.name)
    expect(page.get_by_label("Include subfolders")).to_be_checked()
    page.get_by_role("button", name="Register", exact=True).click()
    page.wait_for_url("**/register?session=*")
    session_id = parse_qs(urlsplit(page.url).query)["session"][0]

    # A second tab, as a person who opens Hotprevue again meanwhile: its status line says
    # what registers now, and leads to it.
    other = page.context.new_page()
    other.goto(f"{work_daemon.url}/watched")
    status_link = other.locator("a.activity")

    seen: list[tuple[int | None, int | None]] = []
    status_texts: set[str] = set()
    shot = False
    deadline = time.monotonic() + 120
    while True:
        state = page.evaluate(PROGRESS_STATE)
        if state["done"]:
            break
        seen.append((state["value"], state["max"]))
        if not shot and state["value"] and state["max"] and state["value"] < state["max"]:
            screenshot(page, "register_progress")
            shot = True
        if status_link.count() and not status_texts:
            status_texts.add(status_link.inner_text())
            assert status_link.get_attribute("href") == f"/register?session={session_id}"
            status_link.click()
        assert time.monotonic() < deadline, f"the session did not end: {seen[-5:]}"
        page.wait_for_timeout(100)

    partway = [(v, m) for v, m in seen if v is not None and m is not None and 0 < v < m]
    assert partway or len(set(seen)) >= 2, f"no progress was seen: {sorted(set(seen))}"
    registering = f"Registering “{BUNDLED_CORPUS.name}”"
    assert any(t.startswith(registering) for t in status_texts), status_texts

    session = api(work_daemon, "GET", f"/api/input-sessions/{session_id}")
    assert session["status"] == "completed", session
    assert session["photo_count"] > 0
    summary = page.locator(SUMMARY)
    for key, field in (
        ("registered", "photo_count"),
        ("already_registered", "already_registered_count"),
        ("duplicates", "duplicate_count"),
        ("errors", "error_count"),
    ):
        expect(summary.locator(f'[data-count="{key}"]')).to_have_text(f"{session[field]:,}")
    in_library = summary.get_by_role("link", name=f"Show the {session['photo_count']} photos")
    expect(in_library).to_have_attribute("href", f"/?session={session_id}")
    if session["duplicate_count"]:
        expect(summary.locator(f'a[href="/duplicates?session={session_id}"]').first).to_be_visible()
    errors = api(work_daemon, "GET", f"/api/input-sessions/{session_id}/errors")
    assert len(errors) == session["error_count"]
    shown = summary.locator(".work-errors li")
    expect(shown).to_have_count(len(errors))
    for error in errors:
        row = shown.filter(has_text=error["file_path"])
        expect(row).to_contain_text(error["message"])
        expect(row.locator(".work-error-why")).to_have_attribute("title", error["detail"])

    # The session is among the recent ones, and its link shows it again.
    recent = page.get_by_role("region", name="Recent sessions")
    expect(recent.get_by_role("link", name=BUNDLED_CORPUS.name)).to_have_attribute(
        "href", f"/register?session={session_id}"
    )
    # The other tab followed the status line to the same session, and ends there too.
    expect(other).to_have_url(f"{work_daemon.url}/register?session={session_id}")
    expect(other.locator(SUMMARY).locator('[data-count="registered"]')).to_have_text(
        f"{session['photo_count']:,}"
    )
    other.close()


def test_a_watched_folder_can_be_added_paused_and_removed(
    page: Page, work_daemon: UiDaemon, tmp_path_factory: pytest.TempPathFactory
) -> None:
    parent = tmp_path_factory.mktemp("watched")
    folder = parent / "holiday"
    (folder / "day one").mkdir(parents=True)
    default = api(work_daemon, "GET", "/api/photographers")[0]
    assert default["is_default"], default

    work_daemon.sign_in(page)
    page.goto(f"{work_daemon.url}/watched")
    expect(page.get_by_text("No folder is watched yet.")).to_be_visible()
    page.get_by_role("button", name="Add a folder…").click()
    choose(folder_browser(page), parent, folder)
    form = page.get_by_role("form", name=f"Watch “{folder.name}”")
    expect(form.get_by_label("Photographer")).to_have_value("")
    form.get_by_role("button", name="Start watching").click()

    row = page.locator("[data-folder-id]")
    expect(row).to_have_count(1)
    folder_id = row.get_attribute("data-folder-id")
    assert folder_id
    expect(row.get_by_role("heading")).to_have_text(folder.name)
    expect(row).to_contain_text(default["name"])
    expect(row).to_contain_text("Included")
    # The status line says at once that a folder is watched, and leads here.
    status_link = page.locator("a.activity")
    expect(status_link).to_have_text("Watching 1 folder")
    expect(status_link).to_have_attribute("href", "/watched")

    row.get_by_role("button", name="Pause").click()
    expect(row.get_by_role("button", name="Resume")).to_be_visible()
    expect(row.locator(".work-folder-state")).to_have_text("Paused")
    assert api(work_daemon, "GET", f"/api/watched-folders/{folder_id}")["paused"] is True
    # A paused folder is not watched: the status line has nothing to say.
    expect(status_link).to_have_count(0)
    screenshot(page, "watched_paused")

    row.get_by_role("button", name="Remove").click()
    confirm = page.get_by_role("dialog", name=f"Stop watching “{folder.name}”?")
    expect(confirm).to_contain_text(
        "Hotprevue stops watching this folder. Its photos stay in your library."
    )
    confirm.get_by_role("button", name="Stop watching").click()
    expect(page.locator("[data-folder-id]")).to_have_count(0)
    expect(page.get_by_text("No folder is watched yet.")).to_be_visible()
    assert api(work_daemon, "GET", "/api/watched-folders") == []
    status, _ = work_daemon.process.request("GET", f"/api/watched-folders/{folder_id}")
    assert status == 404


def test_a_session_started_elsewhere_can_be_followed_and_cancelled(
    page: Page, work_daemon: UiDaemon, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("elsewhere") / "Summer"
    for number in range(100):
        write_jpeg(folder / f"IMG_{number:04}.jpg", 320, 240, seed=number)
    # Started as the CLI and the tray start one.
    session = api(
        work_daemon,
        "POST",
        "/api/input-sessions",
        {"name": "Summer", "source_path": str(folder)},
    )

    work_daemon.sign_in(page)
    page.goto(f"{work_daemon.url}/register?session={session['id']}")
    expect(page.get_by_role("heading", name="Summer", exact=True)).to_be_visible()
    page.get_by_role("button", name="Cancel").click()
    confirm = page.get_by_role("dialog", name="Stop registering “Summer”?")
    expect(confirm).to_contain_text("The photos registered so far stay in your library")
    confirm.get_by_role("button", name="Stop registering").click()

    summary = page.locator(SUMMARY)
    expect(summary).to_contain_text("Stopped before the end")
    after = api(work_daemon, "GET", f"/api/input-sessions/{session['id']}")
    assert after["status"] == "cancelled", after
    assert after["photo_count"] < 100
    expect(summary.locator('[data-count="registered"]')).to_have_text(f"{after['photo_count']:,}")
    expect(page.get_by_role("region", name="Recent sessions")).to_contain_text("Cancelled")


def test_the_summary_lists_what_could_not_be_registered(
    page: Page, work_daemon: UiDaemon, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("mixed") / "Mixed"
    write_jpeg(folder / "good.jpg", 320, 240, seed=1)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    (folder / "damaged.jpg").write_bytes(with_data_lost(restart_jpeg()))
    session = api(
        work_daemon, "POST", "/api/input-sessions", {"name": "Mixed", "source_path": str(folder)}
    )

    work_daemon.sign_in(page)
    page.goto(f"{work_daemon.url}/register?session={session['id']}")
    summary = page.locator(SUMMARY)
    expect(summary).to_be_visible(timeout=30_000)
    after = api(work_daemon, "GET", f"/api/input-sessions/{session['id']}")
    assert after["error_count"] == 1, after
    (error,) = api(work_daemon, "GET", f"/api/input-sessions/{session['id']}/errors")
    expect(summary.locator('[data-count="errors"]')).to_have_text("1")
    expect(summary.get_by_role("heading", name="1 file could not be registered")).to_be_visible()
    listed = summary.locator(".work-errors li")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(error["file_path"])
    assert error["message"].startswith("The file ends too early"), error
    expect(listed).to_contain_text(error["message"])
    expect(listed.locator(".work-error-why")).to_have_attribute("title", error["error"])

    # The damaged original is in the library, flagged, and the summary leads to it.
    assert after["damaged_count"] == 1, after
    damaged = summary.locator('[data-count="damaged"] a')
    expect(damaged).to_have_text("1")
    damaged.click()
    page.wait_for_url(f"{work_daemon.url}/?session={session['id']}&damaged=1")
    (flagged,) = api(work_daemon, "GET", f"/api/photos?session_id={session['id']}&damaged=true")
    expect(page.locator("[data-hothash]")).to_have_count(1)
    expect(page.locator(f'[data-hothash="{flagged["hothash"]}"]')).to_be_visible()
