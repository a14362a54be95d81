"""XMP packets for tests, in the shapes photo programs write.

None is a copy of a real program's file: each is synthesised by hand after the layout
that Lightroom Classic, darktable, digiKam and Capture One use (namespaces, where the
rating and keywords sit, what surrounds them), so the tests carry no one's photos.
"""

from __future__ import annotations

from collections.abc import Sequence

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NAMESPACES = (
    f'xmlns:rdf="{RDF_NS}" '
    'xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:lr="http://ns.adobe.com/lightroom/1.0/" '
    'xmlns:digiKam="http://www.digikam.org/ns/1.0/"'
)
PACKET_START = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
PACKET_END = '\n<?xpacket end="w"?>'

Paths = Sequence[Sequence[str]]
NORWAY: Paths = (("Places", "Norway", "Bergen"), ("Nature", "Fjord"))


def container(prop: str, items: Sequence[str], kind: str = "Bag") -> str:
    """A property holding an RDF container of text items."""
    lis = "".join(f"\n     <rdf:li>{item}</rdf:li>" for item in items)
    return f"\n   <{prop}>\n    <rdf:{kind}>{lis}\n    </rdf:{kind}>\n   </{prop}>"


def packet(body: str = "", *, attributes: str = "", wrapped: bool = True) -> bytes:
    """One top-level rdf:Description with the given attributes and property elements."""
    text = (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/">\n <rdf:RDF {NAMESPACES}>\n'
        f'  <rdf:Description rdf:about="" {attributes}>{body}\n  </rdf:Description>\n'
        " </rdf:RDF>\n</x:xmpmeta>"
    )
    return (PACKET_START + text + PACKET_END if wrapped else text).encode()


def leaves(paths: Paths) -> str:
    """dc:subject with the last name of each keyword path."""
    return container("dc:subject", [path[-1] for path in paths])


def hierarchical(paths: Paths) -> str:
    """lr:hierarchicalSubject: Lightroom's keyword paths, which others write too."""
    return container("lr:hierarchicalSubject", ["|".join(path) for path in paths])


def lightroom(rating: str = "4", paths: Paths = NORWAY) -> bytes:
    """Lightroom Classic's IMG_1234.xmp: rating as an attribute, dc:subject leaves and
    lr:hierarchicalSubject paths, develop settings around them; no xpacket wrapper."""
    return f"""<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0-c000 1.000000">
 <rdf:RDF xmlns:rdf="{RDF_NS}">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
    xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
   xmp:ModifyDate="2024-06-01T12:00:00+02:00"
   xmp:Rating="{rating}"
   tiff:Make="Canon"
   crs:Version="15.0"
   crs:WhiteBalance="As Shot">
   <crs:ToneCurvePV2012>
    <rdf:Seq>
     <rdf:li>0, 0</rdf:li>
     <rdf:li>255, 255</rdf:li>
    </rdf:Seq>
   </crs:ToneCurvePV2012>{leaves(paths)}{hierarchical(paths)}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
""".encode()


def darktable(rating: str = "3", paths: Paths = NORWAY) -> bytes:
    """darktable's IMG_1234.CR2.xmp (written through Exiv2): rating as an attribute,
    keywords, and an edit history whose rdf:li entries are no keywords."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="{RDF_NS}">
  <rdf:Description rdf:about=""
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
    xmlns:darktable="http://darktable.sf.net/"
   exif:DateTimeOriginal="2024:06:01 12:00:00"
   xmp:Rating="{rating}"
   xmpMM:DerivedFrom="IMG_1234.CR2"
   darktable:xmp_version="5"
   darktable:history_end="2">
   <darktable:history>
    <rdf:Seq>
     <rdf:li darktable:operation="rawprepare" darktable:enabled="1" darktable:num="0"/>
     <rdf:li darktable:operation="exposure" darktable:num="1">exposure</rdf:li>
    </rdf:Seq>
   </darktable:history>{leaves(paths)}{hierarchical(paths)}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
""".encode()


def digikam(rating: str = "5", paths: Paths = NORWAY) -> bytes:
    """digiKam's sidecar (through Exiv2): rating as an attribute beside Microsoft's
    percentage, digiKam:TagsList and lr:hierarchicalSubject paths, dc:subject leaves."""
    slashed = ["/".join(path) for path in paths]
    tags_list = container("digiKam:TagsList", slashed, "Seq")
    last_keywords = container("MicrosoftPhoto:LastKeywordXMP", slashed)
    return f"""{PACKET_START}<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="{RDF_NS}">
  <rdf:Description rdf:about=""
    xmlns:digiKam="http://www.digikam.org/ns/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:MicrosoftPhoto="http://ns.microsoft.com/photo/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
    xmlns:mediapro="http://ns.iview-multimedia.com/mediapro/1.0/"
   xmp:Rating="{rating}"
   MicrosoftPhoto:Rating="99">{tags_list}{last_keywords}{hierarchical(paths)}{leaves(paths)}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>{PACKET_END}""".encode()


def capture_one(rating: str = "2", paths: Paths = NORWAY) -> bytes:
    """A Capture One style IMG_1234.xmp, with the rating as an element (the other
    form RDF allows) and a colour label beside it."""
    return f"""{PACKET_START}<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 5.6-c140">
 <rdf:RDF xmlns:rdf="{RDF_NS}">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
   photoshop:DateCreated="2024-06-01T12:00:00">
   <xmp:Label>Red</xmp:Label>
   <xmp:Rating>{rating}</xmp:Rating>{leaves(paths)}{hierarchical(paths)}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>{PACKET_END}""".encode()


def billion_laughs(levels: int = 10) -> bytes:
    """An entity bomb inside a keyword: expanded, it would be 10**levels * 3 bytes."""
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, levels):
        ten = f"&lol{level - 1};" * 10
        entities.append(f'<!ENTITY lol{level} "{ten}">')
    declarations = "\n ".join(entities)
    prolog = f'<?xml version="1.0"?>\n<!DOCTYPE x:xmpmeta [\n {declarations}\n]>\n'
    return prolog.encode() + packet(container("dc:subject", [f"&lol{levels - 1};"]), wrapped=False)


def external_entity(uri: str) -> bytes:
    """An XXE: a keyword that would be the contents of the file at uri."""
    prolog = f'<?xml version="1.0"?>\n<!DOCTYPE x:xmpmeta [<!ENTITY secret SYSTEM "{uri}">]>\n'
    return prolog.encode() + packet(container("dc:subject", ["&secret;"]), wrapped=False)
