"""Decode memory stays within its budget, whatever the files and the number of cores."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil
import pytest
from PIL import Image

from daemon.config import DEFAULT_DECODE_MEMORY_MB, ConfigError, load_settings
from daemon.imaging.decode_cost import decode_cost
from daemon.imaging.hothash import PreviewError
from daemon.imaging.previews import init_decoders, make_previews
from daemon.registration import budget
from daemon.registration.budget import DAEMON_SHARE, MB, ORDINARY, WORKER_SHARE, SharedMemory
from daemon.registration.workers import WorkerPool
from tests.imaging.icc import rgb_profile
from tests.support.daemon_process import DaemonProcess, clean_env
from tests.support.factories import RssSampler, register_measured
from tests.support.hostile import hostile_folder, palette_png
from tests.support.images import CORPUS, photo_like

BUDGET_MB = 600


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    folder = tmp_path_factory.mktemp("hostile")
    return folder, hostile_folder(folder)


# --- the plan: how a budget is spent ---------------------------------------------


@pytest.mark.parametrize("budget_mb", [384, 600, 1536, 4096, 65536])
@pytest.mark.parametrize("cores", [1, 2, 3, 8, 64, 512])
def test_the_plan_spends_the_budget_and_no_more(budget_mb: int, cores: int) -> None:
    plan = budget.plan(budget_mb * MB, cores)
    assert 1 <= plan.workers <= cores
    assert plan.shared >= 0
    assert DAEMON_SHARE + plan.workers * (WORKER_SHARE + ORDINARY) + plan.shared == plan.budget
    # Whatever the cores, a third of the budget stays for one big image.
    assert plan.largest >= (plan.budget - DAEMON_SHARE) // 3


@pytest.mark.parametrize("budget_mb", [384, 600, 1536, 8192])
def test_more_cores_stop_adding_workers_at_the_budget(budget_mb: int) -> None:
    counts = [budget.plan(budget_mb * MB, cores).workers for cores in range(1, 1025)]
    assert counts == sorted(counts)
    assert counts[-1] == counts[255] < 1024


def test_a_budget_too_small_for_one_worker_is_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        budget.plan(200 * MB, 4)


def test_the_budget_is_a_setting(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, env={})
    assert settings.decode_memory_mb == DEFAULT_DECODE_MEMORY_MB == 1536
    env = {"HOTPREVUE_DECODE_MEMORY_MB": "600"}
    assert load_settings(data_dir=tmp_path, env=env).decode_memory_mb == 600
    for wrong in ("100", "-5", "lots", "1.5e3"):
        with pytest.raises(ConfigError, match="HOTPREVUE_DECODE_MEMORY_MB"):
            load_settings(data_dir=tmp_path, env={"HOTPREVUE_DECODE_MEMORY_MB": wrong})


# --- the shared part: first come, first served -----------------------------------


async def test_a_big_request_is_not_overtaken_by_smaller_ones() -> None:
    shared = SharedMemory(100)
    await shared.acquire(60)
    big = asyncio.create_task(shared.acquire(80))
    await asyncio.sleep(0)
    small = asyncio.create_task(shared.acquire(30))  # would fit now, but comes later
    await asyncio.sleep(0.01)
    assert not big.done()
    assert not small.done()
    shared.release(60)
    await big
    await asyncio.sleep(0.01)
    assert not small.done()
    shared.release(80)
    await small
    assert shared.free == 70


async def test_a_cancelled_request_lets_the_next_one_in() -> None:
    shared = SharedMemory(100)
    await shared.acquire(90)
    big = asyncio.create_task(shared.acquire(50))
    small = asyncio.create_task(shared.acquire(10))
    await asyncio.sleep(0.01)
    assert not small.done()
    big.cancel()
    await asyncio.wait_for(small, 1)
    assert shared.free == 0
    shared.release(90)
    shared.release(10)
    assert shared.free == shared.capacity == 100


async def test_a_request_granted_as_it_is_cancelled_gives_its_bytes_back() -> None:
    shared = SharedMemory(100)
    await shared.acquire(100)
    waiting = asyncio.create_task(shared.acquire(40))
    await asyncio.sleep(0.01)
    shared.release(100)  # grants the waiter...
    waiting.cancel()  # ...which is cancelled before it runs again
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert shared.free == 100


async def test_a_request_over_the_capacity_is_an_error() -> None:
    with pytest.raises(ValueError, match="capacity"):
        await SharedMemory(100).acquire(101)


# --- the workers -------------------------------------------------------------------


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * MB))


def crash() -> None:
    os._exit(70)


def sleep(seconds: float) -> None:
    time.sleep(seconds)


async def test_an_ordinary_task_cannot_take_more_than_its_share() -> None:
    pool = WorkerPool(1, timeout=30)
    try:
        assert await pool.call(allocate, 48) == 48 * MB
        with pytest.raises(PreviewError, match="memory"):
            await pool.call(allocate, 400)
        assert await pool.call(allocate, 48) == 48 * MB
    finally:
        pool.close()


@pytest.mark.slow
async def test_a_big_decode_gives_its_memory_back_however_it_ends() -> None:
    pool = WorkerPool(1, timeout=2, memory_budget=BUDGET_MB * MB)
    extra = 100 * MB
    try:
        for task, args, message in ((crash, (), "crashed"), (sleep, (30,), "longer than 2 s")):
            await pool.shared.acquire(extra)
            with pytest.raises(PreviewError, match=message):
                await pool._run(task, args, held=extra)
            assert pool.shared.free == pool.shared.capacity
        # Cancelled, a big decode keeps its memory until its worker has finished it.
        await pool.shared.acquire(extra)
        running = asyncio.create_task(pool._run(sleep, (1.0,), held=extra))
        await asyncio.sleep(0.3)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        assert pool.shared.free == pool.shared.capacity - extra
        # All of it comes back once the worker is done with the decode.
        await asyncio.wait_for(pool.shared.acquire(pool.shared.capacity), 10)
    finally:
        pool.close()


# Slow: it decodes the hostile folder (seconds to write), as the test below does.
@pytest.mark.slow
async def test_asking_for_more_workers_than_the_budget_affords(
    hostile: tuple[Path, dict[str, list[str]]],
) -> None:
    """As on a 16-core machine: the workers and their decodes still fit the budget."""
    folder, _ = hostile
    pool = WorkerPool(16, memory_budget=BUDGET_MB * MB)
    assert pool.size == budget.plan(BUDGET_MB * MB, 16).workers < 16
    files = ["palette0.png", "palette1.png", "palette2.png", "large.png", "medium16.tif"]
    try:
        with RssSampler(os.getpid()) as tree:
            # The sampler counts this test process too: measure what it adds.
            baseline = psutil.Process().memory_info().rss
            await asyncio.gather(
                *(
                    pool.previews(str(folder / name), coldpreview_max_px=1200, quality=80)
                    for name in files
                )
            )
    finally:
        pool.close()
    assert tree.peak - baseline < BUDGET_MB * MB - DAEMON_SHARE


# --- the estimates -----------------------------------------------------------------


def measure(path: str, coldpreview_max_px: int) -> tuple[int, int]:
    """In a fresh process: the estimate, and what make_previews really adds at its peak."""
    init_decoders()
    estimate = decode_cost(path, coldpreview_max_px=coldpreview_max_px)
    before = psutil.Process().memory_info().rss
    clear_refs = Path("/proc/self/clear_refs")
    if clear_refs.exists():
        # Linux: a child inherits its parent's peak (ru_maxrss); start this one's afresh.
        clear_refs.write_text("5")
    make_previews(path, coldpreview_max_px=coldpreview_max_px, quality=80)
    return estimate, _peak_rss() - before


def _peak_rss() -> int:
    status = Path("/proc/self/status")
    if status.exists():
        lines = status.read_text().splitlines()
        kilobytes = next(line.split()[1] for line in lines if line.startswith("VmHWM:"))
        return int(kilobytes) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS


@pytest.mark.slow
def test_estimates_cover_what_decoding_takes(
    hostile: tuple[Path, dict[str, list[str]]], tmp_path: Path
) -> None:
    folder, _ = hostile
    adobe = rgb_profile()
    transparent = tmp_path / "transparent.png"
    Image.new("P", (3000, 3000), 3).save(transparent, transparency=0)
    rgba = tmp_path / "rgba.png"
    Image.new("RGBA", (3000, 2000), (1, 2, 3, 4)).save(rgba, compress_level=1)
    grey = tmp_path / "grey_profile.png"
    Image.new("L", (4000, 3000), 90).save(grey, icc_profile=adobe, compress_level=1)
    cmyk = tmp_path / "cmyk.tif"
    Image.new("CMYK", (3000, 2000), (1, 2, 3, 4)).save(cmyk, compression="tiff_adobe_deflate")
    photo = photo_like(4000, 3000, 1)
    progressive = tmp_path / "progressive.jpg"
    photo.save(progressive, quality=90, progressive=True)
    full_chroma = tmp_path / "progressive444.jpg"
    photo.save(full_chroma, quality=90, progressive=True, subsampling=0)
    cmyk_jpeg = tmp_path / "cmyk.jpg"
    photo.convert("CMYK").save(cmyk_jpeg, quality=90)
    grey_jpeg = tmp_path / "grey.jpg"
    photo.convert("L").save(grey_jpeg, quality=90, icc_profile=adobe)
    adobe_jpeg = tmp_path / "adobe.jpg"
    photo.save(adobe_jpeg, quality=90, icc_profile=adobe)
    # Imported here: workers unpickling this module's tasks would load tifffile after
    # their memory ceiling is set, and that would eat into their allowance.
    from tests.support.raw_files import write_dng

    # 12 MP RAWs, one for each way raw.py decodes: a full-size embedded preview (at the
    # coldpreview's scale too); one that only covers the hotpreview, the coldpreview
    # demosaiced; none; and a preview with EXIF only LibRaw reads, which unpacks the raw.
    raw_full = write_dng(tmp_path / "full.dng", 4000, 3000, preview="ifd0", preview_px=4000)
    raw_small = write_dng(tmp_path / "small.dng", 4000, 3000, preview="subifd", preview_px=1620)
    raw_none = write_dng(tmp_path / "none.dng", 4000, 3000)
    raw_unpacked = write_dng(
        tmp_path / "unpacked.dng", 4000, 3000, preview="ifd0", preview_px=4000, exif=False
    )
    cases = [
        (folder / "palette0.png", 1200),
        (palette_png(tmp_path / "palette.png", 4000, 6000, seed=1), 1200),
        (folder / "large.png", 1200),
        (folder / "medium16.tif", 1200),
        (folder / "panorama.jpg", 8000),
        (CORPUS / "heic" / "IMG_5195.HEIC", 1200),
        (transparent, 1200),
        (rgba, 1200),
        (grey, 1200),
        (cmyk, 1200),
        (progressive, 1200),
        (full_chroma, 1200),
        (cmyk_jpeg, 4000),
        (grey_jpeg, 4000),
        (grey_jpeg, 1200),
        (adobe_jpeg, 2560),
        (raw_full, 2560),
        (raw_small, 2560),
        (raw_none, 1200),
        (raw_unpacked, 1200),
    ]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context, max_tasks_per_child=1) as pool:
        results = list(pool.map(measure, [str(p) for p, _ in cases], [c for _, c in cases]))
    for (path, cold), (estimate, peak) in zip(cases, results, strict=True):
        assert peak > 20 * MB, f"{path.name}: too small to say anything ({peak / MB:.0f} MB)"
        assert peak <= estimate, f"{path.name} (cold {cold}): {peak / MB:.0f} MB > {estimate / MB}"
        # Not wildly pessimistic either: that would hold big files back for nothing.
        assert estimate <= 2 * peak + 32 * MB, f"{path.name}: {estimate / MB:.0f} MB estimated"


# --- the whole daemon --------------------------------------------------------------


@pytest.mark.process
def test_the_daemon_stays_within_its_budget(
    hostile: tuple[Path, dict[str, list[str]]], tmp_path: Path
) -> None:
    folder, expected = hostile
    env = clean_env(HOTPREVUE_DECODE_MEMORY_MB=str(BUDGET_MB))
    daemon = DaemonProcess(tmp_path / "data", env=env).start()
    try:
        daemon.wait_healthy()
        assert daemon.proc is not None
        with RssSampler(daemon.proc.pid) as tree:
            _, session, _ = register_measured(daemon, folder)  # asserts it completed
        status, listed = daemon.request(
            "GET", f"/api/input-sessions/{session['id']}/errors?limit=100"
        )
    finally:
        daemon.kill_all()
    assert status == 200, listed
    errors = {Path(e["file_path"]).name: e["error"] for e in listed}
    assert tree.peak < BUDGET_MB * MB, f"peak {tree.peak / MB:.0f} MB"
    assert sorted(errors) == sorted(expected["over"] + expected["refused"]), errors
    for name in expected["over"]:
        assert "raise HOTPREVUE_DECODE_MEMORY_MB" in errors[name], errors[name]
        assert f"decode memory budget of {BUDGET_MB} MB" in errors[name], errors[name]
    for name in expected["refused"]:
        assert "HOTPREVUE_DECODE_MEMORY_MB" not in errors[name], errors[name]
    assert session["photo_count"] == len(expected["fits"]), session
