"""`hotprevue sync`'s help says which name is whose, and `sync status` is there."""

from __future__ import annotations

import pytest

from tests.support.daemon_process import cli

pytestmark = pytest.mark.process


def test_add_target_help_tells_the_label_from_this_machines_name() -> None:
    shown = cli("sync", "add-target", "--help")
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert "--label LABEL this target's own name, shown in the tray" in text
    assert "--name NAME THIS machine's name on the central server" in text


def test_sync_status_is_the_targets_listing() -> None:
    shown = cli("sync", "--help")
    assert shown.returncode == 0, shown.stderr
    assert "targets (status)" in shown.stdout
