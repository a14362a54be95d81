"""Paths as registration sees them: on a real filesystem, storable as text, shown safely.

A file name is bytes on POSIX and UTF-16 on Windows; Python hands over names that
are not valid Unicode with lone surrogates in them (PEP 383). PostgreSQL text
cannot hold those, and a terminal must never receive a name's control characters.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

import psutil

from daemon.errors import Invalid

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
# The longest file path the catalog stores, in UTF-8 bytes. PostgreSQL refuses an index
# entry over 2704 bytes (a third of a page), and image_files.file_path is indexed;
# this leaves room for the entry's own header, whatever the path's characters.
MAX_PATH_BYTES = 2048
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


def path_bytes(path: str) -> int:
    """The length of a path as the catalog stores it: its UTF-8 bytes."""
    return len(path.encode("utf-8", "surrogatepass"))


def too_long(path: str) -> bool:
    """Whether a path is longer than the catalog can store (MAX_PATH_BYTES)."""
    return path_bytes(path) > MAX_PATH_BYTES


def storable_path(path: str) -> bool:
    """Whether the catalog can store this path: storable text, at most MAX_PATH_BYTES."""
    return storable(path) and not too_long(path)


def holder(path: Path, folders: Iterable[Path]) -> Path | None:
    """The folder among `folders` that a canonical path is in (or is), canonical; None."""
    for folder in folders:
        real = Path(os.path.realpath(folder))
        if path.is_relative_to(real):
            return real
    return None


def inside_own_folder(path: Path, own_folders: Iterable[Path]) -> str | None:
    """Why a canonical folder can never be registered, said of it ("is inside …"): it
    is inside one of the daemon's own folders; None when it is not."""
    own = holder(path, own_folders)
    if own is None:
        return None
    return (
        f"is inside the daemon's own folder {escaped(str(own))}, "
        "where it keeps the catalog and its previews"
    )


def own_folder_problem(path: Path, own_folders: Iterable[Path]) -> str | None:
    """Why a canonical folder must never be watched, said of it: it is inside one of the
    daemon's own folders, or holds one (its previews would become photos, over and
    over); None when it is apart from them."""
    own_folders = tuple(own_folders)
    inside = inside_own_folder(path, own_folders)
    if inside is not None:
        return inside
    for own in map(Path, map(os.path.realpath, own_folders)):
        if own.is_relative_to(path):
            return (
                f"contains the daemon's own folder {escaped(str(own))}, "
                "where it keeps the catalog and its previews; watch the folders beside it"
            )
    return None


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


def readable_folder(raw: str, field: str = "source_path") -> Path:
    """The folder to register or watch, canonical, or Invalid saying exactly what is wrong
    with it (the request's `field`).

    Canonical (symlinks, `..`, `//` and trailing slashes resolved) so that the same
    folder, however it is spelled, gives every file the same path: a second
    registration then skips what the first one stored."""
    if "\x00" in raw:
        raise Invalid(f"{field} contains a NUL character")
    try:
        path = Path(raw).expanduser()
    except RuntimeError:  # `~user` of an unknown user
        raise Invalid(f"{field}: no home folder for {raw.split('/')[0]!r}") from None
    if not path.is_absolute():
        raise Invalid(f"{field} must be an absolute path, not {raw!r}")
    try:
        real = path.resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError):
        raise Invalid(f"{field}: folder not found: {path}") from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
        # The OS's words alone: an OSError's text repeats the path.
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise Invalid(f"{field} cannot be read: {path}: {reason}") from None
    if not real.is_dir():
        raise Invalid(f"{field} is a file, not a folder: {path}")
    if not storable(str(real)):
        raise Invalid(
            f"{field} leads to {escaped(str(real))}, a path that is not valid Unicode "
            "text, so the catalog cannot store it; rename the folder"
        )
    kind = filesystem_type(real)
    if kind in PSEUDO_FILESYSTEMS:
        raise Invalid(f"{field} is on {kind}, a system pseudo-filesystem without photos: {real}")
    try:
        with os.scandir(real) as entries:
            next(entries, None)
    except OSError as exc:
        raise Invalid(f"{field} cannot be read: {path}: {exc.strerror or exc}") from None
    return real
