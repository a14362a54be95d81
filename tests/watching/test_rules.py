"""Which paths the watcher ignores, and which files it treats as one photo."""

from __future__ import annotations

import pytest

from daemon.watching.rules import ignored, photo_key

ROOT = "/photos"


@pytest.mark.parametrize(
    "relative",
    [
        "IMG_1.jpg.part",
        "IMG_1.JPG.crdownload",
        "IMG_1.jpg.tmp",
        "IMG_1.jpg~",
        ".IMG_1.jpg.Xa12bc",  # rsync's temporary name
        "._IMG_1.jpg",  # macOS resource fork
        ".DS_Store",
        "Thumbs.db",
        "notes.txt",
        "IMG_1",
        ".Trash-1000/files/IMG_1.jpg",
        "2024/.stversions/IMG_1.jpg",  # Syncthing's old versions
        "@eaDir/IMG_1.jpg/SYNOPHOTO_THUMB_XL.jpg",  # Synology thumbnails
        "$RECYCLE.BIN/IMG_1.jpg",
        "IMG_1.jpg.download/IMG_1.jpg",  # Safari's download bundle
        "../elsewhere/IMG_1.jpg",
    ],
)
def test_ignored(relative: str) -> None:
    assert ignored(f"{ROOT}/{relative}", ROOT)


@pytest.mark.parametrize(
    "relative",
    [
        "IMG_1.jpg",
        "IMG_1.JPEG",
        "IMG_1.CR2",
        "IMG_1.dng",
        "IMG_1.xmp",
        "IMG_1.CR2.xmp",
        "IMG_1.heic",
        "tmp.jpg",
        "2024/part/IMG_1.jpg",
        "ø\x07 control.jpg",
    ],
)
def test_not_ignored(relative: str) -> None:
    assert not ignored(f"{ROOT}/{relative}", ROOT)


def test_files_of_one_photo_share_a_key() -> None:
    keys = {
        photo_key(f"/photos/{name}")
        for name in ("IMG_1.JPG", "img_1.cr2", "IMG_1.xmp", "IMG_1.CR2.xmp")
    }
    assert keys == {("/photos", "img_1")}
    assert photo_key("/photos/IMG_1.notes.xmp") == ("/photos", "img_1.notes")
    assert photo_key("/other/IMG_1.JPG") != photo_key("/photos/IMG_1.JPG")
