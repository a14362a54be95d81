"""What a watched folder asks of the catalog, as one port: the queries its decisions
need, and "open a burst". `StoreCatalog` answers from the database; a test may answer
from memory."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Protocol

import asyncpg

from daemon.registration import sessions
from daemon.registration.feed import GroupFeed
from daemon.registration.manager import Registrations
from daemon.store import image_files
from daemon.store import registration as registration_store
from daemon.store import watching as store
from daemon.store.registration import KnownPath


class Catalog(Protocol):
    """The catalog as a watched folder sees it."""

    async def any_files_under(self, prefix: str) -> bool:
        """Whether the catalog has any file under the folder `prefix`."""

    async def files_under(self, prefix: str) -> dict[str, str]:
        """Every known file under the folder `prefix`, with its state."""

    async def known_paths(self, paths: list[str]) -> dict[str, KnownPath]:
        """Of these paths, those the catalog has, with what it knows of each."""

    async def failed_since(self, folder_id: uuid.UUID, paths: list[str]) -> dict[str, float]:
        """Of these paths, those a session of the folder could not register, with the
        Unix time of the last failure."""

    async def set_state(self, paths: list[str], state: str) -> None:
        """Give these files a state."""

    async def set_state_under(self, prefix: str, state: str, from_states: list[str]) -> None:
        """Give every file under `prefix` now in one of `from_states` the state `state`."""

    async def move_file(self, source: str, destination: str) -> bool:
        """A known file was renamed; False when the source is unknown or the destination
        is already another file of the catalog."""

    async def move_folder(self, source: str, destination: str) -> None:
        """A folder was renamed: every known path under it follows (prefixes end with a
        separator); Conflict, with nothing moved, when a path there is known already."""

    async def scanned(self, folder_id: uuid.UUID) -> None:
        """A complete scan of the folder has ended."""

    async def open_burst(self, feed: GroupFeed, burst: sessions.Burst) -> uuid.UUID:
        """Open a session that registers the groups the folder hands it through `feed`."""


class StoreCatalog:
    """The catalog in the database, and the registration jobs that add to it."""

    def __init__(
        self, pool: asyncpg.Pool, registrations: Registrations, coldpreview_dir: Path
    ) -> None:
        self._pool = pool
        self._registrations = registrations
        self._coldpreview_dir = coldpreview_dir

    async def any_files_under(self, prefix: str) -> bool:
        """Whether the catalog has any file under the folder `prefix`."""
        async with self._pool.acquire() as conn:
            return await image_files.any_under(conn, prefix)

    async def files_under(self, prefix: str) -> dict[str, str]:
        """Every known file under the folder `prefix`, with its state."""
        async with self._pool.acquire() as conn:
            return await image_files.files_under(conn, prefix)

    async def known_paths(self, paths: list[str]) -> dict[str, KnownPath]:
        """Of these paths, those the catalog has, with what it knows of each."""
        async with self._pool.acquire() as conn:
            return await registration_store.known_paths(conn, paths)

    async def failed_since(self, folder_id: uuid.UUID, paths: list[str]) -> dict[str, float]:
        """Of these paths, those a session of the folder could not register, with when."""
        async with self._pool.acquire() as conn:
            return await store.failed_since(conn, folder_id, paths)

    async def set_state(self, paths: list[str], state: str) -> None:
        """Give these files a state."""
        async with self._pool.acquire() as conn:
            await image_files.set_state(conn, paths, state)

    async def set_state_under(self, prefix: str, state: str, from_states: list[str]) -> None:
        """Give every file under `prefix` now in one of `from_states` the state `state`."""
        async with self._pool.acquire() as conn:
            await image_files.set_state_under(conn, prefix, state, from_states)

    async def move_file(self, source: str, destination: str) -> bool:
        """A known file was renamed, its duplicate rows with it, in one transaction."""
        async with self._pool.acquire() as conn, conn.transaction():
            return await image_files.move_file(conn, source, destination)

    async def move_folder(self, source: str, destination: str) -> None:
        """A folder was renamed: every known path under it follows, in one transaction."""
        async with self._pool.acquire() as conn, conn.transaction():
            await image_files.move_folder(conn, source, destination)

    async def scanned(self, folder_id: uuid.UUID) -> None:
        """A complete scan of the folder has ended."""
        async with self._pool.acquire() as conn:
            await store.scanned(conn, folder_id)

    async def open_burst(self, feed: GroupFeed, burst: sessions.Burst) -> uuid.UUID:
        """Open a session that registers the groups the folder hands it through `feed`."""
        return await sessions.start_fed(
            self._pool, self._registrations, self._coldpreview_dir, feed, burst
        )
