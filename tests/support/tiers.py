"""The suite's tiers: what a test needs of the machine, declared by its markers.

The helpers that start the product's programs, an X session or Chromium check that the
running test declares it, so `pytest -m "not process and not x11 and not slow"` stays the
fast tier: a test that forgets its marker fails there instead of slowing it down. A
browser test starts a daemon too, so it carries both `browser` and `process`.
"""

from __future__ import annotations

import pytest

_running: pytest.Item | None = None
# The markers of tests that start programs; the fast tier has none of them.
PROGRAMS = ("process", "x11", "browser")


def running(item: pytest.Item) -> None:
    """Note the test now being set up, run and torn down."""
    global _running
    _running = item


def require(marker: str, what: str) -> None:
    """Fail the running test if it uses `what` without declaring `marker`."""
    if _running is not None and _running.get_closest_marker(marker) is None:
        pytest.fail(
            f"{_running.nodeid} {what} but is not marked @pytest.mark.{marker}", pytrace=False
        )


def starts_programs(item: pytest.Item) -> bool:
    """Whether the test starts the product's programs, an X session or Chromium."""
    return any(item.get_closest_marker(marker) for marker in PROGRAMS)
