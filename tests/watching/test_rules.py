"""Which names the watcher ignores, and which files it treats as one photo."""

from __future__ import annotations

import pytest

from daemon.watching.rules import ignored, photo_key


@pytest.mark.parametrize(
    "name",
    [
        "IMG_1.jpg.part",
        "IMG_1.JPG.crdownload",
        "IMG_1.jpg.tmp",
        "IMG_1.jpg~",
        "IMG_1.jpg.download",
        ".IMG_1.jpg.Xa12bc",  # rsync's temporary name
        "._IMG_1.jpg",  # macOS resource fork
        ".DS_Store",
        "Thumbs.db",
        "desktop.ini",
        "notes.txt",
        "IMG_1",
        "",
    ],
)
def test_ignored(name: str) -> None:
    assert ignored(f"/photos/{name}")


@pytest.mark.parametrize(
    "name",
    [
        "IMG_1.jpg",
        "IMG_1.JPEG",
        "IMG_1.CR2",
        "IMG_1.dng",
        "IMG_1.xmp",
        "IMG_1.CR2.xmp",
        "IMG_1.heic",
        "tmp.jpg",
        "part.jpg",
        "ø\x07 control.jpg",
    ],
)
def test_not_ignored(name: str) -> None:
    assert not ignored(f"/photos/{name}")


def test_files_of_one_photo_share_a_key() -> None:
    keys = {
        photo_key(f"/photos/{name}")
        for name in ("IMG_1.JPG", "img_1.cr2", "IMG_1.xmp", "IMG_1.CR2.xmp")
    }
    assert keys == {("/photos", "img_1")}
    assert photo_key("/photos/IMG_1.notes.xmp") == ("/photos", "img_1.notes")
    assert photo_key("/other/IMG_1.JPG") != photo_key("/photos/IMG_1.JPG")
