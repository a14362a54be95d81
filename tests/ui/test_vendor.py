"""The vendored third-party files are exactly the ones VENDOR.md lists, byte for byte."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import daemon

VENDOR = Path(daemon.__file__).parent / "ui" / "vendor"
ROW = re.compile(r"^\| `(?P<path>[^`]+)` \|.*\| `(?P<sha256>[0-9a-f]{64})` \|$")


def listed() -> dict[str, str]:
    """Each file VENDOR.md lists, with the SHA-256 it gives."""
    rows = (ROW.match(line) for line in (VENDOR / "VENDOR.md").read_text().splitlines())
    return {row["path"]: row["sha256"] for row in rows if row}


def test_every_vendored_file_is_listed_with_its_hash() -> None:
    files = {
        path.relative_to(VENDOR).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in VENDOR.rglob("*")
        if path.is_file() and path.name != "VENDOR.md"
    }
    assert files, "lit-html and SortableJS are vendored"
    assert files == listed()


def test_each_listed_file_names_its_licence() -> None:
    text = (VENDOR / "VENDOR.md").read_text()
    for name, licence in (("lit-html", "BSD-3-Clause"), ("sortablejs", "MIT")):
        assert re.search(rf"\| {name} \| [0-9.]+ \| {licence} \|", text), name
        assert (VENDOR / f"LICENSE-{name}.txt").is_file()
