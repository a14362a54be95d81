"""The tray icon images, one per state, shipped as PNGs beside this module."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal, get_args

from PIL import Image

IconState = Literal["starting", "idle", "working", "attention", "error"]
ICON_STATES: tuple[IconState, ...] = get_args(IconState)


def icon_image(state: IconState) -> Image.Image:
    """The committed icon for `state`, loaded into memory (the file is closed)."""
    with (files("tray") / "icons" / f"{state}.png").open("rb") as png:
        image = Image.open(png)
        image.load()
    return image


def icon_path(state: IconState) -> Path:
    """The committed icon for `state` as a file (notifications and launchers name it)."""
    # The package is installed as files (a wheel in a venv, the compiled program's folder).
    return Path(str(files("tray") / "icons" / f"{state}.png")).resolve()
