"""A macOS app bundle started by Finder or at login runs the tray; everything else as typed."""

from __future__ import annotations

from pathlib import Path

from daemon.cli.__main__ import bundle_arguments

BUNDLE = Path("/Applications/Hotprevue.app/Contents/MacOS/hotprevue")


def test_a_bundle_started_without_arguments_runs_the_tray() -> None:
    assert bundle_arguments([], BUNDLE) == ["tray"]
    # Older macOS add a process serial number when Finder starts an app.
    assert bundle_arguments(["-psn_0_12345"], BUNDLE) == ["tray"]


def test_a_bundle_started_with_a_command_runs_that_command() -> None:
    assert bundle_arguments(["run", "--port", "0"], BUNDLE) == ["run", "--port", "0"]


def test_outside_a_bundle_no_arguments_stay_none() -> None:
    # Then argparse says which commands there are.
    assert bundle_arguments([], Path("/usr/bin/hotprevue")) == []
    assert bundle_arguments([], Path("/opt/MacOS/hotprevue")) == []
