"""`/api/input-sessions`: registration runs."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, Response, delete, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody

from daemon.api.bodies import parse_form
from daemon.api.params import Limit, Offset
from daemon.runtime import Runtime
from daemon.services import input_sessions as service
from daemon.services import uploads as uploads_service
from daemon.services.input_sessions import InputSessions
from daemon.services.uploads import Uploads
from protocol.input_sessions import (
    GroupOutcome,
    InputSession,
    InputSessionCreate,
    PathCheck,
    PathCheckResult,
    SessionError,
    SessionPhoto,
)

# A master file (a large TIFF or HEIC) in one request; JSON bodies stay small.
UPLOAD_MAX_BYTES = 1_000_000_000


class GroupUpload(msgspec.Struct, forbid_unknown_fields=True):
    """The multipart body of an upload: the master file and the group's JSON metadata
    (decoded as strictly as a JSON body, see `protocol.base.decode_request`); a part of
    another name is refused like an unknown field."""

    file: UploadFile
    metadata: Annotated[
        str,
        msgspec.Meta(
            description="GroupMetadata as JSON: path and type of the master, companions, "
            "overrides; unknown fields and wrongly typed values are refused (422)"
        ),
    ]


def provide_input_sessions(runtime: NamedDependency[Runtime]) -> InputSessions:
    """The input sessions service the lifespan built."""
    return runtime.input_sessions


def provide_uploads(runtime: NamedDependency[Runtime]) -> Uploads:
    """The uploads service the lifespan built."""
    return runtime.uploads


class InputSessionsController(Controller):
    """Register a folder, follow its progress, see what it found."""

    path = "/api/input-sessions"
    tags = ["input-sessions"]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "input_sessions": Provide(provide_input_sessions, sync_to_thread=False),
        "uploads": Provide(provide_uploads, sync_to_thread=False),
    }

    @post()
    async def create_session(
        self, input_sessions: NamedDependency[InputSessions], data: JSONBody[InputSessionCreate]
    ) -> InputSession:
        """Start registering source_path in the background (422 if it cannot be read)."""
        return await input_sessions.create(data)

    @get()
    async def list_sessions(
        self, runtime: NamedDependency[Runtime], limit: Limit = 100, offset: Offset = 0
    ) -> list[InputSession]:
        """Sessions, newest first."""
        return await service.list_recent(runtime.pool, limit, offset)

    @get("/{session_id:uuid}")
    async def get_session(
        self, input_sessions: NamedDependency[InputSessions], session_id: FromPath[uuid.UUID]
    ) -> InputSession:
        """A session with its counts, and rate and ETA while it runs."""
        return await input_sessions.get(session_id)

    @post("/{session_id:uuid}/cancel", status_code=200)
    async def cancel_session(
        self, input_sessions: NamedDependency[InputSessions], session_id: FromPath[uuid.UUID]
    ) -> InputSession:
        """Stop a running session; photos registered so far stay (409 if not running)."""
        return await input_sessions.cancel(session_id)

    @get("/{session_id:uuid}/photos")
    async def session_photos(
        self,
        runtime: NamedDependency[Runtime],
        session_id: FromPath[uuid.UUID],
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[SessionPhoto]:
        """Photos the session registered."""
        return await service.photos(runtime.pool, session_id, limit, offset)

    @get("/{session_id:uuid}/errors")
    async def session_errors(
        self,
        runtime: NamedDependency[Runtime],
        session_id: FromPath[uuid.UUID],
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[SessionError]:
        """Files the session could not register, and why."""
        return await service.errors(runtime.pool, session_id, limit, offset)

    @post("/{session_id:uuid}/check", status_code=200)
    async def check_paths(
        self,
        runtime: NamedDependency[Runtime],
        session_id: FromPath[uuid.UUID],
        data: JSONBody[PathCheck],
    ) -> PathCheckResult:
        """Which of the client's master paths are already known (skip) or not (upload)."""
        return await uploads_service.check(runtime.pool, session_id, data.master_paths)

    @post(
        "/{session_id:uuid}/groups",
        request_max_body_size=UPLOAD_MAX_BYTES,
        before_request=parse_form,
    )
    async def upload_group(
        self,
        uploads: NamedDependency[Uploads],
        session_id: FromPath[uuid.UUID],
        data: Annotated[GroupUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Response[GroupOutcome]:
        """One group from a client on another machine: 201 registered, 200 duplicate or
        already_registered, 422 when the file cannot be registered (also listed in errors)."""
        outcome = await uploads.upload_group(session_id, data.metadata, data.file.file)
        return Response(outcome, status_code=201 if outcome.outcome == "registered" else 200)

    @post("/{session_id:uuid}/complete", status_code=200)
    async def complete_session(
        self, uploads: NamedDependency[Uploads], session_id: FromPath[uuid.UUID]
    ) -> InputSession:
        """The upload client has sent every group (409 unless the session takes uploads)."""
        return await uploads.complete(session_id)

    @delete("/{session_id:uuid}")
    async def delete_session(
        self, input_sessions: NamedDependency[InputSessions], session_id: FromPath[uuid.UUID]
    ) -> None:
        """Forget a finished session; its photos stay."""
        await input_sessions.delete(session_id)
