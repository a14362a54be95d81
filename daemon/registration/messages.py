"""A session error in plain words: one sentence for photographers per kind of failure.

The technical text is what is stored (session_errors.error) and stays available as
the error's detail; the sentence is derived from it when errors are read, so errors
recorded before the sentences existed get theirs too. Every failure registration
records starts with a fixed text (previews.py, raw.py, damage.py, workers.py,
storing.py, grouping.py): the patterns below match those beginnings.
"""

from __future__ import annotations

import re

from daemon.imaging import damage

STILL_WRITING = (
    "The file ends too early: it was still being written or copied, or it is cut short. "
    "It is tried again when it changes."
)
NOT_A_PHOTO = "This file is not a photo Hotprevue can read."
UNREADABLE = "The picture in this file cannot be decoded: the file is damaged."
FALLBACK = "This file could not be registered."

# First match wins: the more specific texts come before the general ones.
_SENTENCES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), sentence)
    for pattern, sentence in (
        (rf"^(RAW )?{re.escape(damage.TRUNCATED)}", STILL_WRITING),
        (r"^the file changed while it was being registered", STILL_WRITING),
        (r"^empty file", "The file is empty (0 bytes)."),
        (r"^an? \w+ file that cannot be read", UNREADABLE),
        (r"^image data is damaged", UNREADABLE),
        (r"^not an image Hotprevue can read", NOT_A_PHOTO),
        (r"^not a RAW file LibRaw can read", "Hotprevue cannot read this camera's RAW files."),
        (r"^file vanished", "The file was moved or deleted before it could be read."),
        (r"^permission denied", "Hotprevue is not allowed to read this file."),
        (r"^(RAW file|image) claims an impossible size", UNREADABLE),
        (r"^(RAW )?image too large", "The picture is too large for Hotprevue to read."),
        (
            r"^(out of memory|needs ~)",
            "There is not enough memory to read this photo; "
            "a larger decode memory budget lets it register.",
        ),
        (r"^decoding took longer", "Reading this file took too long; it was skipped."),
        (r"^the decoder crashed", "Reading this file crashed the decoder: it may be damaged."),
        (r"^cannot decode", UNREADABLE),
        (r"^XMP not read", "The photo is registered, but its rating and keywords (XMP) are not."),
        (r"^cannot be stored", "The catalog cannot store some of this photo's information."),
        (
            r"^the matching photo was just deleted",
            "The same photo was deleted meanwhile; register this file again.",
        ),
        (r"^cannot read folder", "Hotprevue cannot open this folder."),
        (
            r"^symlinked folder not followed: it leads to .*, where the daemon keeps",
            "A linked folder leading to Hotprevue's own catalog and previews was left out.",
        ),
        (r"^symlinked folder not followed", "A linked folder outside this one was left out."),
        (
            r"^(inside )?the daemon's own folder",
            "Hotprevue keeps its catalog and previews here; they are never registered as photos.",
        ),
        (
            r"^the (file|folder) name is not valid Unicode",
            "The name cannot be stored in the catalog; rename it to register it.",
        ),
        (
            r"^the file's path is too long",
            "The file's path is too long for the catalog; shorten its name or its folders' "
            "names to register it.",
        ),
        (
            r"^the folder's path is too long",
            "This folder's path is too long for the catalog; shorten its name or its parent "
            "folders' names to register its photos.",
        ),
    )
)


def for_photographers(error: str) -> str:
    """The plain sentence for a session error's technical text."""
    for pattern, sentence in _SENTENCES:
        if pattern.match(error):
            return sentence
    return FALLBACK
