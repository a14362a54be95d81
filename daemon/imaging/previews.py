"""Hotpreview, hothash and coldpreview from one decode of the master file: the file
is opened by its format (RAW through raw.py) and the recipe in hothash.py does the rest.
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from daemon.imaging import damage, grouping
from daemon.imaging.hothash import ALLOWED_FORMATS, PreviewError, Previews, from_image


@functools.cache
def init_decoders() -> None:
    """Load the allowed decoders (HEIF through pillow-heif, RAW through rawpy) once per process."""
    from pillow_heif import register_heif_opener

    Image.init()
    register_heif_opener(thumbnails=False)
    # hothash.py checks sizes per format; Pillow's single global limit would
    # refuse big JPEGs that draft decoding handles in little memory.
    Image.MAX_IMAGE_PIXELS = None
    # LibRaw (rawpy) and numpy, which maps ~80 MB of data for its threads: loaded now,
    # before a worker measures its memory ceiling, not at its first RAW file.
    importlib.import_module("daemon.imaging.raw")


def make_previews(path: Path | str, *, coldpreview_max_px: int, quality: int) -> Previews:
    """Decode the master once; return hotpreview, hothash, coldpreview and EXIF."""
    init_decoders()
    try:
        if Path(path).stat().st_size == 0:
            raise PreviewError("empty file (0 bytes)")
        if grouping.file_type(str(path)) == "RAW":
            # Imported here: LibRaw and numpy load in the processes that decode only.
            from daemon.imaging import raw

            return raw.make_previews(
                Path(path), coldpreview_max_px=coldpreview_max_px, quality=quality
            )
        with Image.open(path, formats=ALLOWED_FORMATS) as image:
            return from_image(image, coldpreview_max_px=coldpreview_max_px, quality=quality)
    except PreviewError:
        raise
    except damage.Damaged as exc:
        raise PreviewError(str(exc)) from None
    except UnidentifiedImageError:
        announced = damage.announced_format(path)
        if announced is not None:
            raise PreviewError(
                f"a {announced} file that cannot be read: it is truncated or damaged"
            ) from None
        raise PreviewError("not an image Hotprevue can read (unknown or damaged format)") from None
    except FileNotFoundError:
        raise PreviewError("file vanished before it could be read") from None
    except PermissionError:
        raise PreviewError("permission denied") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise PreviewError(damage.decode_failure(exc)) from None
    except MemoryError:
        raise PreviewError("out of memory decoding the image") from None
