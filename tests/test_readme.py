"""The README's command blocks run as a user types them, against a real daemon.

The blocks are taken from README.md as they are; HOME is a temporary folder, so the
default data dir and `~/Pictures` are the test's, and the working directory holds a
`.venv` that is this virtualenv. Only the port in a URL is replaced: the README's daemon
answers on 8000, the test's on whatever port was free. A block that cannot run here is
named in SKIPPED with the reason.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from protocol.local import DataPaths, RuntimeInfo, lock_held
from tests.support.daemon_process import DaemonProcess, clean_env
from tests.support.images import write_jpeg

pytestmark = pytest.mark.process

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.DOTALL | re.MULTILINE)

# A text found in exactly one block → why that block does not run here.
SKIPPED = {
    "pip install . && .venv/bin/hotprevue run": "installs the program, then runs the daemon "
    "in the foreground until Ctrl+C; the test starts the daemon itself",
    "exec central hotprevue ui-password set": "Docker Compose on the central server",
    "cp installers/central/.env.example": "Docker Compose on the central server",
    "exec central hotprevue machines add": "Docker Compose on the central server",
    "sync add-target https://photos.example.com": "needs a central server on another machine",
    "DATABASE_URL=postgresql://hotprevue:secret@db.example": "a central server needs a "
    "PostgreSQL server of its own",
    "--data-dir ~/hotprevue-central": "a central server needs a PostgreSQL server of its own",
    'pip install ".[tray]"': "installs system packages as root, then starts the tray",
    "autostart enable": "changes what starts when the user logs in",
    "installers.build": "builds the program (half an hour)",
    "installers.smoke": "needs the built program, and root for the .deb",
    'pip install -e ".[dev]"': "runs the whole test suite, this test included",
    "pytest -m process": "runs tiers of the test suite, this test among them",
    "xvfb dbus-daemon": "installs system packages as root",
    "HOTPREVUE_TEST_CORPUS": "runs tests over a corpus outside the repository",
}


def blocks() -> list[str]:
    """Every ```sh block of the README, in order."""
    return BLOCK.findall(README.read_text(encoding="utf-8"))


def skipped(block: str) -> str | None:
    """Why this block does not run, or None when it does."""
    reasons = [reason for text, reason in SKIPPED.items() if text in block]
    return reasons[0] if reasons else None


def test_every_skip_names_one_block() -> None:
    for text in SKIPPED:
        assert sum(text in block for block in blocks()) == 1, text


@pytest.mark.skipif(sys.platform != "linux", reason="the README's paths are Linux's")
def test_readme_blocks_run_as_written(tmp_path: Path, daemons: list[DaemonProcess]) -> None:
    home = tmp_path / "home"
    data = home / ".local" / "share" / "hotprevue"
    paths = DataPaths(data)
    write_jpeg(home / "Pictures" / "2024" / "one.jpg", 320, 240, seed=1)
    write_jpeg(home / "Pictures" / "2024" / "two.jpg", 320, 240, seed=2)
    (home / "Pictures" / "Inbox").mkdir(parents=True)
    clone = tmp_path / "clone"
    clone.mkdir()
    (clone / ".venv").symlink_to(Path(sys.prefix))
    env = clean_env(HOME=str(home), BROWSER="true")
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env.pop(name, None)

    ran = []
    for block in blocks():
        if skipped(block):
            continue
        info = RuntimeInfo.read(paths.runtime)
        if not lock_held(paths.lock) or info is None:
            # A block before this one stopped it, as the README's `stop` does.
            daemon = DaemonProcess(data, env=env)
            daemons.append(daemon)
            daemon.start().wait_healthy()
            info = RuntimeInfo.read(paths.runtime)
            assert info is not None
        script = block.replace("http://127.0.0.1:8000", info.url)
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{block}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        ran.append(block)
    assert len(ran) >= 6, ran
