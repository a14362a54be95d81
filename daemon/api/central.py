"""`/api/sync` on central: where machines push their batches and coldpreviews."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, post
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.handlers import BaseRouteHandler
from litestar.params import HeaderParameter, JSONBody

from daemon.api.params import HothashParam
from daemon.errors import Conflict, Invalid, Unauthorized
from daemon.runtime import Runtime
from daemon.services import central as service
from daemon.services import machines as machines_service
from daemon.services.central import Central
from protocol.sync import (
    CONTENT_SHA256_HEADER,
    INSTALLATION_HEADER,
    INSTALLATION_SECRET_HEADER,
    MAX_BATCH_BYTES,
    MAX_COLDPREVIEW_BYTES,
    SYNC_PROTOCOL_VERSION,
    SYNC_VERSION_HEADER,
    ColdpreviewReceipt,
    SyncBatch,
    SyncReceipt,
)

# Checked by the guard before the handler runs; declared here for the handler and the docs.
Installation = Annotated[uuid.UUID, HeaderParameter(name=INSTALLATION_HEADER)]
ContentSha256 = Annotated[
    str, HeaderParameter(name=CONTENT_SHA256_HEADER, pattern=r"^[0-9a-fA-F]{64}$")
]


async def machine_guard(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Before the body is read: the sync protocol version, then the machine token and the
    installation it is bound to."""
    sent = connection.headers.get(SYNC_VERSION_HEADER)
    if sent != str(SYNC_PROTOCOL_VERSION):
        raise Conflict(
            f"this central speaks sync protocol {SYNC_PROTOCOL_VERSION}, the client sent "
            f"{sent if sent is not None else 'none'}: update Hotprevue on the older side"
        )
    scheme, _space, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "a push needs its machine token as `Authorization: Bearer <token>`; make one on "
            "central with `hotprevue machines add NAME`"
        )
    installation = connection.headers.get(INSTALLATION_HEADER, "")
    try:
        installation_id = uuid.UUID(installation)
    except ValueError:
        raise Invalid(
            f"{INSTALLATION_HEADER}: {installation!r} is not an installation id"
        ) from None
    runtime: Runtime = connection.app.state.runtime
    secret = connection.headers.get(INSTALLATION_SECRET_HEADER, "").strip() or None
    await machines_service.authenticate(runtime.pool, token.strip(), installation_id, secret)


def provide_central(runtime: NamedDependency[Runtime]) -> Central:
    """Central's service the lifespan built."""
    return runtime.central


class SyncReceiveController(Controller):
    """Central's receiving end of sync: machine tokens, not the API key."""

    path = "/api/sync"
    tags = ["sync (central)"]  # noqa: RUF012
    guards = [machine_guard]  # noqa: RUF012
    security = [{"machineToken": []}]  # noqa: RUF012
    dependencies = {"central": Provide(provide_central, sync_to_thread=False)}  # noqa: RUF012

    @post("/receive", status_code=200, request_max_body_size=MAX_BATCH_BYTES)
    async def receive_batch(
        self,
        runtime: NamedDependency[Runtime],
        installation_id: Installation,
        data: JSONBody[SyncBatch],
    ) -> SyncReceipt:
        """One batch of a machine's push, applied whole (409 for another protocol version,
        413 for a body over MAX_BATCH_BYTES, 422 for a batch beyond the protocol's bounds or
        that refers to rows central does not have, or has for another machine)."""
        return await service.receive(runtime.pool, installation_id, data)

    @post(
        "/coldpreview/{hothash:str}", status_code=200, request_max_body_size=MAX_COLDPREVIEW_BYTES
    )
    async def upload_coldpreview(
        self,
        central: NamedDependency[Central],
        installation_id: Installation,
        hothash: HothashParam,
        content_sha256: ContentSha256,
        request: Request[object, object, State],
    ) -> ColdpreviewReceipt:
        """A photo's coldpreview JPEG as the raw body (404 for a photo central lacks, 403
        for a machine that does not hold it, 422 for bytes that are no such JPEG)."""
        return await central.store_coldpreview(
            installation_id, hothash, await request.body(), content_sha256
        )
