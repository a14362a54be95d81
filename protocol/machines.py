"""Central's machines: the tokens machines push with, and the installations they are bound to."""

from __future__ import annotations

import uuid
from datetime import datetime

from protocol.base import Request, Response
from protocol.sync import Name


class MachineCreate(Request):
    """`POST /api/machines` (central): a token for a machine to push with."""

    name: Name
    # An installation that pushed here before: the token is bound to it at once, for the
    # machine that lost its secret (or never sent one) to take its installation back.
    installation_id: uuid.UUID | None = None


class MachineToken(Response):
    """The new token, shown this once (central keeps only its hash)."""

    id: uuid.UUID
    name: str
    token: str


class Machine(Response):
    """A machine token and the installation it is bound to (after its first push)."""

    id: uuid.UUID
    name: str
    installation_id: uuid.UUID | None
    machine_name: str | None
    created_at: datetime
    last_used_at: datetime | None
    first_sync_at: datetime | None
    last_sync_at: datetime | None
    revoked_at: datetime | None
