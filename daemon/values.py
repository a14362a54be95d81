"""Value rules every path shares: tags, a moment as wall time plus offset, time bounds.

PATCH, the batches, upload overrides and the list filters all come through here, so a
tag or a time set one way is stored exactly as it would be set another way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from daemon.errors import Invalid
from protocol.photos import MAX_TAG_LENGTH

# Times the catalog keeps, as wall time and read in UTC with their offset: what Python
# (and so every client decoding a row) can represent. The database checks the same
# bounds (migrations/0002_time_bounds.sql).
EARLIEST = datetime(1, 1, 1)
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999_999)
# The widest UTC offset date libraries commonly accept (java.time, for one); real zones
# stay within -12 h … +14 h.
MAX_OFFSET = timedelta(hours=18)
OUT_OF_RANGE = "must lie in the years 1 to 9999"


def normalise_tag(tag: str) -> str:
    """A tag as stored and searched: trimmed and lowercase."""
    return tag.strip().lower()


def normalise_tags(tags: Iterable[str]) -> list[str]:
    """Tags as stored: normalised, blanks dropped, each once, sorted. Invalid for a tag
    that lowercasing made longer than a tag may be ("İ" becomes two characters): central
    takes tags within the same bounds."""
    normalised = sorted({kept for tag in tags if (kept := normalise_tag(tag))})
    for tag in normalised:
        if len(tag) > MAX_TAG_LENGTH:
            raise Invalid(
                f"tags: {tag!r} is {len(tag)} characters long in lowercase, more than the "
                f"{MAX_TAG_LENGTH} a tag may have"
            )
    return normalised


def wall_time(moment: datetime) -> datetime:
    """The wall-clock reading of a moment, as the catalog compares and stores times."""
    return moment.replace(tzinfo=None)


def split_moment(moment: datetime, field: str = "taken_at") -> tuple[datetime, timedelta | None]:
    """A moment as stored: its wall time and the UTC offset it came with (None when
    it came without a zone). Invalid, naming the field, when either is out of bounds."""
    wall, offset = wall_time(moment), moment.utcoffset()
    problem = time_problem(wall, offset)
    if problem is not None:
        raise Invalid(f"{field} {problem}: {moment.isoformat()}")
    return wall, offset


def camera_time(
    taken: datetime | None, offset: timedelta | None
) -> tuple[datetime | None, timedelta | None]:
    """A time read from EXIF as stored: an offset that would carry it out of bounds in
    UTC is a broken clock, not a zone, and is dropped (the wall time stays)."""
    if taken is not None and time_problem(taken, offset) is not None:
        return taken, None
    return taken, offset


def time_problem(wall: datetime, offset: timedelta | None) -> str | None:
    """Why a wall time and offset cannot be stored, or None when they can."""
    if offset is None:
        return None
    if abs(offset) > MAX_OFFSET:
        return "must have a UTC offset within ±18 hours"
    try:
        wall - offset  # the same moment in UTC, which must exist too
    except OverflowError:
        return f"{OUT_OF_RANGE}, also in UTC"
    return None
