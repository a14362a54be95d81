"""The web UI's speed and memory on a catalog of 100,000 photos, in a real Chromium.

Run: python -m tests.benchmarks.ui [--photos 100000] [--full] [--figures wheel,loupe]

Starts the real daemon, fills its embedded database like tests.benchmarks.catalog (the
same rows and hotpreviews) and gives the first 300 photos of the default order
(taken_at_desc) real 1200x800 coldpreview files, then drives the system's Chromium
as tests.ui.browser does (HOTPREVUE_CHROMIUM names another) at 1280x900, device scale
factor 1, signed in through a `hotprevue open --print` link. It measures through the
UI's test hooks: tiles are `[data-hothash]` elements holding an <img> (with
`data-rating`, `aria-selected`), scrubber months are `[data-month="YYYY-MM"]`.

"Tiles decoded": every tile <img> whose box meets the grid's viewport is complete with
a natural width, no visible tile waits for its photo, and at least as many tiles show
as on a settled first screen (half as many after a scrubber jump, which must also show
other photos than before). Times are taken inside the page (performance.now() against
the event's timeStamp); heap is CDP's JSHeapUsedSize. Long tasks come from a
PerformanceObserver; the wheel figure's note also names what the long animation frames
ran, and every run prints the machine's load average: other work on it (a test suite
running beside) shows up as long tasks.

Targets (web UI issue), at 100,000 photos:
  GET /api/photos/buckets (day, unfiltered), p95 ............ < 100 ms
  navigation -> first screen of tiles decoded, median of 5 ... < 600 ms
  scrubber jump to 10 random months, tiles decoded, p95 ..... < 400 ms
  traverse all photos by 3 screens: peak heap / after GC / DOM nodes
                                                               < 120 MB / < 80 MB / < 3,000
  wheel-scroll 10,000 photos at 3,000 px/s: long tasks ...... <= 5, none > 200 ms
  same scroll: tiles blank 300 ms after it stops ............ 0
  loupe next x30, 300 ms apart: coldpreview shown, p95 ...... < 100 ms
  key 3: tile updated / PATCH answered, p95 ................. < 50 ms / < 200 ms
  first load: requests / HTML+JS+CSS transferred ............ <= 25 / <= 400 KB
  and the organising pages' four (tests.benchmarks.ui_organise): a 2,000-item collection
  open -> draggable < 1 s, a drag's move answered < 300 ms, a 300-photo export's first
  byte / whole ZIP < 2 s / < 10 s, the events page (500 events) first paint < 500 ms.
At 1,000,000 photos (--photos 1000000): buckets p95 < 250 ms, first screen < 1 s,
scrubber p95 < 600 ms; only those three run there unless --full is given.
MB and KB are 2^20 and 2^10 bytes. A figure whose endpoint or UI part is missing prints
"not available" and the run goes on.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import io
import math
import os
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from daemon.imaging import coldpreviews
from tests.benchmarks.catalog import fill, measure
from tests.support.daemon_process import DaemonProcess
from tests.support.images import photo_like
from tests.sync.flows import catalog_dsn
from tests.ui.browser import CHROMIUM_ARGS, VIEWPORT, Console, UiDaemon, chromium_path

COLDPREVIEWS = 300
MB = 1 << 20
KB = 1 << 10
LARGE = 1_000_000
# What --figures may name; the first three are all that runs at 1,000,000 photos.
FIGURES = (
    "buckets",
    "navigation",
    "scrubber",
    "wheel",
    "loupe",
    "rating",
    "traverse",
    "collection",
    "drag",
    "export",
    "events",
)

# Installed in every page before its own scripts: the hooks the figures are read with.
BENCH_JS = """
(() => {
  if (window.__bench) return;
  const B = { longtasks: [], resources: [], lastKey: -1, lastPointer: -1, lastScroll: -1,
              done: null, value: null, ratingAt: null, watchId: 0 };
  window.__bench = B;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) B.longtasks.push([e.startTime, e.duration, e.name]);
    }).observe({ type: 'longtask', buffered: true });
  } catch (error) { B.noLongtasks = String(error); }
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.name.includes('/api/')) B.resources.push([e.name, e.startTime, e.responseEnd]);
      }
      if (B.resources.length > 4000) B.resources.splice(0, 2000);
    }).observe({ type: 'resource', buffered: true });
  } catch (error) { B.noResources = String(error); }
  // Long animation frames, with the scripts that ran in them: what a long task was.
  B.frames = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        B.frames.push({
          start: e.startTime, duration: e.duration, blocking: e.blockingDuration,
          render: e.renderStart ? e.startTime + e.duration - e.renderStart : 0,
          layout: e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0,
          scripts: e.scripts.map((x) => ({
            what: `${x.sourceURL.split('/').pop()}:${x.sourceFunctionName || '?'}`
              + ` (${x.invokerType}${x.invoker ? ' ' + x.invoker : ''})`,
            duration: x.duration, layout: x.forcedStyleAndLayoutDuration })),
        });
      }
      if (B.frames.length > 2000) B.frames.splice(0, 1000);
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch (error) { B.noFrames = String(error); }
  // Frames the page painted between start and stop: their count and the longest gap.
  B.countFrames = () => {
    const c = (B.counter = { frames: 0, last: performance.now(), gap: 0, on: true });
    const tick = (t) => {
      if (!c.on) return;
      c.frames += 1; c.gap = Math.max(c.gap, t - c.last); c.last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  };
  B.stopFrames = () => { B.counter.on = false; return B.counter; };
  addEventListener('keydown', (e) => { B.lastKey = e.timeStamp; }, true);
  addEventListener('pointerdown', (e) => { B.lastPointer = e.timeStamp; }, true);
  addEventListener('scroll', () => { B.lastScroll = performance.now(); },
                   { capture: true, passive: true });

  const hidden = (el) => el.hidden || el.closest('[hidden]') !== null;
  let scroller = null;
  // The element the grid scrolls in: the nearest ancestor of a tile that scrolls.
  const container = (el) => {
    if (!el) return null;
    if (scroller && scroller.isConnected && scroller.contains(el)) return scroller;
    scroller = null;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const overflow = getComputedStyle(p).overflowY;
      if (overflow === 'auto' || overflow === 'scroll') { scroller = p; break; }
    }
    return scroller;
  };
  const anyTile = () => document.querySelector('[data-hothash], [role="option"]');
  const view = (el) => {
    const v = { top: 0, left: 0, bottom: innerHeight, right: innerWidth };
    const c = container(el);
    if (c) {
      const r = c.getBoundingClientRect();
      v.top = Math.max(v.top, r.top); v.left = Math.max(v.left, r.left);
      v.bottom = Math.min(v.bottom, r.bottom); v.right = Math.min(v.right, r.right);
    }
    return v;
  };
  const meets = (r, v) => r.width > 0 && r.height > 0 && r.bottom > v.top && r.top < v.bottom
    && r.right > v.left && r.left < v.right;
  const decoded = (img) => img.complete && img.naturalWidth > 0;

  B.scroller = () => container(anyTile()) || document.scrollingElement;
  B.scrollerRect = () => {
    const r = B.scroller().getBoundingClientRect();
    return { x: r.left, y: r.top, width: r.width, height: r.height };
  };
  // Tiles in view: decoded, waiting for their image, or empty (no photo yet).
  B.state = () => {
    const v = view(anyTile());
    let ok = 0, pending = 0, empty = 0;
    const hashes = [];
    for (const el of document.querySelectorAll('[data-hothash]')) {
      const img = el.querySelector('img');
      if (!img || hidden(el) || !meets(img.getBoundingClientRect(), v)) continue;
      hashes.push(el.dataset.hothash);
      if (decoded(img)) ok += 1; else pending += 1;
    }
    for (const el of document.querySelectorAll('[role="option"]:not([data-hothash])')) {
      if (!hidden(el) && meets(el.getBoundingClientRect(), v)) empty += 1;
    }
    return { decoded: ok, pending, empty, hashes };
  };
  B.ready = (min, exclude) => {
    const s = B.state();
    if (s.pending > 0 || s.empty > 0 || s.decoded === 0 || s.decoded < min) return false;
    return !(exclude && s.hashes.every((h) => exclude.has(h)));
  };
  // Test every frame from now on: B.done is performance.now() when it first holds
  // (B.value what it returned), or -1 after `timeout` ms.
  B.watch = (test, timeout) => {
    const id = (B.watchId += 1);
    B.done = null; B.value = null;
    const began = performance.now();
    const tick = () => {
      if (B.watchId !== id) return;
      let value = null;
      try { value = test(); } catch (error) { value = null; }
      if (value) { B.done = performance.now(); B.value = value; return; }
      if (performance.now() - began > timeout) { B.done = -1; return; }
      requestAnimationFrame(tick);
    };
    tick();
  };
  B.until = (test, timeout) => new Promise((resolve) => {
    const began = performance.now();
    const tick = () => {
      if (test()) resolve(performance.now());
      else if (performance.now() - began > timeout) resolve(-1);
      else requestAnimationFrame(tick);
    };
    tick();
  });
  B.watchReady = (min, exclude, timeout) => {
    const skip = exclude ? new Set(exclude) : null;
    B.watch(() => B.ready(min, skip), timeout);
  };
  B.watchFirst = (min) => {
    if (location.pathname === '/') B.watchReady(min, null, 30000);
  };
  // Columns and row pitch of the tiles in view; the first photo's place in the list.
  B.geometry = () => {
    const v = view(anyTile());
    const boxes = [...document.querySelectorAll('[data-hothash]')]
      .filter((el) => !hidden(el)).map((el) => el.getBoundingClientRect())
      .filter((r) => meets(r, v));
    const lefts = new Set(boxes.map((r) => Math.round(r.left)));
    const tops = [...new Set(boxes.map((r) => Math.round(r.top)))].sort((a, b) => a - b);
    let pitch = Infinity;
    for (let i = 1; i < tops.length; i += 1) pitch = Math.min(pitch, tops[i] - tops[i - 1]);
    const tile = boxes.length ? boxes[0].height : 0;
    return { columns: lefts.size, pitch: Number.isFinite(pitch) ? pitch : tile, tile };
  };
  B.position = () => {
    const v = view(anyTile());
    let first = null;
    for (const el of document.querySelectorAll('[aria-posinset]')) {
      if (hidden(el) || !meets(el.getBoundingClientRect(), v)) continue;
      const at = Number(el.getAttribute('aria-posinset'));
      if (first === null || at < first) first = at;
    }
    return first;
  };
  // The largest coldpreview <img> in view, when it is decoded and is not `previous`.
  B.shownImage = (previous) => {
    const v = { top: 0, left: 0, bottom: innerHeight, right: innerWidth };
    let best = null, area = 0;
    for (const img of document.images) {
      const src = img.currentSrc || img.src;
      if (!src || !(src.includes('/coldpreview') || src.startsWith('blob:'))) continue;
      const r = img.getBoundingClientRect();
      if (hidden(img) || !meets(r, v)) continue;
      if (r.width * r.height > area) { best = img; area = r.width * r.height; }
    }
    if (!best || !decoded(best)) return null;
    const src = best.currentSrc || best.src;
    return src === previous ? null : src;
  };
  // The shown tile of a photo (a recycled, hidden one may still carry its hothash).
  B.tile = (hash) => [...document.querySelectorAll(`[data-hothash="${hash}"]`)]
    .find((el) => !hidden(el)) ?? null;
  // B.ratingAt: performance.now() when the tile of `hash` first shows data-rating="3".
  B.armRating = (hash) => {
    B.ratingAt = null;
    const check = () => {
      if (B.tile(hash)?.getAttribute('data-rating') === '3') {
        B.ratingAt = performance.now();
        observer.disconnect();
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, { subtree: true, childList: true, attributes: true,
                                      attributeFilter: ['data-rating', 'data-hothash'] });
  };
  B.answered = (url, after) => {
    const hit = B.resources.find((r) => r[0] === url && r[1] >= after - 1);
    return hit ? hit[2] : null;
  };
  B.nodes = () => {
    const walker = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
    let n = 0;
    while (walker.nextNode()) n += 1;
    return n;
  };
  // Wait until nothing scrolled for `quiet` ms, then say what the viewport shows.
  B.afterStop = (quiet) => new Promise((resolve) => {
    const tick = () => {
      const since = performance.now() - B.lastScroll;
      if (since >= quiet) resolve({ ...B.state(), stopped: B.lastScroll });
      else setTimeout(tick, Math.max(1, quiet - since));
    };
    tick();
  });
})();
"""


@dataclass
class Figure:
    """One line of the result table."""

    name: str
    target: str
    measured: str = "not available"
    passed: bool | None = None
    note: str = ""


@dataclass
class Report:
    """The figures in the order they were measured."""

    figures: list[Figure] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        """Keep a figure and print it at once (a long run shows its progress)."""
        self.figures.append(figure)
        verdict = {True: "pass", False: "FAIL", None: "n/a"}[figure.passed]
        note = f"  ({figure.note})" if figure.note else ""
        print(f"  {figure.name}: {figure.measured} [{verdict}]{note}", flush=True)
        return figure

    def table(self, photos: int) -> str:
        """The result table, each figure beside its target."""
        width = max(len(f.name) for f in self.figures)
        measured = max(len(f.measured) for f in self.figures)
        target = max(len(f.target) for f in self.figures)
        lines = [
            f"{f'Figure ({photos:,} photos)':<{width}}  {'Measured':<{measured}}  "
            f"{'Target':<{target}}  Result",
            "-" * (width + measured + target + 14),
        ]
        for f in self.figures:
            verdict = {True: "PASS", False: "FAIL", None: "n/a"}[f.passed]
            lines.append(
                f"{f.name:<{width}}  {f.measured:<{measured}}  {f.target:<{target}}  {verdict}"
            )
        passed = sum(f.passed is True for f in self.figures)
        failed = sum(f.passed is False for f in self.figures)
        missing = sum(f.passed is None for f in self.figures)
        lines.append(f"{passed} passed, {failed} failed, {missing} not available")
        notes = [f"- {f.name}: {f.note}" for f in self.figures if f.note]
        return "\n".join(lines + (["", "Notes:", *notes] if notes else []))


def p95(values: list[float]) -> float:
    """The nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def brief(error: BaseException) -> str:
    """An error's type and first line, for the table's notes."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:160] if text else ''}"


def machine_load() -> str:
    """The CPUs and the load average, which a browser figure depends on."""
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {one:.1f} (1 min) / {five:.1f} (5 min)"


def hide_hothash(text: str) -> str:
    """A URL with its hothashes shown as <hothash>."""
    return re.sub(r"[0-9a-f]{64}", "<hothash>", text)


def coldpreview_jpeg(seed: int) -> bytes:
    """A 1200x800 photo-like JPEG, as the daemon would make a coldpreview."""
    out = io.BytesIO()
    photo_like(1200, 800, seed).save(out, "JPEG", quality=85)
    return out.getvalue()


async def set_coldpreview_paths(dsn: str, hothashes: list[str]) -> None:
    """Point the photos' rows at their coldpreview files."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.executemany(
            "UPDATE photos SET coldpreview_path = $2 WHERE hothash = $1",
            [(h, coldpreviews.relative_path(h)) for h in hothashes],
        )
    finally:
        await conn.close()


def add_coldpreviews(daemon: DaemonProcess, dsn: str) -> list[str]:
    """Real coldpreview files for the first photos of the default order; their hothashes."""
    status, page = daemon.request("GET", f"/api/photos?limit={COLDPREVIEWS}")
    assert status == 200, (status, page)
    hothashes = [item["hothash"] for item in page]
    for seed, hothash in enumerate(hothashes):
        coldpreviews.write(daemon.paths.coldpreviews, hothash, coldpreview_jpeg(seed))
    asyncio.run(set_coldpreview_paths(dsn, hothashes))
    return hothashes


def bucket_latency(daemon: DaemonProcess, repeat: int, target_ms: float) -> Figure:
    """GET /api/photos/buckets (day, unfiltered) over one kept-alive connection."""
    figure = Figure("GET /api/photos/buckets (day), p95", f"< {target_ms:.0f} ms")
    path = "/api/photos/buckets?granularity=day"
    status, body = daemon.request("GET", path, timeout=60)
    if status != 200:
        figure.note = f"HTTP {status}: {str(body)[:100]}"
        return figure
    host, port = daemon.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        measure(connection, daemon.api_key, path, 3)
        timings = measure(connection, daemon.api_key, path, repeat)
    finally:
        connection.close()
    value = p95(timings)
    figure.measured = f"{value:.1f} ms"
    figure.passed = value < target_ms
    figure.note = (
        f"median {statistics.median(timings):.1f} ms over {repeat}; "
        f"{len(body['buckets'])} buckets, {body['total']} photos"
    )
    return figure


class Session:
    """The browser, the daemon it shows and the hooks every page of it gets."""

    def __init__(self, browser: Browser, daemon: DaemonProcess) -> None:
        self.browser = browser
        self.ui = UiDaemon(daemon)
        self.url = daemon.url
        self.console = Console()
        self.first_screen = 0  # tiles a settled first screen shows
        self.columns = 0
        self.pitch = 0.0

    def context(self, first_screen_min: int = 0) -> BrowserContext:
        """A fresh profile at 1280x900, DPR 1, with the hooks (and a first-screen watch)."""
        context = self.browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
        context.add_init_script(BENCH_JS)
        if first_screen_min:
            context.add_init_script(f"window.__bench.watchFirst({first_screen_min})")
        return context

    def page(self, context: BrowserContext) -> Page:
        """A new page whose errors are kept."""
        page = context.new_page()
        self.console.watch(page)
        return page

    def sign_in(self, page: Page) -> None:
        """Open a one-use login link, as the tray does; the app lands on `/`."""
        self.ui.sign_in(page)

    def open_grid(self, page: Page, timeout_ms: int = 30_000) -> None:
        """Show the library and wait until its first screen is decoded."""
        if page.url != f"{self.url}/":
            page.goto(f"{self.url}/")
        wait_ready(page, max(1, self.first_screen), timeout_ms)


@contextmanager
def new_page(session: Session, context: BrowserContext) -> Iterator[Page]:
    """A page closed afterwards, so that heap figures never share its renderer."""
    page = session.page(context)
    try:
        yield page
    finally:
        page.close()


def wait_ready(page: Page, minimum: int, timeout_ms: int) -> float:
    """Wait until the tiles in view are decoded; the page's time when they were."""
    at = float(
        page.evaluate(
            "([min, timeout]) => window.__bench.until(() => window.__bench.ready(min, null),"
            " timeout)",
            [minimum, timeout_ms],
        )
    )
    if at < 0:
        state = page.evaluate("() => window.__bench.state()")
        del state["hashes"]
        raise TimeoutError(f"tiles not decoded after {timeout_ms} ms: {state}")
    return at


def wait_done(page: Page, timeout_ms: int) -> tuple[float, Any]:
    """Wait for the armed watch; its time and value (-1: it timed out)."""
    page.wait_for_function("() => window.__bench.done !== null", timeout=timeout_ms + 2000)
    done, value = page.evaluate("() => [window.__bench.done, window.__bench.value]")
    return float(done), value


def metrics(cdp: CDPSession) -> dict[str, float]:
    """CDP's Performance.getMetrics by name."""
    answer = cdp.send("Performance.getMetrics")
    return {m["name"]: float(m["value"]) for m in answer["metrics"]}


def warm_up(session: Session, context: BrowserContext, report: Report) -> bool:
    """Sign in and learn what a settled first screen shows; False when the grid never does."""
    page = session.page(context)
    try:
        session.sign_in(page)
        wait_ready(page, 1, 30_000)
        page.wait_for_timeout(1500)
        state = page.evaluate("() => window.__bench.state()")
        geometry = page.evaluate("() => window.__bench.geometry()")
        mode = page.evaluate("() => document.documentElement.dataset.mode")
    except Exception as error:
        report.add(Figure("UI: library grid shows tiles", "shows", note=brief(error)))
        return False
    finally:
        page.close()  # an open page would share the renderer of the pages measured later
    session.first_screen = int(state["decoded"])
    session.columns = int(geometry["columns"])
    session.pitch = float(geometry["pitch"])
    print(
        f"  first screen: {session.first_screen} tiles, {session.columns} columns, "
        f"row pitch {session.pitch:.0f} px, mode {mode}",
        flush=True,
    )
    return session.first_screen > 0


@dataclass
class Load:
    """What one navigation loaded, from CDP's Network events."""

    requests: list[str] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)
    transferred: dict[str, int] = field(default_factory=dict)
    decoded: dict[str, int] = field(default_factory=dict)

    def listen(self, cdp: CDPSession) -> None:
        """Follow the page's network through its CDP session."""

        def sent(event: dict[str, Any]) -> None:
            url = event["request"]["url"]
            if not url.startswith(("data:", "blob:")):
                self.requests.append(url)

        def received(event: dict[str, Any]) -> None:
            self.types[event["requestId"]] = event["type"]

        def data(event: dict[str, Any]) -> None:
            rid = event["requestId"]
            self.decoded[rid] = self.decoded.get(rid, 0) + int(event["dataLength"])

        def finished(event: dict[str, Any]) -> None:
            self.transferred[event["requestId"]] = int(event["encodedDataLength"])

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.responseReceived", received)
        cdp.on("Network.dataReceived", data)
        cdp.on("Network.loadingFinished", finished)

    def code(self, sizes: dict[str, int]) -> int:
        """Bytes of the document, scripts and style sheets."""
        kinds = {"Document", "Script", "Stylesheet"}
        return sum(n for rid, n in sizes.items() if self.types.get(rid) in kinds)


def navigation(session: Session, report: Report, target_ms: float, runs: int = 5) -> None:
    """Fresh, signed-in contexts with no HTTP cache: navigation to `/` until tiles decode."""
    first = Figure("Navigation -> first screen decoded, median", f"< {target_ms:.0f} ms")
    load_figure = Figure("First load: requests / HTML+JS+CSS", "<= 25 / <= 400 KB")
    timings: list[float] = []
    loads: list[Load] = []
    error = ""
    for _ in range(runs):
        context = session.context(session.first_screen)
        try:
            page = session.page(context)
            session.sign_in(page)
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            load = Load()
            load.listen(cdp)
            page.goto(f"{session.url}/")
            done, _ = wait_done(page, 30_000)
            if done < 0:
                raise TimeoutError("first screen not decoded after 30 s")
            timings.append(done)
            page.wait_for_timeout(1000)  # what the first screen still fetches
            loads.append(load)
        except Exception as failure:
            error = brief(failure)
        finally:
            context.close()
    if timings:
        value = statistics.median(timings)
        first.measured = f"{value:.0f} ms"
        first.passed = value < target_ms and len(timings) == runs
        first.note = "runs: " + ", ".join(f"{t:.0f}" for t in timings) + " ms"
    if error:
        first.note = f"{first.note}; {error}".lstrip("; ")
    report.add(first)
    if loads:
        load = loads[0]
        transferred = load.code(load.transferred)
        decoded = load.code(load.decoded)
        load_figure.measured = f"{len(load.requests)} / {transferred / KB:.0f} KB"
        load_figure.passed = len(load.requests) <= 25 and transferred <= 400 * KB
        api = sum("/api/" in url for url in load.requests)
        load_figure.note = (
            f"transferred; {decoded / KB:.0f} KB decoded; {api} API requests, "
            f"{len(load.requests) - api} others"
        )
    else:
        load_figure.note = error
    report.add(load_figure)


def scrubber(session: Session, context: BrowserContext, target_ms: float) -> Figure:
    """Click 10 random months of the scrubber; time until their tiles are decoded."""
    figure = Figure("Scrubber jump to 10 months, p95", f"< {target_ms:.0f} ms")
    with new_page(session, context) as page:
        session.open_grid(page)
        months: list[str] = page.evaluate(
            "() => [...document.querySelectorAll('[data-month]')].map((e) => e.dataset.month)"
        )
        if len(months) < 12:
            figure.note = f"{len(months)} [data-month] elements"
            return figure
        chosen = random.Random(11).sample(months[1:], 10)
        minimum = max(1, session.first_screen // 2)
        timings: list[float] = []
        for month in chosen:
            box = page.locator(f'[data-month="{month}"]').first.bounding_box()
            if not box or box["height"] <= 0:
                raise RuntimeError(f"month {month} has no box to click")
            hashes = page.evaluate("() => window.__bench.state().hashes")
            page.evaluate(
                "([min, hashes]) => window.__bench.watchReady(min, hashes, 10000)",
                [minimum, hashes],
            )
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            done, _ = wait_done(page, 10_000)
            if done < 0:
                raise TimeoutError(f"month {month}: tiles not decoded after 10 s")
            timings.append(done - float(page.evaluate("() => window.__bench.lastPointer")))
            page.mouse.move(10, 10)
            page.wait_for_timeout(200)
    value = p95(timings)
    figure.measured = f"{value:.0f} ms"
    figure.passed = value < target_ms
    figure.note = (
        f"median {statistics.median(timings):.0f} ms; "
        + ", ".join(f"{month} {ms:.0f}" for month, ms in zip(chosen, timings, strict=True))
        + " ms"
    )
    return figure


def traverse(session: Session, context: BrowserContext, report: Report) -> None:
    """Scroll the whole list 3 screens at a time: peak heap, heap after GC, DOM nodes."""
    figure = Figure("Traverse all: heap peak / after GC / DOM nodes", "< 120 / < 80 MB / < 3,000")
    with new_page(session, context) as page:
        session.open_grid(page)
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        peak = metrics(cdp)["JSHeapUsedSize"]
        nodes = int(page.evaluate("() => window.__bench.nodes()"))
        steps = slow = 0
        began = time.perf_counter()
        while True:
            moved = page.evaluate(
                """async () => {
                  const B = window.__bench, s = B.scroller(), before = s.scrollTop;
                  const hashes = new Set(B.state().hashes);
                  s.scrollTop = before + 3 * s.clientHeight;
                  if (s.scrollTop <= before) return [false, true, B.nodes()];
                  // A last short step may keep every tile in view.
                  const far = s.scrollTop - before >= s.clientHeight;
                  const at = await B.until(() => B.ready(1, far ? hashes : null), 5000);
                  return [true, at >= 0, B.nodes()];
                }"""
            )
            peak = max(peak, metrics(cdp)["JSHeapUsedSize"])
            nodes = max(nodes, int(moved[2]))
            if not moved[0]:
                break
            steps += 1
            slow += not moved[1]
        cdp.send("HeapProfiler.enable")
        cdp.send("HeapProfiler.collectGarbage")
        cdp.send("HeapProfiler.collectGarbage")
        after = metrics(cdp)["JSHeapUsedSize"]
    figure.measured = f"{peak / MB:.0f} / {after / MB:.0f} MB / {nodes:,}"
    figure.passed = peak < 120 * MB and after < 80 * MB and nodes < 3000
    figure.note = f"{steps} steps in {time.perf_counter() - began:.0f} s" + (
        f"; {slow} steps not decoded within 5 s" if slow else ""
    )
    report.add(figure)


def frame_causes(frames: list[dict[str, Any]], start: float, end: float) -> str:
    """What the long animation frames between start and end spent their time on."""
    inside = [f for f in frames if start <= f["start"] <= end]
    if not inside:
        return "no long animation frames"
    spent: dict[str, float] = {}
    for frame in inside:
        for script in frame["scripts"]:
            spent[script["what"]] = spent.get(script["what"], 0.0) + script["duration"]
    render = sum(f["render"] for f in inside)
    scripts = sum(spent.values())
    top = sorted(spent.items(), key=lambda kv: -kv[1])[:3]
    return (
        f"{len(inside)} long frames: scripts {scripts:.0f} ms ("
        + "; ".join(f"{what} {ms:.0f}" for what, ms in top)
        + f"), rendering {render:.0f} ms"
    )


def wheel_scroll(session: Session, context: BrowserContext, report: Report) -> None:
    """Wheel through 10,000 photos at 3,000 px/s: long tasks, and blank tiles 300 ms after."""
    tasks = Figure("Wheel 10,000 photos @3,000 px/s: long tasks", "<= 5, none > 200 ms")
    blank = Figure("Same scroll: tiles blank 300 ms after stop", "0")
    speed, interval, photos = 3000.0, 1 / 30, 10_000
    with new_page(session, context) as page:
        session.open_grid(page)
        geometry = page.evaluate("() => window.__bench.geometry()")
        columns, pitch = int(geometry["columns"]), float(geometry["pitch"])
        # Without aria-posinset to count photos by: 10,000 photos' rows, headers aside.
        distance = math.ceil(photos / columns) * pitch
        rect = page.evaluate("() => window.__bench.scrollerRect()")
        page.mouse.move(rect["x"] + rect["width"] / 2, rect["y"] + rect["height"] / 2)
        start = page.evaluate(
            """() => { const B = window.__bench; B.countFrames();
                       return [performance.now(), B.scroller().scrollTop, B.position()]; }"""
        )
        sent = wheels = events = 0
        last_top, passed = float(start[1]), 0
        began = time.perf_counter()
        while True:
            # Each wheel event makes up the distance 3,000 px/s asks for by now: the speed
            # holds even when the browser acknowledges events slower than every 33 ms.
            wait = began + wheels * interval - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            delta = round(speed * (time.perf_counter() - began)) - sent
            if delta > 0:
                page.mouse.wheel(0, delta)
                sent += delta
                events += 1
            wheels += 1
            if wheels % 30:
                continue
            top, at = page.evaluate(
                "() => [window.__bench.scroller().scrollTop, window.__bench.position()]"
            )
            if at is not None and start[2] is not None:
                passed = int(at) - int(start[2])
                if passed >= photos:
                    break
            elif sent >= distance:
                break
            if float(top) == last_top or time.perf_counter() - began > 300:
                break  # the end of the list, or far too slow
            last_top = float(top)
        seconds = time.perf_counter() - began
        stopped = page.evaluate("() => window.__bench.afterStop(300)")
        end = page.evaluate(
            """() => { const B = window.__bench;
                       return [B.scroller().scrollTop, B.position(), B.longtasks,
                               B.stopFrames(), B.frames]; }"""
        )
        settled = float(
            page.evaluate("() => window.__bench.until(() => window.__bench.ready(1, null), 5000)")
        )
        after = page.evaluate("() => window.__bench.state()")
    scrolled = float(end[0]) - float(start[1])
    window = [lt for lt in end[2] if start[0] <= lt[0] <= stopped["stopped"] + 300]
    longest = max((lt[1] for lt in window), default=0.0)
    tasks.measured = f"{len(window)}, longest {longest:.0f} ms"
    tasks.passed = len(window) <= 5 and longest <= 200
    if end[1] is not None and start[2] is not None:
        passed = int(end[1]) - int(start[2])
    counted = f"{passed:,} photos passed" if start[2] is not None else "photos not counted"
    painted = end[3]
    busy = sum(lt[1] for lt in window)
    kinds = statistics.multimode([lt[2] for lt in window]) if window else []
    tasks.note = (
        f"{scrolled:,.0f} px in {seconds:.1f} s ({scrolled / seconds:,.0f} px/s, "
        f"{events} wheel events), {counted}; {painted['frames'] / seconds:.0f} frames/s, "
        f"longest frame gap {painted['gap']:.0f} ms; long tasks {busy:.0f} ms in all"
        f" (mostly {'/'.join(kinds) or '-'}); "
        + frame_causes(end[4], start[0], stopped["stopped"] + 300)
    )
    report.add(tasks)
    shown = stopped["decoded"] + stopped["pending"] + stopped["empty"]
    expected = after["decoded"] if settled >= 0 else shown
    missing = max(0, expected - shown)
    count = stopped["pending"] + stopped["empty"] + missing
    blank.measured = f"{count} of {expected}"
    blank.passed = count == 0
    blank.note = (
        f"{stopped['pending']} images not decoded, {stopped['empty']} tiles without photo, "
        f"{missing} slots without tile"
        + ("" if settled >= 0 else "; the view never settled within 5 s")
    )
    report.add(blank)


def loupe(session: Session, context: BrowserContext, hothashes: list[str]) -> Figure:
    """Open the first photo, then ArrowRight x30 300 ms apart: until the coldpreview shows."""
    figure = Figure("Loupe next x30: coldpreview shown, p95", "< 100 ms")
    with new_page(session, context) as page:
        session.open_grid(page)
        page.locator(f'[data-hothash="{hothashes[0]}"]:not([hidden])').click()
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/photo/{hothashes[0]}*", timeout=10_000)
        page.evaluate("() => window.__bench.watch(() => window.__bench.shownImage(null), 10000)")
        done, shown = wait_done(page, 10_000)
        if done < 0:
            raise TimeoutError("the loupe shows no coldpreview <img> after 10 s")
        timings: list[float] = []
        wrong = 0
        for i in range(1, 31):
            began = time.perf_counter()
            page.evaluate(
                "(prev) => window.__bench.watch(() => window.__bench.shownImage(prev), 5000)",
                shown,
            )
            page.keyboard.press("ArrowRight")
            done, value = wait_done(page, 5000)
            if done < 0:
                raise TimeoutError(f"next photo {i}: no new coldpreview after 5 s")
            timings.append(done - float(page.evaluate("() => window.__bench.lastKey")))
            shown = value
            if "/api/photos/" in shown and hothashes[i] not in shown:
                wrong += 1
            rest = began + 0.3 - time.perf_counter()
            if rest > 0:
                time.sleep(rest)
    value = p95(timings)
    figure.measured = f"{value:.0f} ms"
    figure.passed = value < 100 and wrong == 0
    slow = [f"#{i + 1} {ms:.0f}" for i, ms in enumerate(timings) if ms >= 100]
    figure.note = (
        f"median {statistics.median(timings):.0f} ms"
        + (f"; 100 ms or more at presses {', '.join(slow)} ms" if slow else "")
        + (f"; {wrong} showed another photo than the next" if wrong else "")
    )
    return figure


def rate(session: Session, context: BrowserContext, presses: int = 20) -> Figure:
    """Focus a tile, press 3: until its data-rating says so, and until the edit is answered."""
    figure = Figure("Key 3: tile updated / PATCH answered, p95", "< 50 / < 200 ms")
    with new_page(session, context) as page:
        session.open_grid(page)
        tiles: list[list[str]] = page.evaluate(
            """() => window.__bench.state().hashes.map((h) =>
                 [h, window.__bench.tile(h).dataset.rating ?? ''])"""
        )
        targets = [h for h, rating in tiles if rating != "3"][:presses]
        if not targets:
            raise RuntimeError("no tile in view without rating 3")
        edit = ""
        shown: list[float] = []
        answered: list[float] = []
        for hothash in targets:
            page.locator(f'[data-hothash="{hothash}"]:not([hidden])').click()
            page.wait_for_timeout(100)
            page.evaluate("(h) => window.__bench.armRating(h)", hothash)
            with page.expect_response(
                lambda r: r.request.method in ("PATCH", "POST", "PUT") and "/api/" in r.url,
                timeout=5000,
            ) as response:
                page.keyboard.press("3")
            url = response.value.url
            edit = f"{response.value.request.method} /api/{url.split('/api/')[-1]}"
            key = float(page.evaluate("() => window.__bench.lastKey"))
            try:
                page.wait_for_function("() => window.__bench.ratingAt !== null", timeout=5000)
            except PlaywrightError as error:
                raise TimeoutError(
                    f"the tile never showed data-rating=3 ({brief(error)})"
                ) from None
            shown.append(float(page.evaluate("() => window.__bench.ratingAt")) - key)
            try:
                page.wait_for_function(
                    "([url, key]) => window.__bench.answered(url, key) !== null",
                    arg=[url, key],
                    timeout=5000,
                )
            except PlaywrightError as error:
                raise TimeoutError(f"no resource timing for {edit} ({brief(error)})") from None
            end = float(page.evaluate("([u, k]) => window.__bench.answered(u, k)", [url, key]))
            answered.append(end - key)
            page.wait_for_timeout(300)
    figure.measured = f"{p95(shown):.0f} / {p95(answered):.0f} ms"
    figure.passed = p95(shown) < 50 and p95(answered) < 200
    figure.note = (
        f"{len(shown)} presses; medians {statistics.median(shown):.0f} / "
        f"{statistics.median(answered):.0f} ms; edit by {hide_hothash(edit)}"
    )
    return figure


def attempt(report: Report, name: str, target: str, run: Callable[[], Figure | None]) -> None:
    """Measure one figure; an error is its note, and the run goes on."""
    try:
        figure = run()
    except Exception as error:
        report.add(Figure(name, target, note=brief(error)))
        return
    if figure is not None:
        report.add(figure)


def browser_figures(
    daemon: DaemonProcess,
    dsn: str,
    hothashes: list[str],
    report: Report,
    chosen: set[str],
    large: bool,
) -> list[str]:
    """The chosen figures measured in Chromium; returns the errors its pages logged."""
    # Imported here: it builds on this module's classes.
    from tests.benchmarks import ui_organise

    try:
        executable = chromium_path()
    except (pytest.skip.Exception, pytest.fail.Exception) as error:
        report.add(Figure("Browser figures", "Chromium", note=str(error)))
        return []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        session = Session(browser, daemon)
        main = session.context()
        scrub = 600 if large else 400
        figures: dict[str, tuple[str, str, Callable[[], Figure | None]]] = {
            "scrubber": (
                "Scrubber jump to 10 months, p95",
                f"< {scrub} ms",
                lambda: scrubber(session, main, scrub),
            ),
            "wheel": (
                "Wheel 10,000 photos @3,000 px/s: long tasks",
                "<= 5, none > 200 ms",
                lambda: wheel_scroll(session, main, report),
            ),
            "loupe": (
                "Loupe next x30: coldpreview shown, p95",
                "< 100 ms",
                lambda: loupe(session, main, hothashes),
            ),
            "rating": (
                "Key 3: tile updated / PATCH answered, p95",
                "< 50 / < 200 ms",
                lambda: rate(session, main),
            ),
            "traverse": (
                "Traverse all: heap peak / after GC / DOM nodes",
                "< 120 / < 80 MB / < 3,000",
                lambda: traverse(session, main, report),
            ),
            "collection": (
                "Collection of 2,000: open -> draggable",
                "< 1 s",
                lambda: ui_organise.collection_open(session, main, daemon),
            ),
            "drag": (
                "Drag one item: released -> move answered, p95",
                "< 300 ms",
                lambda: ui_organise.drag(session, main, daemon),
            ),
            "export": (
                "Export of 300 photos: first byte / whole",
                "< 2 / < 10 s",
                lambda: ui_organise.export(daemon, hothashes),
            ),
            "events": (
                "Events page (500 events): first paint",
                "< 500 ms",
                lambda: ui_organise.events_page(session, main, dsn, hothashes),
            ),
        }
        try:
            if not warm_up(session, main, report):
                return session.console.errors
            if "navigation" in chosen:
                navigation(session, report, 1000 if large else 600)
            for key, (name, target, run) in figures.items():
                if key in chosen:
                    attempt(report, name, target, run)
        finally:
            main.close()
            browser.close()
    return session.console.errors


def main() -> None:
    """Fill a catalog, measure every figure, print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40, help="buckets requests timed")
    parser.add_argument("--full", action="store_true", help="every figure at 1,000,000 photos too")
    parser.add_argument(
        "--figures",
        default="",
        help=f"measure only these, comma-separated, of: {', '.join(FIGURES)}",
    )
    args = parser.parse_args()
    large = args.photos >= LARGE
    if args.figures:
        chosen = {name.strip() for name in args.figures.split(",")}
        unknown = chosen - set(FIGURES)
        if unknown:
            parser.error(f"unknown figures: {', '.join(sorted(unknown))}")
    else:
        chosen = set(FIGURES if args.full or not large else FIGURES[:3])
    report = Report()
    errors: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        daemon = DaemonProcess(Path(tmp) / "data").start()
        try:
            daemon.wait_healthy()
            dsn = catalog_dsn(daemon)
            began = time.perf_counter()
            asyncio.run(fill(dsn, args.photos))
            hothashes = add_coldpreviews(daemon, dsn)
            print(
                f"inserted {args.photos:,} photos and {len(hothashes)} coldpreviews "
                f"in {time.perf_counter() - began:.0f} s",
                flush=True,
            )
            target = 250 if large else 100
            if "buckets" in chosen:
                attempt(
                    report,
                    "GET /api/photos/buckets (day), p95",
                    f"< {target} ms",
                    lambda: bucket_latency(daemon, args.repeat, target),
                )
            print(f"  {machine_load()}", flush=True)
            if chosen - {"buckets"}:
                try:
                    errors = browser_figures(daemon, dsn, hothashes, report, chosen, large)
                except Exception as error:
                    report.add(Figure("Browser figures", "Chromium", note=brief(error)))
        finally:
            daemon.kill_all()
    print()
    print(report.table(args.photos))
    print(f"\nAt the end: {machine_load()} (other work on this machine slows the browser)")
    if errors:
        print(f"\nThe pages logged {len(errors)} errors; the first ones:")
        for logged in errors[:5]:
            print(f"- {logged[:200]}")


if __name__ == "__main__":
    # The importable module's main, so that tests.benchmarks.ui_organise shares its classes.
    from tests.benchmarks import ui

    ui.main()
