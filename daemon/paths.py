"""Paths as registration sees them: on a real filesystem, storable as text, shown safely.

A file name is bytes on POSIX and UTF-16 on Windows; Python hands over names that
are not valid Unicode with lone surrogates in them (PEP 383). PostgreSQL text
cannot hold those, and a terminal must never receive a name's control characters.
"""

from __future__ import annotations

import logging
from pathlib import Path

import psutil

log = logging.getLogger(__name__)

# Kernel filesystems that show processes, devices and settings as files: walking one
# reads the whole machine (/proc/*/root leads back to /) and never finds a photo.
PSEUDO_FILESYSTEMS = frozenset(
    {
        "binfmt_misc",
        "bpf",
        "cgroup",
        "cgroup2",
        "configfs",
        "debugfs",
        "devfs",
        "devpts",
        "devtmpfs",
        "efivarfs",
        "fdescfs",
        "fusectl",
        "hugetlbfs",
        "linprocfs",
        "linsysfs",
        "mqueue",
        "nfsd",
        "nsfs",
        "proc",
        "procfs",
        "pstore",
        "rpc_pipefs",
        "securityfs",
        "selinuxfs",
        "sysfs",
        "tracefs",
    }
)
# surrogateescape (PEP 383) turns an undecodable byte 0xNN into U+DCNN.
_ESCAPED_BYTES = range(0xDC80, 0xDD00)
# Joiners are "format" characters but hold emoji sequences together; they move no cursor.
_HARMLESS_FORMAT = frozenset("\u200c\u200d")


def storable(text: str) -> bool:
    """Whether PostgreSQL text can hold this exactly (valid Unicode, no NUL)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def escaped(text: str) -> str:
    """Text safe for a terminal or a log: every unprintable character as an escape.

    Control characters (C0, DEL, C1), bidi overrides and other invisible characters
    become `\\x1b`, `\\u202e`, …; an undecodable byte of a file name becomes `\\xff`."""
    if text.isprintable():
        return text
    return "".join(_escape(ch) for ch in text)


def storable_text(text: str) -> str:
    """The text itself when it can be stored, else its escaped form (for messages)."""
    return text if storable(text) else escaped(text)


def _escape(ch: str) -> str:
    if ch.isprintable() or ch in _HARMLESS_FORMAT:
        return ch
    code = ord(ch)
    if code in _ESCAPED_BYTES:
        return f"\\x{code - 0xDC00:02x}"
    return repr(ch)[1:-1]  # Python's own escapes: \n, \x1b, \x9b, \u202e, \udfff


def mount_types() -> dict[Path, str]:
    """Mount point → filesystem type, a later mount hiding an earlier one at the same place."""
    try:
        partitions = psutil.disk_partitions(all=True)
    except OSError as exc:
        # Without a mount table nothing can be called a pseudo-filesystem; the scan's
        # own rules (no symlinked folders, no folder twice) still bound the walk.
        log.warning("cannot read the mount table: %s", exc)
        return {}
    return {Path(part.mountpoint): part.fstype for part in partitions}


def filesystem_type(path: Path, mounts: dict[Path, str] | None = None) -> str | None:
    """The type of the filesystem holding a canonical path (the deepest mount above it)."""
    mounts = mount_types() if mounts is None else mounts
    holders = [mount for mount in mounts if path.is_relative_to(mount)]
    if not holders:
        return None
    return mounts[max(holders, key=lambda mount: len(mount.parts))]


def pseudo_mounts(mounts: dict[Path, str] | None = None) -> frozenset[str]:
    """The mount points of pseudo-filesystems, which a folder walk never enters."""
    mounts = mount_types() if mounts is None else mounts
    return frozenset(str(mount) for mount, kind in mounts.items() if kind in PSEUDO_FILESYSTEMS)
