"""What the sync tests' fixtures share: central's template database, and the types of the
callables they hand out (local daemons, machine tokens)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from tests.support.daemon_process import DaemonProcess

CENTRAL_TEMPLATE = "central_template"


class MakeLocal(Protocol):
    """`make_local(name, **env)`: a started, healthy local daemon on its own data dir."""

    def __call__(self, name: str, **env: str) -> DaemonProcess: ...


MachineToken = Callable[[DaemonProcess, str], str]


class LinkedLocal(Protocol):
    """`linked_local(photos, name="laptop", **env)`: a local daemon that registered the
    folder `photos` and has `central` as its sync target, with a token of its own."""

    def __call__(self, photos: Path, name: str = "laptop", **env: str) -> DaemonProcess: ...
