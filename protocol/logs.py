"""Logging to stderr and to a rotating file in the data directory: the daemon's log and
the tray's, set up alike."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
LOG_FILE = "hotprevue.log"


def configure(log_dir: Path, level: str, file_name: str = LOG_FILE) -> Path:
    """Send every log record to stderr and to logs/<file_name> (5 files of 5 MB).

    The files are as private as the process umask makes them (the `hotprevue` command
    sets a private one): they name every folder and file the catalog holds."""
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = log_dir / file_name
    formatter = logging.Formatter(FORMAT)
    to_file = logging.handlers.RotatingFileHandler(
        path, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
    )
    to_stderr = logging.StreamHandler(sys.stderr)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in (to_file, to_stderr):
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(level)
    # Access lines for every browse request would drown what matters.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    return path
