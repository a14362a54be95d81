"""Pages on other local ports cannot use a signed-in browser's session.

All ports of 127.0.0.1 are one site, so Chromium sends a SameSite=Strict cookie along
with their requests: the daemon must refuse them by the missing token and by
Sec-Fetch-Site. localhost is another site, whose requests carry no cookie at all.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.support.daemon_process import free_port
from tests.ui.browser import UiDaemon

pytestmark = [pytest.mark.browser, pytest.mark.process]

ATTACK = """<!doctype html>
<html><body>
<form id="form" method="POST" action="{daemon}/api/collections" enctype="text/plain"
      target="sink">
  <input name='{{"name": "by-form", "x": "' value='"}}'>
</form>
<iframe name="sink"></iframe>
<img id="img" src="{daemon}/api/photos/{hothash}/coldpreview">
<script src="attack.js"></script>
</body></html>
"""
SCRIPT = """
window.results = {};
const daemon = document.querySelector("form").action.replace("/api/collections", "");
async function run() {
  try {
    const response = await fetch(daemon + "/api/photos", {credentials: "include"});
    window.results.read = "status " + response.status;
  } catch (error) {
    window.results.read = "blocked";
  }
  try {
    await fetch(daemon + "/api/collections", {
      method: "POST", mode: "no-cors", credentials: "include",
      headers: {"Content-Type": "text/plain"}, body: JSON.stringify({name: "by-fetch"}),
    });
    window.results.write = "sent";
  } catch (error) {
    window.results.write = "blocked";
  }
  document.getElementById("form").submit();
  const img = document.getElementById("img");
  await new Promise((done) => {
    if (img.complete) { done(); } else { img.onload = img.onerror = done; }
  });
  window.results.image = img.naturalWidth;
  window.results.done = true;
}
run();
"""


@pytest.fixture
def attacker(tmp_path: Path, ui_daemon: UiDaemon) -> Iterator[int]:
    """A web server on another port of this machine, serving the attack page."""
    status, photos = ui_daemon.process.request("GET", "/api/photos?limit=1")
    assert status == 200
    assert photos, "the daemon's catalog has photos"
    (tmp_path / "attack.html").write_text(
        ATTACK.format(daemon=ui_daemon.url, hothash=photos[0]["hothash"])
    )
    (tmp_path / "attack.js").write_text(SCRIPT)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_another_origin_can_neither_read_nor_write_nor_show(
    page: Page, ui_daemon: UiDaemon, attacker: int, host: str
) -> None:
    ui_daemon.sign_in(page)
    # The signed-in page itself shows coldpreviews with the same cookie.
    status, photos = ui_daemon.process.request("GET", "/api/photos?limit=1")
    own = page.evaluate(
        """async (url) => {
            const img = new Image();
            img.src = url;
            await img.decode();
            return img.naturalWidth;
        }""",
        f"{ui_daemon.url}/api/photos/{photos[0]['hothash']}/coldpreview",
    )
    assert own > 0

    evil = page.context.new_page()
    evil.goto(f"http://{host}:{attacker}/attack.html")
    evil.wait_for_function("window.results && window.results.done", timeout=15_000)
    results = evil.evaluate("window.results")
    evil.wait_for_timeout(500)  # the form's POST lands in its frame
    assert results["read"] == "blocked"  # no CORS grant: the answer is never readable
    assert results["image"] == 0  # the coldpreview is refused to another site's <img>
    status, collections = ui_daemon.process.request("GET", "/api/collections")
    assert status == 200
    assert [c["name"] for c in collections] == []
