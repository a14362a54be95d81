"""Walk a folder and group its files into photos: same directory + stem → one photo.

An XMP sidecar named after its image's whole name (darktable's `IMG_1.CR2.xmp`) joins
the photo of that image's stem, as `IMG_1.xmp` (Lightroom, Capture One, digiKam) does.

The walk streams one directory at a time, so memory stays flat whatever the
folder size. It stays inside the folder it was given: symlinked folders are not
followed (one leading outside is reported; one inside is walked under its real
path anyway), pseudo-filesystems such as /proc are never entered, a folder
reached twice (a bind mount) is walked once, and the daemon's own folders are never
walked, however they are reached. A path the catalog cannot store (a name that is
not text, a path too long) is reported as that file's problem; the walk goes on.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import msgspec

from daemon.paths import (
    MAX_PATH_BYTES,
    escaped,
    holder,
    path_bytes,
    pseudo_mounts,
    storable,
    storable_text,
    too_long,
)

FILE_TYPES = {
    **dict.fromkeys((".jpg", ".jpeg"), "JPEG"),
    **dict.fromkeys((".heic", ".heif"), "HEIC"),
    ".png": "PNG",
    **dict.fromkeys((".tif", ".tiff"), "TIFF"),
    **dict.fromkeys(
        (".cr2", ".cr3", ".nef", ".arw", ".orf", ".rw2", ".dng", ".raf", ".pef", ".srw"), "RAW"
    ),
    ".xmp": "XMP",
}
# Lower is preferred as master; XMP is never a master.
MASTER_RANK = {"JPEG": 0, "HEIC": 1, "PNG": 1, "TIFF": 1, "RAW": 2}
# Folders that operating systems and NAS boxes fill with their own files.
SYSTEM_FOLDERS = frozenset(
    {"$RECYCLE.BIN", "System Volume Information", "@eaDir", "lost+found", "#recycle"}
)
_HIDDEN_ATTRIBUTES = 0x2 | 0x4  # Windows FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM
UNSTORABLE_FILE = (
    "the file name is not valid Unicode text, so the catalog cannot store its path; "
    "rename the file to register it"
)
UNSTORABLE_FOLDER = (
    "the folder name is not valid Unicode text, so the catalog cannot store the paths "
    "of its files; rename the folder to register them"
)
TOO_LONG_FILE = (
    "the file's path is too long for the catalog ({length} bytes, at most "
    f"{MAX_PATH_BYTES}); shorten its name or its folders' names to register it"
)
TOO_LONG_FOLDER = (
    "the folder's path is too long for the catalog ({length} bytes, at most "
    f"{MAX_PATH_BYTES} for the paths of its files); shorten its name or its parents' "
    "names to register them"
)
OWN_FOLDER = "the daemon's own folder, where it keeps the catalog and its previews: never walked"
INSIDE_OWN_FOLDER = (
    "inside the daemon's own folder {own}, where it keeps the catalog and its previews: "
    "never walked"
)


class FileRef(msgspec.Struct, frozen=True):
    """One file of a group."""

    path: str
    file_type: str


class FileGroup(msgspec.Struct, frozen=True):
    """The files that make one photo; `master` is the one previews come from."""

    master: FileRef
    companions: tuple[FileRef, ...] = ()

    @property
    def files(self) -> tuple[FileRef, ...]:
        """Master first, then companions."""
        return (self.master, *self.companions)


class ScanProblem(msgspec.Struct, frozen=True):
    """A folder or file the scan must leave out; `path` is always storable text."""

    path: str
    error: str
    # A folder that could not be read this time (gone, no access): the next scan may
    # read it, unlike a path the catalog cannot store, which stays what it is.
    transient: bool = False


class DirectoryCounts(msgspec.Struct):
    """What one directory held, for progress."""

    files: int = 0
    ignored: int = 0


def skipped_folder(name: str) -> bool:
    """Folders whose files are not the user's photos: OS and NAS housekeeping, and
    Safari's download bundles (`IMG.jpg.download/`), whose file inside is incomplete.
    (Hidden folders are skipped like every hidden entry.)"""
    return name in SYSTEM_FOLDERS or name.lower().endswith(".download")


def file_type(name: str) -> str | None:
    """The catalog file type for a file name, or None when Hotprevue ignores it."""
    return FILE_TYPES.get(os.path.splitext(name)[1].lower())


def sidecar_for(group: FileGroup) -> str | None:
    """The path of the XMP sidecar a group's photo reads, if it has one.

    `<master name>.xmp` first, then `<stem>.xmp`, then another file's (`IMG_1.CR2.xmp`
    beside the master IMG_1.JPG), matched without regard to case."""
    sidecars: dict[str, str] = {}
    for ref in group.companions:
        if ref.file_type == "XMP":
            sidecars.setdefault(os.path.basename(ref.path).lower(), ref.path)
    if not sidecars:
        return None
    master = os.path.basename(group.master.path).lower()
    for name in (f"{master}.xmp", f"{os.path.splitext(master)[0]}.xmp"):
        if name in sidecars:
            return sidecars[name]
    return min(sidecars.values())


def photo_stem(name: str) -> str:
    """The stem a file groups by, lowercase; `IMG_1.CR2.xmp` has the stem of IMG_1.CR2."""
    stem = os.path.splitext(name)[0]
    if file_type(name) == "XMP" and file_type(stem) in MASTER_RANK:
        stem = os.path.splitext(stem)[0]
    return stem.lower()


def group_directory(directory: str, names: list[str]) -> list[FileGroup]:
    """Group one directory's image files by stem (case-insensitive), master chosen by type."""
    by_stem: dict[str, list[FileRef]] = {}
    for name in sorted(names):
        kind = file_type(name)
        if kind is None:
            continue
        stem = photo_stem(name)
        by_stem.setdefault(stem, []).append(FileRef(os.path.join(directory, name), kind))
    groups = []
    for refs in by_stem.values():
        candidates = [ref for ref in refs if ref.file_type in MASTER_RANK]
        if not candidates:
            continue  # a sidecar alone is no photo
        master = min(candidates, key=lambda ref: (MASTER_RANK[ref.file_type], ref.path))
        groups.append(FileGroup(master, tuple(ref for ref in refs if ref is not master)))
    return groups


def unstorable(path: str, *, folder: bool = False) -> ScanProblem | None:
    """The problem of a file (or a folder, for its files) whose path the catalog cannot
    store: a name that is not text, or a path too long. None when it can."""
    if not storable(path):
        return ScanProblem(escaped(path), UNSTORABLE_FOLDER if folder else UNSTORABLE_FILE)
    if too_long(path):
        template = TOO_LONG_FOLDER if folder else TOO_LONG_FILE
        return ScanProblem(path, template.format(length=path_bytes(path)))
    return None


def scan(
    root: Path,
    *,
    recursive: bool = True,
    counts: DirectoryCounts | None = None,
    own_folders: Iterable[Path] = (),
) -> Iterator[FileGroup | ScanProblem]:
    """Yield the file groups under root, directory by directory, and what was left out;
    `own_folders` (the daemon's data and coldpreview folders) are never walked."""
    counts = counts if counts is not None else DirectoryCounts()
    real_root = Path(os.path.realpath(root))
    own = [Path(os.path.realpath(folder)) for folder in own_folders]
    # Checked at every scan, not only when the folder was chosen: a folder replaced by a
    # link into the daemon's previews would otherwise register them, then theirs.
    inside = holder(real_root, own)
    if inside is not None:
        yield ScanProblem(
            storable_text(str(root)), INSIDE_OWN_FOLDER.format(own=escaped(str(inside)))
        )
        return
    problem = unstorable(str(root), folder=True)
    if problem is not None:
        yield problem
        return
    own_keys = _identities(own)
    pseudo = pseudo_mounts()
    seen: set[tuple[int, int]] = set()
    pending = [str(root)]
    while pending:
        directory = pending.pop()
        try:
            identity = os.stat(directory)
        except OSError as exc:
            yield _unreadable(directory, exc)
            continue
        key = (identity.st_dev, identity.st_ino)
        if key in seen:
            continue  # reached again through a bind mount: a loop or a second path
        seen.add(key)
        if key in own_keys:  # under its own name, or through a bind mount
            yield ScanProblem(storable_text(directory), OWN_FOLDER)
            continue
        names: list[str] = []
        subdirectories: list[str] = []
        problems: list[ScanProblem] = []
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    if _hidden(entry):
                        continue
                    try:
                        is_dir = entry.is_dir(follow_symlinks=True)
                        is_file = not is_dir and entry.is_file(follow_symlinks=True)
                        linked = is_dir and entry.is_symlink()
                    except OSError:
                        continue  # a dangling link or a file that vanished
                    if is_dir:
                        if not recursive or skipped_folder(entry.name) or entry.path in pseudo:
                            continue
                        if linked:
                            problem = _linked_folder(entry.path, real_root, own)
                        else:
                            problem = unstorable(entry.path, folder=True)
                            if problem is None:
                                subdirectories.append(entry.path)
                        if problem is not None:
                            problems.append(problem)
                    elif is_file:
                        counts.files += 1
                        if file_type(entry.name) is None:
                            counts.ignored += 1
                        elif (problem := unstorable(entry.path)) is None:
                            names.append(entry.name)
                        else:
                            problems.append(problem)
        except OSError as exc:
            yield _unreadable(directory, exc)
            continue
        yield from problems
        yield from group_directory(directory, names)
        # Reversed so that the stack visits subfolders in name order.
        pending.extend(sorted(subdirectories, reverse=True))


def _unreadable(directory: str, exc: OSError) -> ScanProblem:
    return ScanProblem(
        storable_text(directory), f"cannot read folder: {exc.strerror or exc}", transient=True
    )


def _identities(folders: list[Path]) -> frozenset[tuple[int, int]]:
    """(device, inode) of each folder that exists: what makes it the same folder
    whatever path reaches it."""
    keys = set()
    for folder in folders:
        try:
            identity = os.stat(folder)
        except OSError:
            continue  # not made yet: nothing in it to keep out
        keys.add((identity.st_dev, identity.st_ino))
    return frozenset(keys)


def _linked_folder(path: str, real_root: Path, own: list[Path]) -> ScanProblem | None:
    """A symlinked folder is never walked; say so when its files are not reached otherwise."""
    target = Path(os.path.realpath(path))
    if target.is_relative_to(real_root):
        return None  # the walk reaches it under its real path, so each file has one path
    if holder(target, own) is not None:
        return ScanProblem(
            storable_text(path),
            f"symlinked folder not followed: it leads to {escaped(str(target))}, where "
            "the daemon keeps the catalog and its previews",
        )
    return ScanProblem(
        storable_text(path),
        f"symlinked folder not followed: it leads outside the registered folder, to "
        f"{escaped(str(target))}; register that folder on its own",
    )


def _hidden(entry: os.DirEntry[str]) -> bool:
    """Dot files everywhere; files marked hidden or system on Windows."""
    if entry.name.startswith("."):
        return True
    if os.name != "nt":
        return False
    try:
        attributes: int = entry.stat(follow_symlinks=False).st_file_attributes  # type: ignore[attr-defined]
    except OSError:
        return False
    return bool(attributes & _HIDDEN_ATTRIBUTES)
