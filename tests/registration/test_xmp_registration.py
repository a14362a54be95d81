"""XMP through registration: a new photo takes its rating and keywords from its sidecar
and its own XMP; a photo already in the catalog never changes; bad XMP never fails one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image

from tests.support import xmp_files
from tests.support.app import Client
from tests.support.factories import register
from tests.support.images import write_jpeg
from tests.support.xmp_files import hierarchical, packet


async def photos_by_master(client: Client) -> dict[str, dict[str, Any]]:
    """Every photo's detail, by the file name of its master."""
    listed = (await client.get("/api/photos")).json()
    details = [(await client.get(f"/api/photos/{p['hothash']}")).json() for p in listed]
    return {
        Path(next(f["file_path"] for f in d["files"] if f["is_master"])).name: d for d in details
    }


async def session_errors(client: Client, session: dict[str, Any]) -> dict[str, str]:
    response = await client.get(f"/api/input-sessions/{session['id']}/errors")
    return {e["file_path"]: e["error"] for e in response.json()}


def with_embedded_xmp(path: Path, data: bytes, *, seed: int) -> Path:
    """Rewrite a JPEG with an XMP packet of its own."""
    write_jpeg(path, 640, 480, seed=seed)
    with Image.open(path) as image:
        image.load()
        exif = image.info["exif"]
        image.save(path, quality=90, exif=exif, xmp=data)
    return path


async def test_sidecars_give_new_photos_their_rating_and_keywords(
    client: Client, tmp_path: Path
) -> None:
    folder = tmp_path / "trip"
    write_jpeg(folder / "IMG_1.jpg", 640, 480, seed=1)
    (folder / "IMG_1.xmp").write_bytes(xmp_files.lightroom("4"))
    write_jpeg(folder / "IMG_2.jpg", 640, 480, seed=2)
    # Embedded: rating 2 and a keyword; the sidecar: rating 5 and no keywords.
    embedded = packet(hierarchical([("Trips", "Embedded")]), attributes='xmp:Rating="2"')
    with_embedded_xmp(folder / "IMG_3.jpg", embedded, seed=3)
    (folder / "IMG_3.xmp").write_bytes(xmp_files.digikam("5", paths=[]))
    with_embedded_xmp(folder / "IMG_4.jpg", xmp_files.capture_one("1"), seed=4)

    session = await register(client, folder)
    assert (session["status"], session["photo_count"], session["error_count"]) == (
        "completed",
        4,
        0,
    )
    photos = await photos_by_master(client)
    found = {name: (p["rating"], p["tags"]) for name, p in photos.items()}
    assert found == {
        "IMG_1.jpg": (4, ["bergen", "fjord"]),
        "IMG_2.jpg": (None, []),
        "IMG_3.jpg": (5, ["embedded"]),  # the sidecar wins field by field
        "IMG_4.jpg": (1, ["bergen", "fjord"]),
    }
    files = {(Path(f["file_path"]).name, f["file_type"]) for f in photos["IMG_1.jpg"]["files"]}
    assert files == {("IMG_1.jpg", "JPEG"), ("IMG_1.xmp", "XMP")}


async def test_a_darktable_sidecar_beside_a_raw_jpeg_pair(client: Client, tmp_path: Path) -> None:
    folder = tmp_path / "pair"
    write_jpeg(folder / "IMG_1234.JPG", 640, 480, seed=5)
    # Never decoded: the JPEG is the master.
    (folder / "IMG_1234.CR2").write_bytes(b"II*\x00 not a real raw")
    (folder / "IMG_1234.CR2.xmp").write_bytes(
        xmp_files.darktable("3", paths=[("Places", "Norway", "Lofoten"), ("Boat",)])
    )
    session = await register(client, folder)
    assert (session["photo_count"], session["error_count"]) == (1, 0)
    (photo,) = (await photos_by_master(client)).values()
    assert (photo["rating"], photo["tags"]) == (3, ["boat", "lofoten"])
    assert sorted((Path(f["file_path"]).name, f["is_master"]) for f in photo["files"]) == [
        ("IMG_1234.CR2", False),
        ("IMG_1234.CR2.xmp", False),
        ("IMG_1234.JPG", True),
    ]


async def test_the_catalog_wins_over_the_file_once_registered(
    client: Client, tmp_path: Path
) -> None:
    folder = tmp_path / "kept"
    jpeg = write_jpeg(folder / "IMG_1.jpg", 640, 480, seed=6)
    sidecar = folder / "IMG_1.xmp"
    sidecar.write_bytes(xmp_files.lightroom("2"))
    await register(client, folder)
    (photo,) = (await photos_by_master(client)).values()
    assert (photo["rating"], photo["tags"]) == (2, ["bergen", "fjord"])

    changed = await client.patch(
        f"/api/photos/{photo['hothash']}", json={"rating": 1, "tags": ["Mine"]}
    )
    assert changed.status_code == 200, changed.text
    # The files change too: the sidecar, and a copy of the photo with a sidecar of its own.
    sidecar.write_bytes(xmp_files.lightroom("5", paths=[("Other",)]))
    (folder / "copy").mkdir()
    (folder / "copy" / "IMG_1.jpg").write_bytes(jpeg.read_bytes())
    (folder / "copy" / "IMG_1.xmp").write_bytes(xmp_files.darktable("4", paths=[("Copy",)]))

    again = await register(client, folder)
    counts = ("status", "photo_count", "already_registered_count", "duplicate_count")
    assert tuple(again[key] for key in counts) == ("completed", 0, 1, 1)
    detail = (await client.get(f"/api/photos/{photo['hothash']}")).json()
    assert (detail["rating"], detail["tags"]) == (1, ["mine"])


async def test_unreadable_xmp_is_a_session_error_and_the_photo_registers(
    client: Client, tmp_path: Path
) -> None:
    folder = tmp_path / "hostile"
    write_jpeg(folder / "IMG_1.jpg", 640, 480, seed=7)
    bomb = folder / "IMG_1.xmp"
    bomb.write_bytes(xmp_files.billion_laughs())
    inner = with_embedded_xmp(folder / "IMG_2.jpg", b"<x:xmpmeta>cut off", seed=8)
    write_jpeg(folder / "IMG_3.jpg", 640, 480, seed=9)
    (folder / "IMG_3.xmp").write_bytes(b"\x00" * 100)

    session = await register(client, folder)
    assert (session["status"], session["photo_count"], session["error_count"]) == (
        "completed",
        3,
        3,
    )
    errors = await session_errors(client, session)
    assert set(errors) == {str(bomb), str(inner), str(folder / "IMG_3.xmp")}
    assert errors[str(bomb)].startswith("XMP not read: the XMP declares a DTD or entities")
    assert errors[str(inner)].startswith(
        "XMP not read: the XMP embedded in the image: the XMP is not well-formed XML"
    )
    assert errors[str(folder / "IMG_3.xmp")] == "XMP not read: the XMP is empty"
    photos = await photos_by_master(client)
    assert {name: p["rating"] for name, p in photos.items()} == dict.fromkeys(
        ("IMG_1.jpg", "IMG_2.jpg", "IMG_3.jpg")
    )


async def test_upload_overrides_win_over_embedded_xmp(client: Client, tmp_path: Path) -> None:
    created = await client.post(
        "/api/input-sessions",
        json={"name": "Laptop", "source_path": "C:\\Pictures", "upload": True},
    )
    session = created.json()["id"]
    jpegs = [
        with_embedded_xmp(tmp_path / f"IMG_{n}.jpg", xmp_files.lightroom("3"), seed=10 + n)
        for n in (1, 2)
    ]
    overrides: list[dict[str, Any]] = [{"rating": 5, "tags": ["Summer"]}, {}]
    for jpeg, override in zip(jpegs, overrides, strict=True):
        metadata = {"path": f"C:\\Pictures\\{jpeg.name}", "type": "JPEG", "overrides": override}
        sent = await client.post(
            f"/api/input-sessions/{session}/groups",
            files={"file": (jpeg.name, jpeg.read_bytes(), "application/octet-stream")},
            data={"metadata": json.dumps(metadata)},
        )
        assert sent.status_code == 201, sent.text
    photos = await photos_by_master(client)
    assert {name: (p["rating"], p["tags"]) for name, p in photos.items()} == {
        "C:\\Pictures\\IMG_1.jpg": (5, ["bergen", "fjord", "summer"]),
        "C:\\Pictures\\IMG_2.jpg": (3, ["bergen", "fjord"]),
    }
