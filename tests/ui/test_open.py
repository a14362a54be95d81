"""`hotprevue open`: the web UI in the default browser, through a one-use link."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.daemon_process import DaemonProcess, clean_env, cli

pytestmark = pytest.mark.process


def test_open_starts_the_browser_on_a_fresh_login_link(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    daemon = DaemonProcess(tmp_path / "data")
    daemons.append(daemon)
    daemon.start().wait_healthy()
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    env = clean_env(BROWSER=f"{browser} %s")

    result = cli("open", "--data-dir", str(daemon.data_dir), env=env)
    assert result.returncode == 0, result.stderr
    assert "Opened Hotprevue" in result.stdout
    printed = cli("open", "--print", "--data-dir", str(daemon.data_dir), env=env)
    assert printed.returncode == 0, printed.stderr
    links = [*opened.read_text().split(), printed.stdout.strip()]
    assert len(links) == 2
    assert len(set(links)) == 2, "each call makes a new link"
    for link in links:
        assert link.startswith(f"{daemon.url}/login#"), link

    failing = tmp_path / "no-browser.sh"
    failing.write_text("#!/bin/sh\nexit 1\n")
    failing.chmod(0o755)
    # No display either: no graphical browser for webbrowser to fall back on.
    bare = {k: v for k, v in clean_env(BROWSER=str(failing)).items() if "DISPLAY" not in k}
    refused = cli("open", "--data-dir", str(daemon.data_dir), env=bare)
    assert refused.returncode == 1
    assert f"{daemon.url}/login#" in refused.stderr  # the link to open by hand


def test_open_says_when_hotprevue_is_not_running(tmp_path: Path) -> None:
    result = cli("open", "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 3
    assert "not running" in result.stderr
