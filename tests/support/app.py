"""The app under test: its client type, its base URL, and the databases tests run on."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeAlias

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from daemon.database import with_database

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
