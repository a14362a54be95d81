"""`GET /api/collections/{id}/export`: a streamed ZIP of photos, collection.json, index.html."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import io
import itertools
import json
import socket
import struct
import time
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypeAlias
from urllib.parse import unquote, urlsplit

import asyncpg
import psutil
import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

from daemon.app import create_app
from daemon.config import Settings, load_settings
from daemon.imaging import coldpreviews
from daemon.security import API_KEY_HEADER
from protocol.sync import (
    CONTENT_SHA256_HEADER,
    SyncBatch,
    SyncCollection,
    SyncCollectionItem,
    SyncPhotoCorrection,
)
from tests.support.app import Client
from tests.support.central import (
    CENTRAL_URL,
    T0,
    image_file,
    new_machine,
    photo,
    photographer,
    push,
)
from tests.support.daemon_process import DaemonProcess
from tests.support.images import jpeg_bytes, photo_like
from tests.sync.flows import catalog_dsn

INSERT_PHOTOS = """
INSERT INTO photos (hothash, hotpreview_b64, coldpreview_path, photographer_id, taken_at)
SELECT h, 'AA==', p, (SELECT id FROM photographers WHERE is_default), $3
FROM unnest($1::text[], $2::text[]) AS u(h, p)
"""
INSERT_ITEMS = """
INSERT INTO collection_items (collection_id, hothash, position)
SELECT $1, h, n - 1 FROM unnest($2::text[]) WITH ORDINALITY AS u(h, n)
"""
TAKEN = datetime(2024, 6, 1, 12, 30)
ISLAND_SUMMER = "Ærø \u2013 sommer 2024"  # an en dash


async def seed_photos(
    conn: Any,
    coldpreview_dir: Path,
    count: int,
    *,
    size: tuple[int, int] = (64, 48),
    with_files: bool = True,
) -> list[str]:
    """Insert `count` photos straight into the catalog, each with a real coldpreview file
    (distinct images for the first 8, then repeated: the export only copies bytes)."""
    hothashes = [hashlib.sha256(f"export {i}".encode()).hexdigest() for i in range(count)]
    images = [jpeg_bytes(photo_like(*size, seed)) for seed in range(min(count, 8))]
    paths = [coldpreviews.relative_path(h) for h in hothashes]
    if with_files:
        for relative, data in zip(paths, itertools.cycle(images), strict=False):
            target = coldpreview_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    await conn.execute(INSERT_PHOTOS, hothashes, paths, TAKEN)
    return hothashes


async def seed_collection(
    dsn: str, coldpreview_dir: Path, count: int, *, size: tuple[int, int] = (1200, 900)
) -> tuple[uuid.UUID, list[str]]:
    """A collection of `count` photos with coldpreview files of a realistic size, made in
    a second or two straight in the catalog of a running daemon (for benchmarks too):
    `seed_collection(catalog_dsn(daemon), daemon.paths.coldpreviews, 300)`."""
    conn = await asyncpg.connect(dsn)
    try:
        hothashes = await seed_photos(conn, coldpreview_dir, count, size=size)
        collection_id: uuid.UUID = await conn.fetchval(
            "INSERT INTO collections (name) VALUES ($1) RETURNING id", f"{count} photos"
        )
        await conn.execute(INSERT_ITEMS, collection_id, hothashes)
        return collection_id, hothashes
    finally:
        await conn.close()


async def new_collection(client: Client, name: str = "Best of", **body: Any) -> str:
    response = await client.post("/api/collections", json={"name": name, **body})
    assert response.status_code == 201, response.text
    collection_id: str = response.json()["id"]
    return collection_id


async def add_item(client: Client, collection_id: str, **body: Any) -> dict[str, Any]:
    response = await client.post(f"/api/collections/{collection_id}/items", json=body)
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()
    return item


async def exported(client: Client, collection_id: str) -> tuple[Any, zipfile.ZipFile]:
    """The export's response, and its body opened as a ZIP (checked entry by entry)."""
    response = await client.get(f"/api/collections/{collection_id}/export")
    assert response.status_code == 200, response.text
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    return response, archive


def document(archive: zipfile.ZipFile) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(archive.read("collection.json"))
    return loaded


class Page(HTMLParser):
    """index.html as tags and the text a browser would show."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())

    def images(self) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == "img"]


def page(archive: zipfile.ZipFile) -> Page:
    return Page(archive.read("index.html").decode())


def walk_local_headers(body: bytes) -> list[str]:
    """Read the ZIP front to back by its local headers alone, as a streaming unzipper
    does (no central directory, no data descriptors): the names, each entry's CRC checked."""
    names, offset = [], 0
    while body[offset : offset + 4] == b"PK\x03\x04":
        flags, method, _, _, crc, packed, size, name_length, extra_length = struct.unpack(
            "<HHHHIIIHH", body[offset + 6 : offset + 30]
        )
        assert flags & 0x08 == 0
        start = offset + 30 + name_length + extra_length
        data = body[start : start + packed]
        if method == zipfile.ZIP_DEFLATED:
            data = zlib.decompress(data, wbits=-15)
        assert (zlib.crc32(data), len(data)) == (crc, size)
        names.append(body[offset + 30 : offset + 30 + name_length].decode())
        offset = start + packed
    assert body[offset : offset + 4] == b"PK\x01\x02"  # the central directory follows
    return names


async def test_photos_and_cards_in_collection_order(
    client: Client, settings: Settings, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        h = await seed_photos(conn, settings.coldpreview_dir, 3)
    cid = await new_collection(client, "Summer", description="Three days\nby the sea")
    first = await add_item(client, cid, hothash=h[0], caption="Arrival")
    card = await add_item(client, cid, title="Day 2", body="We went on\nand on")
    second = await add_item(client, cid, hothash=h[1])
    third = await add_item(client, cid, hothash=h[2], caption="Last light")
    order = [third["id"], first["id"], card["id"], second["id"]]
    reordered = await client.put(f"/api/collections/{cid}/items", json={"item_ids": order})
    assert reordered.status_code == 200

    response, archive = await exported(client, cid)
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"Summer.zip\"; filename*=UTF-8''Summer.zip"
    )
    photos = [f"photos/0001-{h[2]}.jpg", f"photos/0002-{h[0]}.jpg", f"photos/0003-{h[1]}.jpg"]
    assert archive.namelist() == [*photos, "collection.json", "index.html"]
    for name, hothash in zip(photos, [h[2], h[0], h[1]], strict=True):
        # No correction: the coldpreview's own bytes, not re-encoded.
        on_disk = (settings.coldpreview_dir / coldpreviews.relative_path(hothash)).read_bytes()
        assert archive.read(name) == on_disk
    for info in archive.infolist():
        jpeg = info.filename.endswith(".jpg")
        assert info.compress_type == (zipfile.ZIP_STORED if jpeg else zipfile.ZIP_DEFLATED)
        assert info.external_attr >> 16 == 0o644
    # Sizes in the local headers, no data descriptors: macOS's Archive Utility refuses
    # stored entries with them.
    assert walk_local_headers(response.content) == archive.namelist()

    described = document(archive)
    assert (described["name"], described["description"]) == ("Summer", "Three days\nby the sea")
    assert datetime.fromisoformat(described["exported_at"]) <= datetime.now(UTC)
    items = described["items"]
    assert [i["position"] for i in items] == [1, 2, 3, 4]
    assert [i["kind"] for i in items] == ["photo", "photo", "text", "photo"]
    assert [i["hothash"] for i in items] == [h[2], h[0], None, h[1]]
    assert [i["file"] for i in items] == [photos[0], photos[1], None, photos[2]]
    assert [i["missing"] for i in items] == [False] * 4
    assert [i["caption"] for i in items] == ["Last light", "Arrival", "", ""]
    assert (items[2]["title"], items[2]["body"]) == ("Day 2", "We went on\nand on")
    assert items[0]["taken_at"] == "2024-06-01T12:30:00"
    assert items[0]["photographer"]

    shown = page(archive)
    assert [img["src"] for img in shown.images()] == photos
    assert [img["alt"] for img in shown.images()] == ["Last light", "Arrival", "Photo 3"]
    text = shown.text
    assert text.index("Summer") < text.index("Last light") < text.index("Arrival")
    assert text.index("Arrival") < text.index("Day 2") < text.index("We went on\nand on")


async def test_catalog_text_is_escaped_and_the_page_loads_nothing(
    client: Client, settings: Settings, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        (h,) = await seed_photos(conn, settings.coldpreview_dir, 1)
    name = "<script>alert(1)</script>"
    cid = await new_collection(client, name, description='Tom & "Jerry" <i>')
    await add_item(client, cid, hothash=h, caption='<b>bold</b> "quoted" <img src=x>')
    await add_item(client, cid, title="</section><script>x()</script>", body="<a href=//evil>")

    _, archive = await exported(client, cid)
    raw = archive.read("index.html").decode()
    assert "<script" not in raw
    assert "<b>" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    shown = page(archive)
    # The browser shows the catalog's text exactly as typed.
    assert name in shown.text
    assert 'Tom & "Jerry" <i>' in shown.text
    assert '<b>bold</b> "quoted" <img src=x>' in shown.text
    assert "</section><script>x()</script>" in shown.text
    assert "<a href=//evil>" in shown.text
    assert shown.images()[0]["alt"] == '<b>bold</b> "quoted" <img src=x>'
    # Self-contained: the only element that refers elsewhere is the photo, in the ZIP.
    tags = {tag for tag, _ in shown.tags}
    assert tags <= {
        "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "main",
        "figure", "img", "figcaption", "section", "div", "footer",
    }  # fmt: skip
    for _, attrs in shown.tags:
        assert set(attrs) <= {"charset", "name", "content", "class", "src", "alt", "loading"}
    assert [img["src"] for img in shown.images()] == [f"photos/0001-{h}.jpg"]
    assert "url(" not in raw
    assert "@import" not in raw


async def test_a_missing_coldpreview_is_marked_and_the_rest_go(
    client: Client, settings: Settings, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        h = await seed_photos(conn, settings.coldpreview_dir, 3)
    cid = await new_collection(client)
    await client.post(f"/api/collections/{cid}/items/batch", json={"hothashes": h})
    (settings.coldpreview_dir / coldpreviews.relative_path(h[1])).unlink()

    _, archive = await exported(client, cid)
    assert archive.namelist() == [
        f"photos/0001-{h[0]}.jpg",
        f"photos/0003-{h[2]}.jpg",
        "collection.json",
        "index.html",
    ]
    items = document(archive)["items"]
    assert [(i["missing"], i["file"]) for i in items] == [
        (False, f"photos/0001-{h[0]}.jpg"),
        (True, None),
        (False, f"photos/0003-{h[2]}.jpg"),
    ]
    assert items[1]["hothash"] == h[1]
    shown = page(archive)
    assert [img["src"] for img in shown.images()] == [items[0]["file"], items[2]["file"]]
    assert "This photo's preview is missing" in shown.text


async def test_corrections_are_applied(
    client: Client, settings: Settings, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        turned, neutral, plain = await seed_photos(conn, settings.coldpreview_dir, 3)
    cid = await new_collection(client)
    await client.post(
        f"/api/collections/{cid}/items/batch", json={"hothashes": [turned, neutral, plain]}
    )
    for hothash, body in ((turned, {"rotation": 90}), (neutral, {"rotation": 0})):
        response = await client.put(f"/api/photos/{hothash}/correction", json=body)
        assert response.status_code == 200, response.text

    def sizes(archive: zipfile.ZipFile) -> list[tuple[int, int]]:
        return [
            Image.open(io.BytesIO(archive.read(name))).size
            for name in archive.namelist()
            if name.endswith(".jpg")
        ]

    _, archive = await exported(client, cid)
    assert sizes(archive) == [(48, 64), (64, 48), (64, 48)]
    original = (settings.coldpreview_dir / coldpreviews.relative_path(neutral)).read_bytes()
    assert archive.read(f"photos/0002-{neutral}.jpg") == original

    # Central keeps no corrected file (only the row): the correction is applied afresh.
    (settings.coldpreview_dir / coldpreviews.corrected_relative_path(turned)).unlink()
    _, archive = await exported(client, cid)
    assert sizes(archive) == [(48, 64), (64, 48), (64, 48)]
    assert document(archive)["items"][0]["missing"] is False


async def test_download_names(client: Client) -> None:
    cases = {
        ISLAND_SUMMER: (
            "_r_ _ sommer 2024.zip",
            "%C3%86r%C3%B8%20%E2%80%93%20sommer%202024.zip",
        ),
        "Café": ("Cafe.zip", "Caf%C3%A9.zip"),
        "../Trip/2024\\x\x07y\u202e": ("-Trip-2024-x y.zip", "-Trip-2024-x%20y.zip"),
        'Say "cheese"': ("Say _cheese_.zip", "Say%20%22cheese%22.zip"),
        "...": ("collection.zip", "collection.zip"),
    }
    for name, (fallback, encoded) in cases.items():
        response = await client.get(f"/api/collections/{await new_collection(client, name)}/export")
        assert response.status_code == 200
        assert response.headers["content-disposition"] == (
            f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
        )
    assert unquote(cases[ISLAND_SUMMER][1], encoding="utf-8") == f"{ISLAND_SUMMER}.zip"


async def test_unknown_collection_is_404(client: Client) -> None:
    response = await client.get(f"/api/collections/{uuid.uuid4()}/export")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert "not found" in response.json()["detail"]


async def test_empty_text_only_and_trashed(
    client: Client, settings: Settings, pool: asyncpg.Pool
) -> None:
    empty = await new_collection(client, "Empty")
    _, archive = await exported(client, empty)
    assert archive.namelist() == ["collection.json", "index.html"]
    assert document(archive)["items"] == []
    assert page(archive).images() == []

    cards = await new_collection(client, "Cards")
    await add_item(client, cards, title="Hello", body="")
    await add_item(client, cards, title="", body="Only a body")
    _, archive = await exported(client, cards)
    assert archive.namelist() == ["collection.json", "index.html"]
    items = document(archive)["items"]
    assert [(i["kind"], i["title"], i["body"], i["missing"]) for i in items] == [
        ("text", "Hello", "", False),
        ("text", "", "Only a body", False),
    ]
    assert {"Hello", "Only a body"} <= set(page(archive).text)

    async with pool.acquire() as conn:
        h = await seed_photos(conn, settings.coldpreview_dir, 3)
    mixed = await new_collection(client, "Mixed")
    await client.post(f"/api/collections/{mixed}/items/batch", json={"hothashes": h})
    assert (await client.post(f"/api/photos/{h[0]}/delete")).status_code == 200
    _, archive = await exported(client, mixed)
    # A photo in the trash is not handed on; the numbers count the photos that are.
    assert [i["hothash"] for i in document(archive)["items"]] == h[1:]
    assert archive.namelist()[:2] == [f"photos/0001-{h[1]}.jpg", f"photos/0002-{h[2]}.jpg"]


async def test_ten_thousand_photos_take_five_digits(
    client: Client, settings: Settings, pool: asyncpg.Pool
) -> None:
    cid = await new_collection(client, "Big")
    async with pool.acquire() as conn:
        h = await seed_photos(conn, settings.coldpreview_dir, 10_000, with_files=False)
        await conn.execute(INSERT_ITEMS, uuid.UUID(cid), h)
    for hothash in (h[0], h[-1]):
        target = settings.coldpreview_dir / coldpreviews.relative_path(hothash)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(jpeg_bytes(photo_like(16, 12, 1)))
    _, archive = await exported(client, cid)
    assert archive.namelist()[:2] == [f"photos/00001-{h[0]}.jpg", f"photos/10000-{h[-1]}.jpg"]
    items = document(archive)["items"]
    assert len(items) == 10_000
    assert sum(i["missing"] for i in items) == 9_998


async def test_openapi_documents_a_zip(client: Client) -> None:
    schema = (await client.get("/api/schema/openapi.json")).json()
    operation = schema["paths"]["/api/collections/{collection_id}/export"]["get"]
    assert operation["tags"] == ["collections"]
    assert list(operation["responses"]["200"]["content"]) == ["application/zip"]
    assert "content-disposition" in {h.lower() for h in operation["responses"]["200"]["headers"]}
    assert "404" in operation["responses"]


async def test_central_applies_a_synced_correction_in_exports_and_coldpreviews(
    tmp_path: Path, database_url: str
) -> None:
    settings = load_settings(
        central=True, data_dir=tmp_path / "central", env={"DATABASE_URL": database_url}
    )
    async with AsyncTestClient(app=create_app(settings), base_url=CENTRAL_URL) as central:
        central.headers[API_KEY_HEADER] = settings.paths.api_key.read_text().strip()
        await central_export(central, settings)


async def central_export(central: Client, settings: Settings) -> None:
    """A machine pushes two photos, a correction of one and a collection; central exports."""
    laptop = await new_machine(central, "laptop")
    kari = photographer()
    turned, plain = photo(1, kari.id), photo(2, kari.id)
    collection = SyncCollection(
        id=uuid.uuid4(),
        name="Ærø",
        description="",
        cover_hothash=None,
        created_at=T0,
        updated_at=T0,
    )
    batch = SyncBatch(
        after=0,
        upto=1,
        machine_name="laptop",
        photographers=[kari],
        photos=[turned, plain],
        image_files=[image_file(turned.hothash, "/a.jpg"), image_file(plain.hothash, "/b.jpg")],
        collections=[collection],
        collection_items=[
            SyncCollectionItem(
                id=uuid.uuid4(),
                collection_id=collection.id,
                hothash=shot.hothash,
                text_item_id=None,
                position=n,
                caption="",
                created_at=T0,
                updated_at=T0,
            )
            for n, shot in enumerate((turned, plain))
        ],
        photo_corrections=[
            SyncPhotoCorrection(
                hothash=turned.hothash,
                rotation=90,
                horizon_angle=0,
                exposure_ev=0,
                crop_left=0,
                crop_top=0,
                crop_right=1,
                crop_bottom=1,
                updated_at=T0,
            )
        ],
    )
    await push(central, laptop, batch)
    data = jpeg_bytes(photo_like(64, 48, 1))
    for shot in (turned, plain):
        response = await central.post(
            f"/api/sync/coldpreview/{shot.hothash}",
            content=data,
            headers=laptop.headers()
            | {
                API_KEY_HEADER: "",
                CONTENT_SHA256_HEADER: hashlib.sha256(data).hexdigest(),
                "Content-Type": "image/jpeg",
            },
        )
        assert response.status_code == 200, response.text

    _, archive = await exported(central, str(collection.id))
    images = [n for n in archive.namelist() if n.endswith(".jpg")]
    assert images == [f"photos/0001-{turned.hothash}.jpg", f"photos/0002-{plain.hothash}.jpg"]
    assert [Image.open(io.BytesIO(archive.read(n))).size for n in images] == [(48, 64), (64, 48)]

    # Central's browsing app shows the photo turned too, and revalidates it.
    shown = await central.get(f"/api/photos/{turned.hothash}/coldpreview")
    assert shown.status_code == 200, shown.text
    assert shown.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(shown.content)).size == (48, 64)
    again = await central.get(
        f"/api/photos/{turned.hothash}/coldpreview",
        headers={"If-None-Match": shown.headers["etag"]},
    )
    assert again.status_code == 304
    assert not (settings.coldpreview_dir / "corrected").exists()


# A real daemon over real HTTP: how the ZIP leaves, and what a client that goes away does.

PHOTOS = 300
Served: TypeAlias = tuple[DaemonProcess, str, list[str]]


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[DaemonProcess, str, list[str]]]:
    """A daemon with a collection of 300 coldpreview-sized photos (about 70 MB of ZIP)."""
    daemon = DaemonProcess(tmp_path_factory.mktemp("export") / "data").start()
    try:
        daemon.wait_healthy()
        collection_id, hothashes = asyncio.run(
            seed_collection(catalog_dsn(daemon), daemon.paths.coldpreviews, PHOTOS)
        )
        yield daemon, str(collection_id), hothashes
    finally:
        daemon.kill_all()


def open_export(daemon: DaemonProcess, collection_id: str) -> http.client.HTTPResponse:
    """Start a download whose receiver takes 64 KB at most before the test reads on."""
    address = urlsplit(daemon.url)
    assert address.hostname is not None
    assert address.port is not None
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    sock.settimeout(30)
    sock.connect((address.hostname, address.port))
    connection = http.client.HTTPConnection(address.hostname, address.port)
    connection.sock = sock
    connection.request(
        "GET", f"/api/collections/{collection_id}/export", headers={"X-API-Key": daemon.api_key}
    )
    response = connection.getresponse()
    assert response.status == 200
    return response


def send_buffer_max() -> int:
    """The most a loopback socket can hold unread (Linux's tcp_wmem maximum)."""
    try:
        return int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    except OSError:
        return 16 * 2**20


@pytest.mark.process
def test_the_first_bytes_leave_before_the_last_photo_is_read(
    served: Served,
) -> None:
    daemon, collection_id, hothashes = served
    last = daemon.paths.coldpreviews / coldpreviews.relative_path(hothashes[-1])
    size = last.stat().st_size
    # The daemon can run ahead of the reader by what the sockets hold; the last photo
    # must lie far beyond that.
    assert PHOTOS * size > 4 * send_buffer_max()
    kept = last.read_bytes()
    response = open_export(daemon, collection_id)
    try:
        assert response.read(4) == b"PK\x03\x04"
        # The ZIP has begun; were the last photo read already, it would still be in it.
        last.unlink()
        body = b"PK\x03\x04" + response.read()
    finally:
        response.close()
        last.write_bytes(kept)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    items = document(archive)["items"]
    assert [i["missing"] for i in items] == [False] * (PHOTOS - 1) + [True]


@pytest.mark.process
def test_a_client_that_goes_away_stops_the_export(
    served: Served,
) -> None:
    daemon, collection_id, hothashes = served
    assert daemon.proc is not None
    process = psutil.Process(daemon.proc.pid)
    before = process.io_counters().read_chars
    files_before = sorted(p for p in daemon.data_dir.rglob("*") if "pgdata" not in p.parts)
    response = open_export(daemon, collection_id)
    assert response.read(65536)[:4] == b"PK\x03\x04"
    response.close()
    total = (
        PHOTOS
        * (daemon.paths.coldpreviews / coldpreviews.relative_path(hothashes[0])).stat().st_size
    )
    time.sleep(2)
    # It read what the sockets could hold, then stopped: far from every photo.
    assert process.io_counters().read_chars - before < total / 2
    assert daemon.request("GET", "/health")[0] == 200
    status, _ = daemon.request("GET", f"/api/collections/{collection_id}")
    assert status == 200
    # Nothing was written for the abandoned download: no temporary file anywhere.
    after = sorted(p for p in daemon.data_dir.rglob("*") if "pgdata" not in p.parts)
    assert [p for p in after if p not in files_before and p.suffix != ".log"] == []

    response = open_export(daemon, collection_id)
    try:
        archive = zipfile.ZipFile(io.BytesIO(response.read()))
    finally:
        response.close()
    assert archive.testzip() is None
    assert len([n for n in archive.namelist() if n.endswith(".jpg")]) == PHOTOS
    assert "Traceback" not in daemon.output()
