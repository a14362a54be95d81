"""Rating and keywords from XMP: a sidecar file or the packet embedded in an image.

XMP is untrusted XML. It is parsed with defusedxml, which refuses every DTD (so no
entity can expand without bound or read another file), from at most MAX_BYTES, and
as a stream of events that keeps only a stack of element names, so deep nesting
neither builds a tree nor recurses.

What Lightroom Classic, Capture One, darktable and digiKam write: `xmp:Rating` as an
attribute of a top-level `rdf:Description` or as its element; keywords in `dc:subject`,
and as paths in `lr:hierarchicalSubject` ("A|B|C") and `digiKam:TagsList` ("A/B/C"),
whose leaves stand in when `dc:subject` holds none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import msgspec
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from daemon.values import normalise_tag, normalise_tags
from protocol.photos import MAX_TAG_LENGTH, MAX_TAGS

MAX_BYTES = 4 * 1024 * 1024
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
RDF_ROOT = f"{_RDF}RDF"
DESCRIPTION = f"{_RDF}Description"
CONTAINERS = frozenset({f"{_RDF}Bag", f"{_RDF}Seq", f"{_RDF}Alt"})
ITEM = f"{_RDF}li"
RATING = "{http://ns.adobe.com/xap/1.0/}Rating"
SUBJECT = "{http://purl.org/dc/elements/1.1/}subject"
# Keyword paths and the separator before their leaf.
PATHS = {
    "{http://ns.adobe.com/lightroom/1.0/}hierarchicalSubject": "|",
    "{http://www.digikam.org/ns/1.0/}TagsList": "/",
}
# Whole numbers, and decimals such as "3.0" that some programs write.
_WHOLE = re.compile(r"\s*([+-]?\d{1,4})(?:\.0*)?\s*", re.ASCII)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class XmpError(Exception):
    """The XMP cannot be read; the message says why, for the session's error list."""


class XmpData(msgspec.Struct, frozen=True):
    """What a photo takes from XMP: a rating 1-5 (None when unrated or rejected) and
    keywords as catalog tags."""

    rating: int | None = None
    keywords: tuple[str, ...] = ()


def parse(packet: bytes) -> XmpData:
    """Rating and keywords of one XMP packet; XmpError when it cannot be read."""
    if len(packet) > MAX_BYTES:
        raise XmpError(f"the XMP is too large ({_megabytes(len(packet))}; at most 4 MB is read)")
    if not packet.startswith(_UTF16_BOMS):
        # Packets embedded in files are often padded with NUL bytes.
        packet = packet.rstrip(b"\x00")
    if not packet.strip():
        raise XmpError("the XMP is empty")
    reader = _Reader()
    parser = DefusedXMLParser(target=reader, forbid_dtd=True)
    try:
        parser.feed(packet)
        parser.close()
    except DefusedXmlException:
        raise XmpError(
            "the XMP declares a DTD or entities, which XMP never uses and which could "
            "expand without bound or read other files; refused"
        ) from None
    except SyntaxError as exc:  # xml.etree's ParseError, from expat
        raise XmpError(f"the XMP is not well-formed XML: {exc}") from None
    except (ValueError, LookupError) as exc:  # an encoding expat or Python cannot use
        raise XmpError(f"the XMP cannot be decoded: {exc}") from None
    return reader.result()


def read_sidecar(path: Path | str) -> XmpData:
    """Rating and keywords of an XMP sidecar file; XmpError when it cannot be read."""
    try:
        with Path(path).open("rb") as file:
            packet = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise XmpError("the sidecar vanished before it could be read") from None
    except PermissionError:
        raise XmpError("permission denied reading the sidecar") from None
    except OSError as exc:
        raise XmpError(f"cannot read the sidecar: {exc.strerror or exc}") from None
    if len(packet) > MAX_BYTES:
        raise XmpError("the sidecar is too large (more than 4 MB): not an XMP sidecar")
    return parse(packet)


def embedded(packet: object) -> tuple[XmpData | None, str | None]:
    """An image's own XMP packet (as Pillow reports it) parsed, or why it could not be."""
    if isinstance(packet, str):
        # A TIFF writer may store the packet as ASCII text rather than bytes.
        packet = packet.encode("utf-8", "replace")
    if not isinstance(packet, bytes) or not packet:
        return None, None
    try:
        return parse(packet), None
    except XmpError as exc:
        return None, f"the XMP embedded in the image: {exc}"


def combined(first: XmpData, then: XmpData | None) -> XmpData:
    """Field by field, first's value where it has one, else then's."""
    if then is None:
        return first
    return XmpData(
        rating=first.rating if first.rating is not None else then.rating,
        keywords=first.keywords or then.keywords,
    )


class _Reader:
    """Parser target: keeps the names of the open elements and the few values wanted."""

    def __init__(self) -> None:
        self._open: list[str] = []
        # Where the text of the innermost open element goes, when it is a wanted value.
        self._into: list[str] | None = None
        self._text: list[str] = []
        self._ratings: list[str] = []
        self._subject: list[str] = []
        self._paths: dict[str, list[str]] = {tag: [] for tag in PATHS}

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        """An element opens."""
        at_top = self._open[-1:] == [RDF_ROOT]
        if tag == DESCRIPTION and at_top and RATING in attrib:
            self._ratings.append(attrib[RATING])
        self._into = self._target(tag)
        self._text = []
        self._open.append(tag)

    def data(self, text: str) -> None:
        """Character data of the innermost open element."""
        if self._into is not None:
            self._text.append(text)

    def end(self, tag: str) -> None:
        """An element closes."""
        self._open.pop()
        if self._into is not None:
            self._into.append("".join(self._text))
        # Text after a child element (mixed content) is never a value.
        self._into = None

    def close(self) -> None:
        """The document ended."""

    def _target(self, tag: str) -> list[str] | None:
        """The list an element's text belongs to, judged by where it stands."""
        open_ = self._open
        if tag == RATING:
            return self._ratings if open_[-2:] == [RDF_ROOT, DESCRIPTION] else None
        if tag != ITEM or len(open_) < 4 or open_[-1] not in CONTAINERS:
            return None
        if open_[-4:-2] != [RDF_ROOT, DESCRIPTION]:
            return None
        if open_[-2] == SUBJECT:
            return self._subject
        return self._paths.get(open_[-2])

    def result(self) -> XmpData:
        """What the document said; the first rating written counts."""
        rating = _rating(self._ratings[0]) if self._ratings else None
        leaves = (
            path.rsplit(PATHS[tag], 1)[-1] for tag, paths in self._paths.items() for path in paths
        )
        return XmpData(rating=rating, keywords=_keywords(self._subject) or _keywords(leaves))


def _rating(text: str) -> int | None:
    """1-5 as it is; 0 (unrated), -1 (rejected) and anything else are no rating."""
    match = _WHOLE.fullmatch(text)
    if match is None:
        return None
    value = int(match.group(1))
    return value if 1 <= value <= 5 else None


def _keywords(raw: Iterable[str]) -> tuple[str, ...]:
    """Keywords as the catalog stores tags; what it would refuse is dropped."""
    kept: dict[str, None] = {}
    for keyword in raw:
        tag = normalise_tag(keyword)
        if tag and len(tag) <= MAX_TAG_LENGTH:
            kept[tag] = None
            if len(kept) == MAX_TAGS:
                break
    return tuple(normalise_tags(kept))


def _megabytes(size: int) -> str:
    return f"{size / 1024**2:.1f} MB"
