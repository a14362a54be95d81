"""A central server that refuses every machine token: a sync that fails at once."""

from __future__ import annotations

import http.server
import json
import threading

from protocol.client import DaemonClient

TOKEN = "hpm_" + "a" * 43


class Refusing(http.server.BaseHTTPRequestHandler):
    """A central that refuses every machine token."""

    def do_POST(self) -> None:
        body = json.dumps({"detail": "unknown or revoked machine token"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


class RefusingCentral(http.server.ThreadingHTTPServer):
    """A refusing central on a free loopback port, serving from its own thread."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Refusing)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        """Its address, as a sync target names it."""
        return f"http://127.0.0.1:{self.server_port}"

    def add_to(self, client: DaemonClient) -> None:
        """Make it the daemon's sync target."""
        client.post_empty("/api/sync/targets", {"url": self.url, "token": TOKEN})
