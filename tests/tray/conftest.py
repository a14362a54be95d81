"""A private X session per test: Xvfb, session bus, dunst and trayer (see xsession.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.tray.central import RefusingCentral
from tests.tray.xsession import XSession


@pytest.fixture
def xsession() -> Iterator[XSession]:
    """A running X session with a notification daemon and a system tray."""
    with XSession(notifier=True) as session:
        yield session


@pytest.fixture
def xsession_without_notifier() -> Iterator[XSession]:
    """A running X session with a system tray but nothing owning org.freedesktop.Notifications."""
    with XSession(notifier=False) as session:
        yield session


@pytest.fixture
def refusing_central() -> Iterator[RefusingCentral]:
    """A central that answers every push with 401, shut down after the test."""
    server = RefusingCentral()
    yield server
    server.shutdown()
    server.server_close()
