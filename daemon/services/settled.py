"""Figures of a local catalog kept between polls while nothing in it changes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar, cast

from daemon.store import system as store
from daemon.store.base import Conn

T = TypeVar("T")


class SettledCache:
    """Values computed from the catalog, kept until a change takes a number.

    Every change to a synced table (photos, their files and sessions, deletions too)
    takes a number from one sequence, so a figure of those tables holds while the
    settled number stays the same: the tray's every-second poll then costs next to
    nothing on a large catalog. Not for central, whose mirrored deletions take none."""

    def __init__(self) -> None:
        self._settled: int | None = None
        self._values: dict[Hashable, object] = {}

    async def get(self, conn: Conn, key: Hashable, compute: Callable[[Conn], Awaitable[T]]) -> T:
        """The value under `key`, computed again only after a change."""
        settled = await store.settled_change(conn)
        if settled is not None and settled == self._settled and key in self._values:
            return cast("T", self._values[key])
        value = await compute(conn)
        # While a writer holds a number (settled is None), the value may miss its change
        # once it commits: used, never kept.
        if settled is not None:
            if settled != self._settled:
                self._settled, self._values = settled, {}
            self._values[key] = value
        return value
