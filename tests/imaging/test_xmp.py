"""XMP: rating and keywords as photo programs write them; hostile XML is refused."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypedDict

import pytest
from PIL import Image, PngImagePlugin

from daemon.imaging import xmp
from daemon.imaging.previews import init_decoders, make_previews
from daemon.imaging.xmp import XmpData, XmpError
from daemon.registration.workers import WorkerPool
from protocol.photos import MAX_TAG_LENGTH, MAX_TAGS
from tests.support import xmp_files
from tests.support.images import photo_like
from tests.support.xmp_files import container, hierarchical, leaves, packet


class Cold(TypedDict):
    coldpreview_max_px: int
    quality: int


COLD: Cold = {"coldpreview_max_px": 400, "quality": 80}


@pytest.mark.parametrize(
    ("program", "rating"),
    [
        (xmp_files.lightroom, 4),
        (xmp_files.darktable, 3),
        (xmp_files.digikam, 5),
        (xmp_files.capture_one, 2),
    ],
)
def test_what_each_program_writes(program: Callable[..., bytes], rating: int) -> None:
    paths = [("People", "Kari Nordmann"), ("Places", "Norway", "Bergen"), ("Summer",)]
    assert xmp.parse(program(str(rating), paths)) == XmpData(
        rating=rating, keywords=("bergen", "kari nordmann", "summer")
    )


@pytest.mark.parametrize(
    ("written", "rating"),
    [
        ("1", 1),
        ("5", 5),
        (" 3 ", 3),
        ("3.0", 3),
        ("+2", 2),
        ("0", None),  # unrated
        ("-1", None),  # rejected
        ("6", None),
        ("99", None),
        ("2.5", None),
        ("abc", None),
        ("", None),
        ("٣", None),  # an Arabic-Indic three: a digit to Python, not to XMP
    ],
)
def test_ratings_as_attribute_and_as_element(written: str, rating: int | None) -> None:
    assert xmp.parse(packet(attributes=f'xmp:Rating="{written}"')).rating == rating
    assert xmp.parse(packet(f"<xmp:Rating>{written}</xmp:Rating>")).rating == rating


def test_the_first_rating_written_counts() -> None:
    both = packet("<xmp:Rating>2</xmp:Rating>", attributes='xmp:Rating="4"')
    assert xmp.parse(both).rating == 4


def test_ratings_and_keywords_elsewhere_are_not_the_photos() -> None:
    # A rating or keyword list inside a structure (a history entry, a nested
    # description) describes something else, not the photo.
    nested = f"""
   <xmpMM:History xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">
    <rdf:Seq>
     <rdf:li>
      <rdf:Description xmp:Rating="5">
       <xmp:Rating>5</xmp:Rating>{container("dc:subject", ["derived"])}
      </rdf:Description>
     </rdf:li>
    </rdf:Seq>
   </xmpMM:History>
   <xmp:Rating><rdf:Description>3</rdf:Description></xmp:Rating>{
        container("dc:title", ["A title"], "Alt")
    }"""
    assert xmp.parse(packet(nested)) == XmpData()


@pytest.mark.parametrize("kind", ["Bag", "Seq", "Alt"])
def test_dc_subject_in_any_container(kind: str) -> None:
    body = container("dc:subject", ["Fjord", " Boat ", "boat", "", "   "], kind)
    assert xmp.parse(packet(body)).keywords == ("boat", "fjord")


def test_dc_subject_wins_over_keyword_paths() -> None:
    body = container("dc:subject", ["Chosen"]) + hierarchical([("Other", "Path")])
    assert xmp.parse(packet(body)).keywords == ("chosen",)


def test_without_dc_subject_the_leaves_of_keyword_paths_are_the_keywords() -> None:
    body = hierarchical([("Places", "Norway", "Bergen"), ("Animals", "Cat"), ("Solo",)])
    assert xmp.parse(packet(body)).keywords == ("bergen", "cat", "solo")
    digikam_only = container("digiKam:TagsList", ["People/Kari", "Places/Oslo"], "Seq")
    assert xmp.parse(packet(digikam_only)).keywords == ("kari", "oslo")
    both = hierarchical([("A", "Lr")]) + digikam_only
    assert xmp.parse(packet(both)).keywords == ("kari", "lr", "oslo")
    # An empty dc:subject is as good as none.
    assert xmp.parse(packet(container("dc:subject", []) + both)).keywords == (
        "kari",
        "lr",
        "oslo",
    )


def test_keywords_the_catalog_would_refuse_are_dropped_and_the_rest_capped() -> None:
    longest, too_long = "k" * MAX_TAG_LENGTH, "x" * (MAX_TAG_LENGTH + 1)
    body = container("dc:subject", [too_long, f"  {longest.upper()}  ", "ok"])
    assert xmp.parse(packet(body)).keywords == (longest, "ok")
    many = [f"tag {n:03}" for n in range(250, 0, -1)]  # document order: tag 250 first
    kept = xmp.parse(packet(container("dc:subject", many))).keywords
    assert len(kept) == MAX_TAGS
    assert kept == tuple(sorted(many[:MAX_TAGS]))  # the first ones written, sorted


def test_text_with_markup_inside_a_keyword_is_not_a_keyword() -> None:
    body = container("dc:subject", ["<b>bold</b> text", "plain &amp; simple"])
    assert xmp.parse(packet(body)).keywords == ("plain & simple",)


def test_padding_and_encodings() -> None:
    assert xmp.parse(xmp_files.lightroom() + b"\x00" * 64).rating == 4
    latin = b'<?xml version="1.0" encoding="ISO-8859-1"?>' + packet(
        container("dc:subject", ["Tromsø"]), wrapped=False
    ).replace("Tromsø".encode(), "Tromsø".encode("latin-1"))
    assert xmp.parse(latin).keywords == ("tromsø",)
    utf16 = packet(container("dc:subject", ["Ålesund"]), wrapped=False).decode().encode("utf-16")
    assert xmp.parse(utf16).keywords == ("ålesund",)


def test_an_entity_bomb_is_refused_at_once() -> None:
    with pytest.raises(XmpError, match="DTD or entities"):
        xmp.parse(xmp_files.billion_laughs())


def test_an_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-leak")
    with pytest.raises(XmpError, match="DTD or entities") as caught:
        xmp.parse(xmp_files.external_entity(secret.as_uri()))
    assert "do-not-leak" not in str(caught.value)
    external_dtd = b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "' + secret.as_uri().encode() + b'">'
    with pytest.raises(XmpError, match="DTD"):
        xmp.parse(external_dtd + packet(wrapped=False))


def test_an_undeclared_entity_is_malformed() -> None:
    with pytest.raises(XmpError, match="not well-formed"):
        xmp.parse(packet(container("dc:subject", ["&lol9;"])))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x00" * 10, "empty"),
        (b"<x:xmpmeta", "not well-formed"),
        (packet(wrapped=False)[:-20], "not well-formed"),
        (b"<a><b></a></b>", "not well-formed"),
        (b"just some text", "not well-formed"),
        (b'<?xml version="1.0" encoding="no-such-codec"?><a/>', "cannot be decoded"),
    ],
)
def test_unreadable_xml_is_an_error(data: bytes, message: str) -> None:
    with pytest.raises(XmpError, match=message):
        xmp.parse(data)


def test_non_utf8_bytes_are_an_error() -> None:
    data = packet(container("dc:subject", ["Tromsø"])).replace("ø".encode(), b"\xf8")
    with pytest.raises(XmpError, match="not well-formed"):
        xmp.parse(data)


def test_a_packet_over_the_limit_is_an_error() -> None:
    body = container("dc:subject", ["x" * 1000] * (xmp.MAX_BYTES // 1000))
    with pytest.raises(XmpError, match="too large"):
        xmp.parse(packet(body))


def test_deep_nesting_neither_crashes_nor_hides_what_follows() -> None:
    depth = 100_000
    deep = "<xmp:Deep>" * depth + "</xmp:Deep>" * depth
    data = packet(deep + container("dc:subject", ["after"]), attributes='xmp:Rating="2"')
    assert xmp.parse(data) == XmpData(rating=2, keywords=("after",))
    bare = b"<a>" * depth + b"</a>" * depth
    assert xmp.parse(bare) == XmpData()
    with pytest.raises(XmpError, match="not well-formed"):
        xmp.parse(b"<a>" * depth)


def test_xml_that_is_no_xmp_has_nothing_to_give() -> None:
    assert xmp.parse(b"<html><body>hello</body></html>") == XmpData()


def test_sidecar_files(tmp_path: Path) -> None:
    sidecar = tmp_path / "IMG_1.xmp"
    sidecar.write_bytes(xmp_files.darktable("1"))
    assert xmp.read_sidecar(sidecar).rating == 1
    assert xmp.read_sidecar(str(sidecar)).keywords == ("bergen", "fjord")
    with pytest.raises(XmpError, match="vanished"):
        xmp.read_sidecar(tmp_path / "gone.xmp")
    (tmp_path / "folder.xmp").mkdir()
    with pytest.raises(XmpError, match="cannot read the sidecar"):
        xmp.read_sidecar(tmp_path / "folder.xmp")
    huge = tmp_path / "huge.xmp"
    with huge.open("wb") as file:
        file.truncate(xmp.MAX_BYTES + 1)
    with pytest.raises(XmpError, match="too large"):
        xmp.read_sidecar(huge)
    huge.write_bytes(b" " * xmp.MAX_BYTES)
    with pytest.raises(XmpError, match="empty"):
        xmp.read_sidecar(huge)


def test_the_sidecar_wins_field_by_field() -> None:
    embedded = XmpData(rating=2, keywords=("from file",))
    assert xmp.combined(XmpData(rating=5), embedded) == XmpData(5, ("from file",))
    assert xmp.combined(XmpData(keywords=("side",)), embedded) == XmpData(2, ("side",))
    assert xmp.combined(XmpData(4, ("side",)), embedded) == XmpData(4, ("side",))
    assert xmp.combined(XmpData(), None) == XmpData()


def test_xmp_embedded_in_a_jpeg(tmp_path: Path) -> None:
    image = photo_like(640, 480, seed=3)
    plain, tagged = tmp_path / "plain.jpg", tmp_path / "tagged.jpg"
    image.save(plain, quality=90)
    image.save(tagged, quality=90, xmp=xmp_files.capture_one("3"))
    found = make_previews(tagged, **COLD)
    assert found.xmp == XmpData(rating=3, keywords=("bergen", "fjord"))
    assert found.xmp_problem is None
    # The hotpreview, and so the hothash, is the pixels' alone.
    assert found.hothash == make_previews(plain, **COLD).hothash
    assert make_previews(plain, **COLD).xmp is None


def png_with_late_xmp(image: Image.Image, data: bytes) -> bytes:
    """A PNG whose XMP chunk follows its image data (Pillow writes it before)."""
    out = io.BytesIO()
    image.save(out, "PNG")
    png = out.getvalue()
    chunk = b"iTXt" + b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + data
    end = png.rindex(b"IEND") - 4
    framed = struct.pack(">I", len(chunk) - 4) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return png[:end] + framed + png[end:]


def test_xmp_embedded_in_a_png(tmp_path: Path) -> None:
    image = photo_like(320, 240, seed=4)
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp_files.digikam("5").decode())
    early = tmp_path / "early.png"
    image.save(early, pnginfo=info)
    assert make_previews(early, **COLD).xmp == XmpData(rating=5, keywords=("bergen", "fjord"))
    late = tmp_path / "late.png"
    late.write_bytes(png_with_late_xmp(image, xmp_files.lightroom("1")))
    assert make_previews(late, **COLD).xmp == XmpData(rating=1, keywords=("bergen", "fjord"))


def test_xmp_embedded_in_a_tiff_and_a_heic(tmp_path: Path) -> None:
    image = photo_like(320, 240, seed=5)
    tiff, heic = tmp_path / "a.tif", tmp_path / "a.heic"
    image.save(tiff, tiffinfo={700: xmp_files.lightroom("2")})
    init_decoders()  # pillow-heif's plugin, which writes HEIC too
    image.save(heic, xmp=xmp_files.darktable("4"))
    assert make_previews(tiff, **COLD).xmp == XmpData(rating=2, keywords=("bergen", "fjord"))
    assert make_previews(heic, **COLD).xmp == XmpData(rating=4, keywords=("bergen", "fjord"))


def test_unreadable_embedded_xmp_never_fails_the_photo(tmp_path: Path) -> None:
    bombed = tmp_path / "bombed.jpg"
    photo_like(320, 240, seed=6).save(bombed, xmp=xmp_files.billion_laughs())
    found = make_previews(bombed, **COLD)
    assert found.xmp is None
    assert found.xmp_problem is not None
    assert found.xmp_problem.startswith("the XMP embedded in the image: the XMP declares a DTD")
    assert found.xmp_problem_path is None  # the master's own problem


@pytest.fixture
async def workers() -> AsyncIterator[WorkerPool]:
    pool = WorkerPool(1)
    yield pool
    pool.close()


async def test_workers_read_the_sidecar_over_the_embedded_xmp(
    workers: WorkerPool, tmp_path: Path
) -> None:
    jpeg, sidecar = tmp_path / "IMG_1.jpg", tmp_path / "IMG_1.xmp"
    embedded = packet(leaves([("Embedded",)]), attributes='xmp:Rating="2"')
    photo_like(320, 240, seed=7).save(jpeg, xmp=embedded)
    sidecar.write_bytes(xmp_files.lightroom("5", paths=[]))

    found = await workers.previews(str(jpeg), **COLD, sidecar=str(sidecar))
    assert found.xmp == XmpData(rating=5, keywords=("embedded",))
    assert found.xmp_problem is None
    assert (await workers.previews(str(jpeg), **COLD)).xmp == XmpData(2, ("embedded",))

    sidecar.write_bytes(xmp_files.lightroom("0", paths=[("Side", "Car")]))
    found = await workers.previews(str(jpeg), **COLD, sidecar=str(sidecar))
    assert found.xmp == XmpData(rating=2, keywords=("car",))

    sidecar.write_bytes(b"<x:xmpmeta>broken")
    found = await workers.previews(str(jpeg), **COLD, sidecar=str(sidecar))
    assert found.xmp == XmpData(2, ("embedded",))  # the file's own still counts
    assert found.xmp_problem is not None
    assert "not well-formed" in found.xmp_problem
    assert found.xmp_problem_path == str(sidecar)
