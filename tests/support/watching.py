"""A real watcher on a real folder, driven and observed from the test's event loop."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg

from daemon.registration.manager import Registrations
from daemon.watching.manager import Watcher
from tests.support.images import jpeg_bytes, photo_like, write_jpeg

QUIET = 0.5  # seconds: the quiet window the tests run with


def photo(seed: int, size: tuple[int, int] = (320, 240)) -> bytes:
    """A small JPEG whose pixels (and so hothash) depend on the seed."""
    return jpeg_bytes(photo_like(*size, seed))


def write_photo(path: Path, seed: int, size: tuple[int, int] = (320, 240)) -> Path:
    """`photo(seed)` written to path (folders made)."""
    return write_jpeg(path, *size, seed=seed)


class Watching:
    """The watcher under test and helpers to drive and observe it."""

    def __init__(self, pool: asyncpg.Pool, watcher: Watcher, registrations: Registrations) -> None:
        self.pool = pool
        self.watcher = watcher
        # The registration jobs the watcher's sessions run in, for tests that act on them.
        self.registrations = registrations
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run the watcher (again), as the daemon's start does."""
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self.watcher.run(self._stop))

    async def stop(self) -> None:
        """Stop the watcher, as the daemon's stop does."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def add(self, folder: Path, *, recursive: bool = True) -> uuid.UUID:
        """Watch a folder (as the API does: a row, then reload)."""
        folder.mkdir(parents=True, exist_ok=True)
        async with self.pool.acquire() as conn:
            folder_id: uuid.UUID = await conn.fetchval(
                "INSERT INTO watched_folders (path, recursive) VALUES ($1, $2) RETURNING id",
                str(folder.resolve()),
                recursive,
            )
        self.watcher.reload()
        return folder_id

    def state(self, folder_id: uuid.UUID) -> str:
        """What the watcher says it does with the folder (`starting` when it has let it go)."""
        return self.watcher.status(folder_id).state

    async def reaches(self, folder_id: uuid.UUID, state: str, timeout: float = 30.0) -> None:
        """Until the watcher is in this state with the folder."""

        async def check() -> bool:
            return self.state(folder_id) == state

        await self.until(check, timeout, f"the folder to be {state}")

    async def files(self) -> dict[str, tuple[str, str, bool]]:
        """Every file row: path → (hothash, state, is_master)."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT f.file_path, p.hothash, f.state, f.is_master FROM image_files f "
                "JOIN photos p ON p.id = f.photo_id"
            )
        return {r["file_path"]: (r["hothash"], r["state"], r["is_master"]) for r in rows}

    async def count(self, sql: str, *args: Any) -> int:
        """One number from the catalog."""
        async with self.pool.acquire() as conn:
            value: int = await conn.fetchval(sql, *args)
        return value

    async def until(
        self, check: Callable[[], Any], timeout: float = 30.0, what: str = "condition"
    ) -> None:
        """Poll an async check until it is true."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if await check():
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.1)

    async def photos(self) -> int:
        """How many photos the catalog holds."""
        return await self.count("SELECT count(*) FROM photos")

    async def settled(self, expected_photos: int, timeout: float = 30.0) -> None:
        """Until the catalog holds this many photos and no session is running."""

        async def check() -> bool:
            running = await self.count(
                "SELECT count(*) FROM input_sessions WHERE status IN ('pending', 'running')"
            )
            return await self.photos() == expected_photos and running == 0

        await self.until(check, timeout, f"{expected_photos} photos and no running session")
