"""Shared test helpers: seed photo rows, register a folder, decode a listing, sample memory."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from protocol.input_sessions import FINISHED
from tests.support.app import Client
from tests.support.daemon_process import DaemonProcess

HASH_A = "a" * 64


def hothash(n: int) -> str:
    """A well-formed hothash, different for every n."""
    return hashlib.sha256(str(n).encode()).hexdigest()


async def add_photo(conn: Any, photo_hash: str, **columns: Any) -> uuid.UUID:
    """Insert a minimal photo row (columns as given); returns its id."""
    photographer = await conn.fetchval("SELECT id FROM photographers WHERE is_default")
    values = {"hothash": photo_hash, "hotpreview_b64": "AA==", "photographer_id": photographer}
    values.update(columns)
    names = ", ".join(values)
    params = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    photo_id: uuid.UUID = await conn.fetchval(
        f"INSERT INTO photos ({names}) VALUES ({params}) RETURNING id", *values.values()
    )
    return photo_id


async def add_photos(pool: asyncpg.Pool, rows: list[dict[str, Any]]) -> list[str]:
    """Insert photos directly (fields as given); returns their hothashes in order.

    Registered a minute apart in the order given, so that order is the registration order.
    """
    async with pool.acquire() as conn:
        made: list[str] = []
        for i, row in enumerate(rows):
            values: dict[str, Any] = {
                "hothash": hothash(i),
                "registered_at": datetime(2024, 1, 1) + timedelta(minutes=i),
                **row,
            }
            photo_hash: str = values.pop("hothash")
            await add_photo(conn, photo_hash, **values)
            made.append(photo_hash)
        return made


async def listing(client: Client, query: str = "") -> list[str]:
    """The hothashes `GET /api/photos{query}` answers, in its order."""
    response = await client.get(f"/api/photos{query}")
    assert response.status_code == 200, response.text
    return [p["hothash"] for p in response.json()]


async def register(client: Client, folder: Path, **extra: Any) -> dict[str, Any]:
    """Start a session and wait for it to finish."""
    response = await client.post(
        "/api/input-sessions", json={"name": folder.name, "source_path": str(folder), **extra}
    )
    assert response.status_code == 201, response.text
    return await finished(client, response.json()["id"])


async def finished(client: Client, session_id: str, timeout: float = 120) -> dict[str, Any]:
    """Poll a session until it reaches a final status; returns it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session: dict[str, Any] = (await client.get(f"/api/input-sessions/{session_id}")).json()
        if session["status"] in FINISHED:
            return session
        await asyncio.sleep(0.1)
    raise AssertionError(f"session {session_id} did not finish")


class RssSampler:
    """Peak resident memory of a process and its children, PostgreSQL excluded."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            total = 0
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                continue
            for proc in processes:
                try:
                    if not proc.name().startswith("postgres"):
                        total += proc.memory_info().rss
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)


def register_measured(daemon: DaemonProcess, folder: Path) -> tuple[float, dict[str, Any], int]:
    """Register folder on a running daemon: seconds, the completed session, peak tree RSS."""
    assert daemon.proc is not None
    with RssSampler(daemon.proc.pid) as rss:
        began = time.perf_counter()
        status, session = daemon.request(
            "POST", "/api/input-sessions", {"name": folder.name, "source_path": str(folder)}
        )
        assert status == 201, session
        while True:
            _, session = daemon.request("GET", f"/api/input-sessions/{session['id']}")
            if session["status"] not in ("pending", "running"):
                break
            time.sleep(0.25)  # about what `hotprevue register` does (0.5 s)
        seconds = time.perf_counter() - began
    assert session["status"] == "completed", session
    return seconds, session, rss.peak
