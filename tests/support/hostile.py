"""Small files that need a lot of memory to decode, and a folder of them beside real photos."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image

from tests.support.images import CORPUS, photo_like

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def palette_png(path: Path, width: int, height: int, seed: int) -> Path:
    """A 1-bit palette PNG: ~20 KB on disk for 13000x13000, which Pillow decodes at a byte
    a pixel and then converts to RGB. Written row by row, so writing it costs no memory."""
    row = b"\x00" + bytes((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    palette = bytes([seed % 256, 80, 160, 255, 255 - seed % 256, 0])
    header = struct.pack(">IIBBBBB", width, height, 1, 3, 0, 0, 0)
    path.write_bytes(
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"PLTE", palette)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )
    return path


def png_size_claim(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header claims width x height."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(out, "PNG")
    data = bytearray(out.getvalue())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    path.write_bytes(bytes(data))
    return path


def jpeg_size_claim(
    path: Path, width: int, height: int, *, progressive: bool, padding: int = 0
) -> Path:
    """A small JPEG whose frame header claims width x height, followed by `padding` bytes.

    Progressive, libjpeg keeps a coefficient buffer for the claimed size (3 bytes a pixel)
    however small it decodes. The padding makes the file long enough for the claim, as
    a real file of that size with very plain content would be."""
    out = io.BytesIO()
    photo_like(64, 64, 3).save(out, "JPEG", quality=90, progressive=progressive)
    data = bytearray(out.getvalue())
    frame = data.find(b"\xff\xc2" if progressive else b"\xff\xc0")
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    path.write_bytes(bytes(data) + bytes(padding))
    return path


def tiff_16bit(path: Path, width: int, height: int) -> Path:
    """A flat 16-bit grey TIFF, deflate-compressed: big in memory, small on disk."""
    Image.new("I;16", (width, height), 1234).save(path, compression="tiff_adobe_deflate")
    return path


def hostile_folder(folder: Path) -> dict[str, list[str]]:
    """Write hostile-but-small images beside real photos and large images that fit 600 MB.

    Returns the file names by what a 600 MB decode budget should make of them: "fits"
    register, "over" fail with the budget's message, "refused" fail for another reason
    (a truncated file, a size over the pixel limit) before anything is decoded.
    """
    folder.mkdir(parents=True, exist_ok=True)
    fits, over = [], []
    for i in range(4):
        over.append(palette_png(folder / f"bomb{i}.png", 13000, 13000, seed=40 * i).name)
    # 25 MP of palette (~260 MB each to decode): they fit one at a time.
    for i in range(3):
        fits.append(palette_png(folder / f"palette{i}.png", 5000, 5000, seed=100 + 30 * i).name)
    over.append(tiff_16bit(folder / "huge16.tif", 12000, 12000).name)
    fits.append(tiff_16bit(folder / "medium16.tif", 4000, 3000).name)
    # 30000x30000 claimed: 2.6 GB of coefficients; long enough not to look truncated.
    progressive = jpeg_size_claim(
        folder / "progressive_claim.jpg", 30000, 30000, progressive=True, padding=3_000_000
    )
    over.append(progressive.name)
    refused = [
        jpeg_size_claim(folder / "truncated_claim.jpg", 30000, 30000, progressive=False).name
    ]
    # Over the pixel limit of non-JPEG formats.
    refused.append(png_size_claim(folder / "pixels_claim.png", 30000, 30000).name)
    # Generated at a quarter of the size and enlarged: photo-like, and quick to write.
    enlarge = Image.Resampling.BICUBIC
    photo_like(4000, 1000, 5).resize((16000, 4000), enlarge).save(
        folder / "panorama.jpg", quality=88
    )
    photo_like(3000, 2000, 6).resize((6000, 4000), enlarge).save(
        folder / "large.png", compress_level=1
    )
    fits += ["panorama.jpg", "large.png"]
    for i in range(6):
        photo_like(3000, 2000, 10 + i).save(folder / f"photo{i}.jpg", quality=90)
        fits.append(f"photo{i}.jpg")
    heic = CORPUS / "heic" / "IMG_5195.HEIC"
    (folder / heic.name).write_bytes(heic.read_bytes())
    fits.append(heic.name)
    return {"fits": fits, "over": over, "refused": refused}
