"""Events the OS drops or cannot deliver: a queue overflow and a watch limit."""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon.watching.observer import POLL_INTERVAL
from tests.support.watching import Watching, photo

pytestmark = pytest.mark.slow

MAX_WATCHES = Path("/proc/sys/fs/inotify/max_user_watches")

# Writes enough events to overflow the kernel's inotify queue (fs.inotify.max_queued_events,
# 16384 by default), then three photos whose events are lost with the rest.
NOISE_THEN_PHOTOS = """
import sys
from pathlib import Path
folder, photos = Path(sys.argv[1]), Path(sys.argv[2])
for n in range(int(sys.argv[3])):
    (folder / f"noise-{n}.txt").write_bytes(b"")
for photo in sorted(photos.iterdir()):
    (folder / photo.name).write_bytes(photo.read_bytes())
"""


@contextlib.contextmanager
def gil_held_for(seconds: float) -> Iterator[None]:
    """Keep every other thread of this process, watchdog's reader among them, from running."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000)
    try:
        yield
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            pass
    finally:
        sys.setswitchinterval(interval)


async def test_a_queue_overflow_is_caught_up_by_a_rescan(
    watching: Watching,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
) -> None:
    folder = tmp_path / "flooded"
    folder_id = await watching.add(folder)
    await watching.reaches(folder_id, "watching")
    photos = tmp_path / "photos"
    photos.mkdir()
    for n in range(3):
        (photos / f"p{n}.jpg").write_bytes(photo(500 + n))
    queued = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    # As `--log-level ERROR` does: the watcher must still hear watchdog's warning.
    root = logging.getLogger()
    level, root.level = root.level, logging.ERROR
    request.addfinalizer(lambda: root.setLevel(level))
    writer = subprocess.Popen(  # noqa: ASYNC220 - the test's loop is meant to stall
        [sys.executable, "-c", NOISE_THEN_PHOTOS, str(folder), str(photos), str(queued + 2000)]
    )
    with gil_held_for(8):
        pass
    assert writer.wait(timeout=60) == 0
    await watching.settled(3, timeout=60)
    assert any("overflowed" in record.getMessage() for record in caplog.records), (
        "the kernel queue never overflowed, so this test proved nothing"
    )


async def test_no_watches_left_falls_back_to_polling(watching: Watching, tmp_path: Path) -> None:
    folder = tmp_path / "polled"
    for name in ("a", "b", "c"):
        (folder / name / "deeper").mkdir(parents=True)
    limit = MAX_WATCHES.read_text()
    # Fewer watches than the folder's 7 folders need (changing it needs root, as CI has).
    MAX_WATCHES.write_text("3\n")
    try:
        folder_id = await watching.add(folder)
        await watching.reaches(folder_id, "polling")
    finally:
        MAX_WATCHES.write_text(limit)
    assert "max_user_watches" in watching.watcher.status(folder_id).detail
    (folder / "c" / "deeper" / "late.jpg").write_bytes(photo(600))
    await watching.settled(1, timeout=POLL_INTERVAL * 3)
    assert watching.watcher.status(folder_id).state == "polling"
