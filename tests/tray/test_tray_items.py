"""The tray's issue items that need no display: menu texts, outcomes, the icon's badge."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from protocol.sync_targets import SyncStatus
from protocol.words import plural
from tests.support.tray_status import NOW, activity, running, session, target
from tests.tray.headless import BACKEND, find_item, menu_texts
from tray.icons import ICON_STATES, IconState
from tray.menu import Actions, MenuModel, build, model
from tray.render_icons import render
from tray.reports import outcome
from tray.status import Snapshot, describe

HOUR = timedelta(hours=1)


def _built(current: MenuModel) -> Any:
    noop = lambda *_: None  # noqa: E731 - every action does nothing here
    return build(BACKEND, lambda: current, Actions(*([noop] * 13)))


def _menu(snapshot: Snapshot) -> list[str]:
    return menu_texts(_built(model(snapshot)))


def test_open_hotprevue_is_the_left_click_default() -> None:
    menu = _built(model(running(activity(), owned=True)))
    item = find_item(menu, "Open Hotprevue")
    assert item.default
    assert [i for i in menu if i.default] == [item], "one default item"


def test_the_menu_says_hotprevue_not_daemon() -> None:
    texts = _menu(running(activity(), owned=True))
    assert "Stop Hotprevue" in texts
    assert not [t for t in texts if "daemon" in t.lower()], texts
    stopped = _menu(Snapshot(phase="stopped", detail="stopped from the menu"))
    assert "Start Hotprevue" in stopped


def test_quit_on_an_adopted_daemon_says_what_keeps_running() -> None:
    assert _menu(running(activity(), owned=True))[-1] == "Quit"
    assert _menu(running(activity(), owned=False))[-1] == "Quit (Hotprevue keeps running)"


def test_a_failed_sync_keeps_its_waiting_photos_in_sight_and_offers_retry() -> None:
    failed = target(
        name="Home server",
        last_error="the central server refused",
        last_error_at=NOW,
        pending_photos=103,
    )
    snapshot = running(activity(sync=SyncStatus(targets=[failed])))
    line = describe(snapshot).line
    assert line.startswith("Sync to Home server failed: the central server refused")
    assert line.endswith(" · Not synced: 103 photos waiting")
    assert "Retry sync to Home server" in _menu(snapshot)


def test_a_waiting_retry_counts_down_and_the_plain_sentence_shows() -> None:
    failed = target(
        name="Home server",
        last_error="ConnectError: [Errno 111]",
        last_error_message="The central server cannot be reached.",
        last_error_at=NOW,
        retry_at=NOW + timedelta(seconds=8),
        pending_photos=103,
    )
    status = describe(running(activity(sync=SyncStatus(targets=[failed]))))
    assert status.line.startswith("Retrying in 8 s…")
    assert "The central server cannot be reached." in status.line
    later = describe(
        Snapshot(
            phase="running",
            activity=activity(sync=SyncStatus(targets=[failed])),
            taken_at=NOW + HOUR,
        )
    )
    assert later.line.startswith("Sync to Home server failed: The central server cannot")


def test_photos_waiting_too_long_say_since_when() -> None:
    waiting = target(name="Home server", pending_photos=312, unsynced_since=NOW - timedelta(days=9))
    snapshot = running(activity(sync=SyncStatus(targets=[waiting])), reminder_days=7)
    line = describe(snapshot).line
    assert line.startswith("312 photos not backed up to “Home server” since ")
    fresh = running(activity(sync=SyncStatus(targets=[waiting])), reminder_days=14)
    assert describe(fresh).line == "312 photos not yet synced to Home server"


def test_damaged_files_are_told() -> None:
    done = session(
        status="completed", photo_count=98, damaged_count=1, duplicate_count=1, groups_total=99
    )
    assert outcome(done)[1:] == ("98 registered, 1 damaged file, 1 duplicate", True)


def test_a_registration_with_problems_says_so() -> None:
    done = session(
        name="Summer",
        status="completed",
        photo_count=98,
        error_count=1,
        duplicate_count=1,
        groups_total=100,
        groups_done=100,
    )
    title, message, troubled = outcome(done)
    assert troubled
    assert title == "Registered “Summer” with problems"
    assert message == "98 registered, 1 file not registered, 1 duplicate"
    clean = session(status="completed", photo_count=3, groups_total=3, groups_done=3)
    assert outcome(clean) == ("Registered “Summer”", "3 registered", False)


def test_the_outcome_stays_in_the_status_line_until_seen() -> None:
    line = "Registered “Summer” with problems: 98 registered, 1 duplicate"
    status = describe(running(activity(), outcome=line))
    assert (status.icon, status.line) == ("attention", line)
    assert describe(running(activity())).line.startswith("All 12,408 photos registered")


def test_plural() -> None:
    assert plural(1, "photo") == "1 photo"
    assert plural(2, "photo") == "2 photos"
    assert plural(1_000, "copy", "copies") == "1,000 copies"


@pytest.mark.parametrize("size", [22, 24, 32])
@pytest.mark.parametrize("state", ICON_STATES)
def test_the_badge_is_not_clipped(state: IconState, size: int) -> None:
    image = render(state, size)
    alpha = image.getchannel("A")
    last = size - 1
    # A badge cut by the canvas leaves an opaque straight edge; a whole one only the
    # faint fringe of its anti-aliasing.
    right = max(alpha.crop((last, 0, size, size)).tobytes())
    bottom = max(alpha.crop((0, last, size, size)).tobytes())
    assert right < 128, f"{state} at {size} px: badge cut at the right edge"
    assert bottom < 128, f"{state} at {size} px: badge cut at the bottom edge"
