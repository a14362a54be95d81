"""The app under test: its client type, its base URL, and the databases tests run on."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeAlias

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from daemon.app import create_app
from daemon.config import Settings
from daemon.database import with_database
from daemon.permissions import write_private

Client: TypeAlias = AsyncTestClient[Litestar]

TEMPLATE = "hotprevue_template"
LOCAL_BASE_URL = "http://127.0.0.1:8000"


@asynccontextmanager
async def scratch_database(admin_dsn: str, prefix: str, template: str | None) -> AsyncIterator[str]:
    """A database that exists for one test, copied from a template or empty."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    # WAL_LOG (the default) copies a small template in half FILE_COPY's time: no
    # checkpoint per database.
    copy = f' TEMPLATE "{template}"' if template else ""
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"{copy}')
        yield with_database(admin_dsn, name)
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@dataclass
class _Shared:
    """An app built for the first settings of its shape, and the keys it was built with."""

    app: Litestar
    keys: dict[str, str]
    lent: bool = False


# Building the app takes a tenth of a second (Litestar registers some 200 handlers), which
# most tests would pay again for the same app: it is built once per shape and session.
_shared: dict[tuple[object, ...], _Shared] = {}


@asynccontextmanager
async def app_client(settings: Settings, base_url: str) -> AsyncIterator[Client]:
    """The real app for these settings over its ASGI interface.

    An app built earlier from settings of the same shape is lent to the test, with the
    test's settings in its state and its keys written to the test's data directory, as
    if it had made them there. A data directory with keys of its own, or a second app at
    the same time, gets an app of its own."""
    # What create_app builds from, besides the settings it keeps and the keys it reads.
    shape = (settings.mode, settings.api_key, settings.max_body_bytes)
    files = {"api_key": settings.paths.api_key, "browse_key": settings.paths.browse_key}
    shared = _shared.get(shape)
    lent = shared is not None and not shared.lent and not any(f.exists() for f in files.values())
    if shared is not None and lent:
        for name, key in shared.keys.items():
            write_private(files[name], key + "\n")
        shared.app.state.settings = settings
        app = shared.app
    else:
        app = create_app(settings)
        if shared is None:
            keys = {
                name: f.read_text(encoding="utf-8").strip()
                for name, f in files.items()
                if f.exists()
            }
            shared = _shared[shape] = _Shared(app, keys)
            lent = True
    if lent:
        shared.lent = True
    try:
        async with AsyncTestClient(app=app, base_url=base_url) as client:
            yield client
    finally:
        if lent:
            # The next test's start makes its own; none may see this test's closed pool.
            shared.app.state.pop("runtime", None)
            shared.lent = False
