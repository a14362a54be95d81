"""`hotprevue photographers …`, `--photographer` on register and watch, and `machines` on
a local daemon, against a real daemon process, as a user types them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.daemon_process import DaemonProcess, clean_env, cli
from tests.support.images import write_jpeg

pytestmark = pytest.mark.process


def people(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One `hotprevue photographers` command on this data dir."""
    return cli("photographers", args[0], "--data-dir", str(data), *args[1:])


def names(daemon: DaemonProcess) -> list[str]:
    status, listed = daemon.request("GET", "/api/photographers")
    assert status == 200
    return [p["name"] for p in listed if not (p["is_default"] or p["is_unknown"])]


def test_photographers_commands(tmp_path: Path, daemons: list[DaemonProcess]) -> None:
    data = tmp_path / "data"
    daemon = DaemonProcess(data)
    daemons.append(daemon)
    daemon.start().wait_healthy()

    added = people(data, "add", " Kari ")
    assert (added.returncode, added.stdout.strip()) == (0, "Added photographer Kari")
    again = people(data, "add", "kari")
    assert (again.returncode, again.stderr.strip()) == (
        1,
        "hotprevue photographers add: there is already a photographer named kari",
    )
    listed = people(data, "list")
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["NAME", "ROLE", "ID"]
    assert any(row.startswith("Kari ") for row in rows)

    renamed = people(data, "rename", "KARI", "Kari Nordmann")
    assert (renamed.returncode, renamed.stdout.strip()) == (0, "Renamed Kari to Kari Nordmann")
    assert people(data, "add", "Ola").returncode == 0
    assert sorted(names(daemon)) == ["Kari Nordmann", "Ola"]

    # Ola's photo goes to Kari with the merge; Ola is gone.
    photos = tmp_path / "photos"
    write_jpeg(photos / "one.jpg", 320, 240, seed=3)
    registered = cli("register", "--data-dir", str(data), str(photos), "--photographer", "ola")
    assert registered.returncode == 0, registered.stderr
    kept = people(data, "remove", "Ola")
    assert kept.returncode == 1
    assert "is the photographer of 1 photo(s)" in kept.stderr
    assert 'hotprevue photographers merge "Ola" --into OTHER' in kept.stderr
    merged = people(data, "merge", "ola", "--into", "kari nordmann")
    assert merged.returncode == 0, merged.stderr
    assert merged.stdout.startswith("Merged Ola into Kari Nordmann")
    assert names(daemon) == ["Kari Nordmann"]
    removed = people(data, "remove", "Nobody")
    assert removed.returncode == 1
    assert "there is no photographer named Nobody" in removed.stderr

    # A name no one has: refused without a terminal, unless asked to create it.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    refused = cli("watch", "add", "--data-dir", str(data), str(inbox), "--photographer", "Per")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "hotprevue watch add: there is no photographer named Per: add --create-photographer "
        'to create one, or run `hotprevue photographers add "Per"` first'
    )
    created = cli(
        "watch",
        "add",
        "--data-dir",
        str(data),
        str(inbox),
        "--photographer",
        " Per ",
        "--create-photographer",
    )
    assert created.returncode == 0, created.stderr
    assert "Added photographer Per" in created.stderr
    _, folders = daemon.request("GET", "/api/watched-folders")
    per = [p for p in daemon.request("GET", "/api/photographers")[1] if p["name"] == "Per"]
    assert [f["photographer_id"] for f in folders] == [per[0]["id"]]
    unknown = cli("register", "--data-dir", str(data), str(photos), "--photographer", "Liv")
    assert unknown.returncode == 1
    assert "add --create-photographer" in unknown.stderr
    assert "Liv" not in names(daemon)


def test_machines_on_a_local_daemon_say_what_to_do(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    data = tmp_path / "data"
    daemon = DaemonProcess(data)
    daemons.append(daemon)
    daemon.start().wait_healthy()
    advice = (
        "this Hotprevue is not a central server: start one with "
        "`hotprevue run --central --data-dir DIR --port PORT`, or pass --data-dir of the central"
    )
    for action in (["add", "Kjell's laptop"], ["list"], ["revoke", "Kjell's laptop"]):
        said = cli("machines", action[0], "--data-dir", str(data), *action[1:])
        assert (said.returncode, said.stderr.strip()) == (
            1,
            f"hotprevue machines {action[0]}: {advice}",
        )
    password = subprocess.run(
        [sys.executable, "-m", "daemon.cli", "ui-password", "set", "--data-dir", str(data)],
        input="a long enough password\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        check=False,
    )
    assert (password.returncode, password.stderr.strip()) == (1, f"hotprevue ui-password: {advice}")
    assert not daemon.paths.ui_password.exists()
