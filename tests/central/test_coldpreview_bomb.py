"""Central checks an uploaded coldpreview from its header before it decodes it, in bounded
memory: a few hundred bytes that claim 8000 x 8000 px never get their 370 MB."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import threading

import pytest
from PIL import Image

from daemon.errors import Invalid
from daemon.imaging import coldpreviews
from daemon.imaging.coldpreviews import CHECK_MEMORY, MAX_PIXELS_PER_BYTE, MemoryBudget
from daemon.imaging.previews import make_previews
from protocol.sync import MAX_COLDPREVIEW_PX, SyncBatch
from tests.support.app import Client
from tests.support.central import image_file, new_machine, photo, photographer, push, upload
from tests.support.daemon_process import clean_env
from tests.support.images import corpus_images, photo_like

MB = 1024 * 1024
# Reading the header of a file and refusing it takes a few hundred kilobytes.
SMALL_PEAK = 16 * MB
_SOF = {0xC0, 0xC1, 0xC2}


def claiming(
    width: int,
    height: int,
    *,
    progressive: bool = True,
    mode: str = "RGB",
    subsampling: int = 0,
    padding: int = 0,
) -> bytes:
    """A real 16 x 16 px JPEG whose header claims width x height px, with `padding`
    comments of 64 KB each to make the file larger without a pixel more."""
    out = io.BytesIO()
    Image.new(mode, (16, 16)).save(
        out, "JPEG", progressive=progressive, subsampling=subsampling, quality=50
    )
    data = bytearray(out.getvalue())
    at = 2
    while data[at + 1] not in _SOF:
        at += 2 + struct.unpack_from(">H", data, at + 2)[0]
    struct.pack_into(">HH", data, at + 5, height, width)
    comment = b"\xff\xfe" + struct.pack(">H", 0xFFFF) + bytes(0xFFFD)
    return bytes(data[:2]) + comment * padding + bytes(data[2:])


def real_coldpreview() -> bytes:
    """The coldpreview Hotprevue makes of a camera's JPEG (1200 px on its long side)."""
    master = next(path for path in corpus_images() if path.name == "Canon_40D.jpg")
    return make_previews(master, coldpreview_max_px=1200, quality=85).coldpreview


def progressive(width: int, height: int) -> bytes:
    out = io.BytesIO()
    photo_like(width, height, 7).save(out, "JPEG", progressive=True, quality=85)
    return out.getvalue()


async def test_a_tiny_jpeg_claiming_8000_px_is_refused_and_real_ones_pass(
    central: Client,
) -> None:
    laptop = await new_machine(central, "laptop")
    kari = photographer()
    shot = photo(1, kari.id)
    batch = SyncBatch(
        after=0,
        upto=1,
        machine_name="laptop",
        photographers=[kari],
        photos=[shot],
        image_files=[image_file(shot.hothash, "/p.jpg")],
    )
    await push(central, laptop, batch)
    bombs = [
        claiming(8000, 8000),
        claiming(8000, 8000, mode="L"),
        claiming(8000, 5333, subsampling=2),
        claiming(8000, 8000, progressive=False),
        claiming(3000, 3000),
    ]
    assert len(bombs[0]) < 1000
    for bomb in bombs:
        status, body = await upload(central, laptop, shot.hothash, bomb)
        assert status == 422, (len(bomb), body)
        assert f"at most {MAX_PIXELS_PER_BYTE} px a byte" in str(body["detail"])
    # Padded to look dense enough, it still needs more memory than a check may take.
    padded = claiming(8000, 8000, padding=2)
    assert len(padded) * MAX_PIXELS_PER_BYTE >= 8000 * 8000
    status, body = await upload(central, laptop, shot.hothash, padded)
    assert status == 422, body
    assert f"central gives the check of a coldpreview ({CHECK_MEMORY // MB} MB)" in str(
        body["detail"]
    )
    assert (await upload(central, laptop, shot.hothash, progressive(1200, 800)))[0] == 200
    other = photo(2, kari.id)
    batch = SyncBatch(
        after=1,
        upto=2,
        machine_name="laptop",
        photos=[other],
        image_files=[image_file(other.hothash, "/q.jpg")],
    )
    await push(central, laptop, batch)
    status, body = await upload(central, laptop, other.hothash, real_coldpreview())
    assert (status, body["stored"]) == (200, True)


MEASURE = """
import resource, sys
from daemon.errors import Invalid
from daemon.imaging import coldpreviews
data = sys.stdin.buffer.read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    coldpreviews.check_upload(data, max_px=int(sys.argv[1]))
    print("accepted", file=sys.stderr)
except Invalid as exc:
    print(exc.detail, file=sys.stderr)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def check_peak(data: bytes) -> tuple[int, str]:
    """How much the check raises a fresh process's peak memory (bytes), and its verdict."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(MAX_COLDPREVIEW_PX)],
        input=data,
        capture_output=True,
        env=clean_env(),
        check=True,
        timeout=60,
    )
    # ru_maxrss is in bytes on macOS, in kilobytes elsewhere.
    unit = 1 if sys.platform == "darwin" else 1024
    return int(done.stdout) * unit, done.stderr.decode()


@pytest.mark.skipif(sys.platform == "win32", reason="the resource module is POSIX only")
def test_the_check_of_a_bomb_stays_small_in_memory() -> None:
    for bomb in (claiming(8000, 8000), claiming(8000, 8000, padding=2)):
        peak, verdict = check_peak(bomb)
        assert peak < SMALL_PEAK, (peak // MB, verdict)
        assert "accepted" not in verdict
    peak, verdict = check_peak(real_coldpreview())
    assert verdict.strip() == "accepted"
    assert peak < SMALL_PEAK, peak // MB


def test_checks_at_once_wait_for_their_share_of_the_memory() -> None:
    held = threading.Event()
    # Another check holds all of it: this one waits, then runs when it is given back.
    finished = threading.Event()

    def check() -> None:
        held.wait()
        coldpreviews.check_upload(progressive(1200, 800), max_px=MAX_COLDPREVIEW_PX)
        finished.set()

    worker = threading.Thread(target=check)
    with coldpreviews.UPLOAD_CHECKS.reserve(CHECK_MEMORY):
        worker.start()
        held.set()
        assert not finished.wait(0.5)
    assert finished.wait(10)
    worker.join()
    budget = MemoryBudget(100)
    with pytest.raises(ValueError, match="more than the whole budget"):
        budget.reserve(101).__enter__()


def test_a_damaged_progressive_coldpreview_is_refused() -> None:
    data = progressive(1200, 800)
    with pytest.raises(Invalid, match="not a readable JPEG"):
        coldpreviews.check_upload(data[:200] + bytes(len(data) - 200), max_px=8000)
