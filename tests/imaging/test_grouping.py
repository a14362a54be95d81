"""Grouping: one photo per directory + stem, master by type, a scan that never hangs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import psutil
import pytest

from daemon.imaging.grouping import (
    DirectoryCounts,
    FileGroup,
    ScanProblem,
    group_directory,
    scan,
    sidecar_for,
)


def touch(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"x")


def groups(root: Path, **kw: object) -> list[FileGroup]:
    return [item for item in scan(root, **kw) if isinstance(item, FileGroup)]  # type: ignore[arg-type]


def test_raw_jpeg_and_xmp_are_one_photo_with_the_jpeg_as_master(tmp_path: Path) -> None:
    touch(tmp_path, "IMG_1234.CR2", "IMG_1234.JPG", "IMG_1234.xmp", "IMG_1235.NEF")
    found = groups(tmp_path)
    assert len(found) == 2
    pair = next(g for g in found if g.master.path.endswith("IMG_1234.JPG"))
    assert pair.master.file_type == "JPEG"
    assert sorted((Path(f.path).name, f.file_type) for f in pair.companions) == [
        ("IMG_1234.CR2", "RAW"),
        ("IMG_1234.xmp", "XMP"),
    ]
    raw_only = next(g for g in found if g.master.path.endswith("IMG_1235.NEF"))
    assert (raw_only.master.file_type, raw_only.companions) == ("RAW", ())


def test_darktable_sidecars_join_the_photo_of_their_image(tmp_path: Path) -> None:
    # darktable names a sidecar after the whole file name: IMG_1234.CR2.xmp.
    touch(tmp_path, "IMG_1234.CR2", "IMG_1234.JPG", "IMG_1234.CR2.xmp", "img_1234.jpg.XMP")
    touch(tmp_path, "solo.NEF.xmp", "solo.nef", "notes.txt.xmp", "notes.jpg", "x.xmp.xmp", "x.png")
    found = {Path(g.master.path).name: g for g in groups(tmp_path)}
    assert sorted(found) == ["IMG_1234.JPG", "notes.jpg", "solo.nef", "x.png"]
    assert sorted(Path(f.path).name for f in found["IMG_1234.JPG"].companions) == [
        "IMG_1234.CR2",
        "IMG_1234.CR2.xmp",
        "img_1234.jpg.XMP",
    ]
    assert [Path(f.path).name for f in found["solo.nef"].companions] == ["solo.NEF.xmp"]
    # Only an image's name inside makes the inner stem: notes.txt.xmp and x.xmp.xmp
    # belong to no photo.
    assert found["notes.jpg"].companions == found["x.png"].companions == ()


def group(*names: str) -> FileGroup:
    (found,) = group_directory("/photos", list(names))
    return found


@pytest.mark.parametrize(
    ("names", "sidecar"),
    [
        (["IMG_1.JPG"], None),
        (["IMG_1.JPG", "IMG_1.CR2"], None),
        (["IMG_1.JPG", "IMG_1.xmp"], "IMG_1.xmp"),
        (["IMG_1.JPG", "img_1.XMP"], "img_1.XMP"),
        (["IMG_1.JPG", "IMG_1.xmp", "IMG_1.JPG.xmp"], "IMG_1.JPG.xmp"),
        (["IMG_1.JPG", "IMG_1.jpg.XMP", "IMG_1.xmp"], "IMG_1.jpg.XMP"),
        (["IMG_1.JPG", "IMG_1.CR2", "IMG_1.CR2.xmp", "IMG_1.xmp"], "IMG_1.xmp"),
        # A RAW+JPEG pair darktable edited as RAW: the RAW's sidecar is the photo's.
        (["IMG_1.JPG", "IMG_1.CR2", "IMG_1.CR2.xmp"], "IMG_1.CR2.xmp"),
        (["IMG_1.CR2", "IMG_1.CR2.xmp", "IMG_1.xmp"], "IMG_1.CR2.xmp"),
    ],
)
def test_the_sidecar_a_photo_reads(names: list[str], sidecar: str | None) -> None:
    expected = None if sidecar is None else f"/photos/{sidecar}"
    assert sidecar_for(group(*names)) == expected


def test_heic_png_tiff_outrank_raw(tmp_path: Path) -> None:
    touch(tmp_path, "a.heic", "a.dng", "b.png", "b.arw", "c.TIF", "c.raf")
    masters = sorted((Path(g.master.path).name, g.master.file_type) for g in groups(tmp_path))
    assert masters == [("a.heic", "HEIC"), ("b.png", "PNG"), ("c.TIF", "TIFF")]


def test_stems_match_across_case(tmp_path: Path) -> None:
    touch(tmp_path, "dsc_0001.jpg", "DSC_0001.NEF")
    (group,) = groups(tmp_path)
    assert len(group.files) == 2


def test_sidecars_alone_unknown_and_hidden_files_are_ignored(tmp_path: Path) -> None:
    touch(tmp_path, "lonely.xmp", "notes.txt", "movie.mp4", ".hidden.jpg", "Thumbs.db", "a.jpg")
    touch(tmp_path / ".git", "b.jpg")
    touch(tmp_path / "@eaDir", "c.jpg")
    counts = DirectoryCounts()
    found = groups(tmp_path, counts=counts)
    assert [Path(g.master.path).name for g in found] == ["a.jpg"]
    assert counts.ignored == 3  # notes.txt, movie.mp4, Thumbs.db
    assert counts.files == 5  # the hidden file and folders are not even counted


def test_recursion_and_its_absence(tmp_path: Path) -> None:
    touch(tmp_path, "top.jpg")
    touch(tmp_path / "2024" / "june", "deep.jpg")
    assert len(groups(tmp_path)) == 2
    assert [Path(g.master.path).name for g in groups(tmp_path, recursive=False)] == ["top.jpg"]


def test_symlink_loops_never_hang(tmp_path: Path) -> None:
    touch(tmp_path / "a", "one.jpg")
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    (tmp_path / "also-a").symlink_to(tmp_path / "a")
    found = groups(tmp_path)
    assert [Path(g.master.path).name for g in found] == ["one.jpg"]


def test_dangling_links_are_skipped(tmp_path: Path) -> None:
    touch(tmp_path, "ok.jpg")
    (tmp_path / "dangling.jpg").symlink_to(tmp_path / "gone.jpg")
    assert [Path(g.master.path).name for g in groups(tmp_path)] == ["ok.jpg"]


def test_missing_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    items = list(scan(tmp_path / "unplugged"))
    assert len(items) == 1
    assert isinstance(items[0], ScanProblem)
    assert "cannot read folder" in items[0].error


def test_scan_is_lazy(tmp_path: Path) -> None:
    for i in range(3):
        touch(tmp_path / f"d{i}", "x.jpg")
    iterator = scan(tmp_path)
    first = next(iterator)
    assert isinstance(first, FileGroup)


def problems(root: Path, **kw: object) -> dict[str, str]:
    return {
        item.path: item.error
        for item in scan(root, **kw)  # type: ignore[arg-type]
        if isinstance(item, ScanProblem)
    }


def test_undecodable_names_are_problems_and_the_scan_goes_on(tmp_path: Path) -> None:
    touch(tmp_path, "good.jpg", os.fsdecode(b"P02075x\xff.jpg"), os.fsdecode(b"notes\xfe.txt"))
    touch(tmp_path / os.fsdecode(b"roll\xfa"), "inside.jpg")
    touch(tmp_path / "later", "after.jpg")
    counts = DirectoryCounts()
    found = groups(tmp_path, counts=counts)
    assert sorted(Path(g.master.path).name for g in found) == ["after.jpg", "good.jpg"]
    assert (counts.files, counts.ignored) == (4, 1)  # the folder's own file is never reached
    reported = problems(tmp_path)
    assert set(reported) == {f"{tmp_path}/P02075x\\xff.jpg", f"{tmp_path}/roll\\xfa"}
    assert "rename the file" in reported[f"{tmp_path}/P02075x\\xff.jpg"]
    assert "rename the folder" in reported[f"{tmp_path}/roll\\xfa"]
    for path in reported:
        path.encode("utf-8")  # storable text, whatever the name was


def test_hostile_but_valid_names_are_kept_exactly(tmp_path: Path) -> None:
    names = ["new\nline.jpg", "esc\x1b[0m.jpg", "c1\u009b.jpg", "a" * 251 + ".jpg", "📷.jpg"]
    touch(tmp_path, *names)
    touch(tmp_path / "tab\tfolder", "x.jpg")
    found = {g.master.path for g in groups(tmp_path)}
    assert found == {str(tmp_path / n) for n in names} | {str(tmp_path / "tab\tfolder" / "x.jpg")}
    assert problems(tmp_path) == {}


def test_symlinked_folders_stay_inside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    touch(root / "real", "a.jpg")
    touch(tmp_path / "outside", "b.jpg")
    (root / "alias").symlink_to(root / "real")
    (root / "away").symlink_to(tmp_path / "outside")
    (root / "relative-away").symlink_to(Path("..") / "outside")
    (root / "root").symlink_to("/")
    found = [g.master.path for g in groups(root)]
    assert found == [str(root / "real" / "a.jpg")]  # one path per file: the real one
    reported = problems(root)
    assert set(reported) == {str(root / "away"), str(root / "relative-away"), str(root / "root")}
    assert all(error.startswith("symlinked folder not followed") for error in reported.values())
    # Not recursive: no folder is walked, so none is reported either.
    assert problems(root, recursive=False) == {}


def test_a_symlinked_root_is_walked_within_its_target(tmp_path: Path) -> None:
    touch(tmp_path / "real" / "sub", "a.jpg")
    (tmp_path / "real" / "back").symlink_to(tmp_path / "real" / "sub")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert [Path(g.master.path).name for g in groups(tmp_path / "link")] == ["a.jpg"]
    assert problems(tmp_path / "link") == {}


def test_pseudo_filesystem_mounts_inside_the_root_are_never_entered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(tmp_path / "photos", "a.jpg")
    touch(tmp_path / "proc" / "1" / "root", "b.jpg")
    touch(tmp_path / "sys", "c.jpg")
    real = psutil.disk_partitions(all=True)

    def mounted(device: str, folder: Path, kind: str) -> Any:
        return real[0]._replace(device=device, mountpoint=str(folder), fstype=kind)

    # The mount table is the OS edge here: these two folders play mounted /proc and /sys.
    fake = [
        *real,
        mounted("proc", tmp_path / "proc", "proc"),
        mounted("sysfs", tmp_path / "sys", "sysfs"),
        # A real filesystem mounted later over a pseudo one hides it.
        mounted("/dev/sdb1", tmp_path / "sys", "ext4"),
    ]
    monkeypatch.setattr(psutil, "disk_partitions", lambda all=False: fake)
    found = sorted(Path(g.master.path).name for g in groups(tmp_path))
    assert found == ["a.jpg", "c.jpg"]
    assert problems(tmp_path) == {}
