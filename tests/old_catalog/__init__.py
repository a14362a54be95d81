"""A data directory written by Hotprevue 0.1.0 with pgserver 0.1.4's PostgreSQL 16.2.

README.md beside this file says how it was made. Tests unpack it to check that a
catalog made by the old binaries and the old version opens, upgrades and is made
private by the current one.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

ARCHIVE = Path(__file__).with_name("hotprevue-0.1.0-postgresql-16.2.tar.xz")
# The two photos the old daemon registered, by the names they had on disk.
PHOTO_NAMES = frozenset({"IMG_0001.jpg", "IMG_0002.jpg"})


def unpack(into: Path) -> Path:
    """Unpack the old data directory under ``into`` with its recorded modes; return it."""
    with tarfile.open(ARCHIVE) as archive:
        # The 'tar' filter keeps the modes the old version left (that is the point),
        # but refuses absolute paths and links out of the folder.
        archive.extractall(into, filter="tar")
    return into / "hotprevue"
