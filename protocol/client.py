"""A small typed HTTP client for a daemon on this machine (the CLI uses it)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any, TypeVar

import msgspec

from protocol.base import ErrorBody

T = TypeVar("T")
API_KEY_HEADER = "X-API-Key"


class DaemonUnreachable(Exception):
    """No daemon answered at the URL."""


class DaemonError(Exception):
    """The daemon answered with an error; `detail` is its explanation."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


class DaemonClient:
    """Blocking calls with the API key; responses decoded into protocol Structs."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._timeout = timeout

    def get(self, path: str, kind: type[T]) -> T:
        """GET a JSON resource."""
        return msgspec.json.decode(self._send("GET", path, None), type=kind)

    def post(self, path: str, kind: type[T], body: Any = None) -> T:
        """POST a JSON body and decode the answer."""
        return msgspec.json.decode(self._send("POST", path, body), type=kind)

    def patch(self, path: str, kind: type[T], body: Any) -> T:
        """PATCH a JSON body and decode the answer."""
        return msgspec.json.decode(self._send("PATCH", path, body), type=kind)

    def post_empty(self, path: str, body: Any = None) -> None:
        """POST where only success matters."""
        self._send("POST", path, body)

    def delete(self, path: str) -> None:
        """DELETE a resource."""
        self._send("DELETE", path, None)

    def _send(self, method: str, path: str, body: Any) -> bytes:
        data = None if body is None else msgspec.json.encode(body)
        request = urllib.request.Request(  # noqa: S310 - the URL is the daemon's own http URL
            self.base_url + path,
            data=data,
            method=method,
            headers={API_KEY_HEADER: self._api_key, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                content: bytes = response.read()
                return content
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                detail = msgspec.json.decode(raw, type=ErrorBody).detail
            except msgspec.DecodeError:
                detail = raw.decode(errors="replace") or exc.reason
            raise DaemonError(exc.code, detail) from None
        except (urllib.error.URLError, OSError) as exc:
            raise DaemonUnreachable(f"no answer from {self.base_url}: {exc}") from None
