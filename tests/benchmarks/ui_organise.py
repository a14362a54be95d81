"""The organising pages' figures of tests.benchmarks.ui: a collection, a drag, an export,
the events page.

Targets (web UI part 2):
  collection of 2,000 items: open -> draggable ................ < 1 s
  drag one item: pointer released -> move answered ............ < 300 ms
  export of 300 photos: first byte / whole ZIP ................ < 2 s / < 10 s
  events page with 500 events (each with a cover): first paint  < 500 ms

"Draggable": every item of the collection is in the page and SortableJS is attached to
the list (it keeps its instance under an expando key starting with "Sortable"). Times
are read inside the page (performance.now(), event timeStamps, resource timing).
"""

from __future__ import annotations

import http.client
import statistics
import time
from typing import Any

import asyncpg
from playwright.sync_api import BrowserContext, Page

from tests.benchmarks.ui import Figure, Session, hide_hothash, new_page, p95
from tests.support.daemon_process import DaemonProcess
from tests.ui.browser import run_async

COLLECTION_ITEMS = 2000
MB = 1 << 20
EXPORT_PHOTOS = 300
DRAGS = 10

# The list of a collection's items, and whether SortableJS is attached to it.
ITEMS = '[role="list"][aria-label="Items"]'
DRAGGABLE = f"""(count) => {{
    const list = document.querySelector('{ITEMS}');
    if (!list || list.querySelectorAll('[data-item-id]').length < count) return false;
    return Object.keys(list).some((key) => key.startsWith('Sortable')) && performance.now();
}}"""
# When the pointer was last released, and when the last move request was answered.
DRAG_TIMES = """() => {
    const moves = performance.getEntriesByType('resource')
        .filter((entry) => entry.name.includes('/items/move'));
    return [window.__released ?? null, moves.length ? moves[moves.length - 1].responseEnd : null];
}"""
RELEASE_WATCH = """document.addEventListener('pointerup',
    (event) => { window.__released = event.timeStamp; }, true);"""


def timed_get(daemon: DaemonProcess, path: str) -> tuple[int, float]:
    """One GET with the API key: the body's size in bytes and the time it took in ms."""
    host, port = daemon.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        began = time.perf_counter()
        connection.request("GET", path, headers={"X-API-Key": daemon.api_key})
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, (response.status, body[:200])
        return len(body), (time.perf_counter() - began) * 1000
    finally:
        connection.close()


def make_collection(daemon: DaemonProcess, name: str, hothashes: list[str]) -> str:
    """A collection holding these photos in this order; its id."""
    status, created = daemon.request("POST", "/api/collections", {"name": name})
    assert status == 201, (status, created)
    for start in range(0, len(hothashes), 1000):
        chunk = hothashes[start : start + 1000]
        status, body = daemon.request(
            "POST",
            f"/api/collections/{created['id']}/items/batch",
            {"hothashes": chunk},
            timeout=60,
        )
        assert status in (200, 201), (status, str(body)[:200])
    return str(created["id"])


def first_photos(daemon: DaemonProcess, count: int) -> list[str]:
    """The first photos of the default order."""
    status, hothashes = daemon.request("GET", f"/api/photos/hothashes?limit={count}", timeout=60)
    assert status == 200, (status, hothashes)
    return list(hothashes)


def collection_open(
    session: Session, context: BrowserContext, daemon: DaemonProcess, runs: int = 5
) -> Figure:
    """Open a collection of 2,000 items until it can be dragged, median of five."""
    figure = Figure(f"Collection of {COLLECTION_ITEMS:,}: open -> draggable", "< 1 s")
    collection = make_collection(
        daemon, "Benchmark collection", first_photos(daemon, COLLECTION_ITEMS)
    )
    timings = []
    with new_page(session, context) as page:
        for _ in range(runs):
            page.goto(f"{session.url}/collections/{collection}")
            handle = page.wait_for_function(DRAGGABLE, arg=COLLECTION_ITEMS, timeout=30_000)
            timings.append(float(handle.json_value()))
    value = statistics.median(timings)
    figure.measured = f"{value / 1000:.2f} s"
    figure.passed = value < 1000
    # The baseline: the whole list in one answer, as the API gave it before paging.
    whole, whole_ms = timed_get(daemon, f"/api/collections/{collection}/items")
    paged, paged_ms = timed_get(daemon, f"/api/collections/{collection}/items?limit=1000")
    figure.note = (
        f"median of {runs}; slowest {max(timings):.0f} ms; all items in one answer "
        f"{whole / MB:.1f} MB in {whole_ms:.0f} ms, a page of 1,000 {paged / MB:.1f} MB "
        f"in {paged_ms:.0f} ms"
    )
    return figure


def drag_one(page: Page, source: int, target: int) -> None:
    """Drag item `source` onto item `target` with real pointer moves."""
    items = page.locator(f"{ITEMS} [data-item-id]")
    start = items.nth(source).bounding_box()
    end = items.nth(target).bounding_box()
    assert start
    assert end
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    x, y = end["x"] + end["width"] * 0.75, end["y"] + end["height"] / 2
    for step in range(1, 11):
        page.mouse.move(
            start["x"] + (x - start["x"]) * step / 10, start["y"] + (y - start["y"]) * step / 10
        )
        page.wait_for_timeout(20)
    page.mouse.up()


def drag(session: Session, context: BrowserContext, daemon: DaemonProcess) -> Figure:
    """Drag one item a few places: pointer released -> items/move answered, p95."""
    figure = Figure("Drag one item: released -> move answered, p95", "< 300 ms")
    collection = make_collection(daemon, "Benchmark drag", first_photos(daemon, 200))
    context.add_init_script(RELEASE_WATCH)
    timings = []
    with new_page(session, context) as page:
        page.goto(f"{session.url}/collections/{collection}")
        page.wait_for_function(DRAGGABLE, arg=200, timeout=30_000)
        for run in range(DRAGS):
            with page.expect_response(lambda r: "/items/move" in r.url, timeout=10_000):
                drag_one(page, run % 3, 4 + run % 3)
            released, answered = page.evaluate(DRAG_TIMES)
            assert released is not None
            assert answered is not None
            timings.append(float(answered) - float(released))
    value = p95(timings)
    figure.measured = f"{value:.0f} ms"
    figure.passed = value < 300
    figure.note = f"median {statistics.median(timings):.0f} ms over {DRAGS} drags"
    return figure


def export(daemon: DaemonProcess, hothashes: list[str]) -> Figure:
    """Download a 300-photo collection's ZIP: first byte and whole, median of three."""
    figure = Figure(f"Export of {EXPORT_PHOTOS} photos: first byte / whole", "< 2 / < 10 s")
    collection = make_collection(daemon, "Benchmark export", hothashes[:EXPORT_PHOTOS])
    host, port = daemon.url.removeprefix("http://").split(":")
    firsts, wholes, sizes = [], [], []
    for _ in range(3):
        connection = http.client.HTTPConnection(host, int(port), timeout=120)
        try:
            began = time.perf_counter()
            connection.request(
                "GET",
                f"/api/collections/{collection}/export",
                headers={"X-API-Key": daemon.api_key},
            )
            response = connection.getresponse()
            assert response.status == 200, (response.status, response.read()[:200])
            size = len(response.read(1))
            firsts.append(time.perf_counter() - began)
            while chunk := response.read(1 << 16):
                size += len(chunk)
            wholes.append(time.perf_counter() - began)
            sizes.append(size)
        finally:
            connection.close()
    first, whole = statistics.median(firsts), statistics.median(wholes)
    figure.measured = f"{first:.2f} / {whole:.2f} s"
    figure.passed = first < 2 and whole < 10
    figure.note = f"median of 3; {sizes[-1] / (1 << 20):.0f} MB"
    return figure


async def set_event_covers(dsn: str, hothashes: list[str]) -> int:
    """Give every event a cover; how many events there are."""
    conn = await asyncpg.connect(dsn)
    try:
        ids = [row["id"] for row in await conn.fetch("SELECT id FROM events ORDER BY name")]
        await conn.executemany(
            "UPDATE events SET cover_hothash = $2 WHERE id = $1",
            [(event, hothashes[i % len(hothashes)]) for i, event in enumerate(ids)],
        )
        return len(ids)
    finally:
        await conn.close()


def events_page(
    session: Session, context: BrowserContext, dsn: str, hothashes: list[str], runs: int = 5
) -> Figure:
    """Open the events page until its tree shows an event, median of five."""
    events = run_async(set_event_covers(dsn, hothashes))
    figure = Figure(f"Events page ({events} events): first paint", "< 500 ms")
    shown = """() => document.querySelector('[role="tree"] [role="treeitem"]') !== null
        && performance.now()"""
    timings: list[float] = []
    requests: list[Any] = []
    with new_page(session, context) as page:
        page.on("request", lambda r: requests.append(r.url) if "/api/events" in r.url else None)
        for _ in range(runs):
            page.goto(f"{session.url}/events")
            handle = page.wait_for_function(shown, polling="raf", timeout=30_000)
            timings.append(float(handle.json_value()))
    value = statistics.median(timings)
    figure.measured = f"{value:.0f} ms"
    figure.passed = value < 500
    # The baseline: the list with its covers, all the API gave before covers=false.
    covered, covered_ms = timed_get(session.ui.process, "/api/events")
    bare, bare_ms = timed_get(session.ui.process, "/api/events?covers=false")
    asked = ", ".join(sorted({hide_hothash(url.split(session.url)[-1]) for url in requests}))
    figure.note = (
        f"median of {runs}, from navigation start; asked {asked}; the list with covers "
        f"{covered / MB:.1f} MB in {covered_ms:.0f} ms, without {bare / MB:.2f} MB in "
        f"{bare_ms:.0f} ms"
    )
    return figure
