"""The web UI's static files: read once at start, served under a hash of their contents.

Assets live at `/ui/<version>/<path>`, where the version is computed from the whole tree,
so a browser may keep each for a year and a new build is a new URL. The shell (`index.html`)
names the assets' folder and the daemon's mode; it is filled in once and never cached.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from importlib.abc import Traversable

SHELL = "index.html"
ASSETS_MARK, MODE_MARK = b"%ASSETS%", b"%MODE%"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
}
VERSION_LENGTH = 12


@dataclass(frozen=True, slots=True)
class Asset:
    """One file of the tree and the type it is served as."""

    body: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class UiAssets:
    """The whole static tree in memory (a few hundred kilobytes)."""

    version: str
    files: dict[str, Asset] = field(repr=False)

    @property
    def base(self) -> str:
        """The URL folder the assets are served from."""
        return f"/ui/{self.version}"

    def shell(self, mode: str) -> bytes:
        """The app's one HTML page, naming this tree's folder and the daemon's mode."""
        template = self.files[SHELL].body
        return template.replace(ASSETS_MARK, self.base.encode()).replace(MODE_MARK, mode.encode())


def load(root: Traversable | None = None) -> UiAssets:
    """Read the tree (default: the package's `ui/` folder) and hash it."""
    root = root if root is not None else resources.files("daemon") / "ui"
    files: dict[str, Asset] = {}
    _read(root, "", files)
    if SHELL not in files:
        raise FileNotFoundError(f"the web UI's {SHELL} is missing from {root}")
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path].body + b"\0")
    return UiAssets(version=digest.hexdigest()[:VERSION_LENGTH], files=files)


def _read(folder: Traversable, prefix: str, files: dict[str, Asset]) -> None:
    for entry in folder.iterdir():
        if entry.name.startswith("."):
            continue
        path = prefix + entry.name
        if entry.is_dir():
            _read(entry, path + "/", files)
            continue
        suffix = "." + entry.name.rpartition(".")[2].lower()
        content_type = CONTENT_TYPES.get(suffix)
        if content_type is not None:
            files[path] = Asset(entry.read_bytes(), content_type)
