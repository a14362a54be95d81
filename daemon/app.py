"""The Litestar application: routes, guards, error mapping, OpenAPI."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator

import asyncpg
from litestar import Litestar, MediaType, Request, Response
from litestar.datastructures import State
from litestar.di import Provide
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException, ValidationException
from litestar.middleware import ASGIMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
    SecurityScheme,
)
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from litestar.types import ASGIApp, Receive, Scope, Send

from daemon import __version__, database, ui_assets
from daemon.api.batches import BatchesController
from daemon.api.bodies import StrictBodies
from daemon.api.categories import CategoriesController
from daemon.api.central import SyncReceiveController
from daemon.api.collection_export import CollectionExportController
from daemon.api.collections import CollectionsController, TextItemsController
from daemon.api.events import EventsController
from daemon.api.folders import FoldersController
from daemon.api.input_sessions import InputSessionsController
from daemon.api.machines import MachinesController
from daemon.api.photographers import PhotographersController
from daemon.api.photos import CamerasController, PhotosController, TagsController
from daemon.api.query import DeclaredQueryOnly
from daemon.api.settings import SettingsController
from daemon.api.stacks import DuplicatesController, StacksController
from daemon.api.sync import SyncController
from daemon.api.system import ActivityController, SystemController
from daemon.api.ui import PagesController, UiSessionsController
from daemon.api.watched_folders import WatchedFoldersController
from daemon.config import Mode, Settings
from daemon.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    TooManyAttempts,
    Unauthorized,
)
from daemon.lifespan import lifespan
from daemon.runtime import Runtime
from daemon.security import (
    API_KEY_HEADER,
    ApiAuthGuard,
    LoopbackHostGuard,
    MirrorGuard,
    add_security_headers,
    load_or_create_api_key,
)
from daemon.store.base import UNSTORABLE_TEXT
from protocol.base import ErrorBody

log = logging.getLogger(__name__)

_DOMAIN_STATUS = {
    NotFound: HTTP_404_NOT_FOUND,
    Conflict: HTTP_409_CONFLICT,
    Invalid: HTTP_422_UNPROCESSABLE_ENTITY,
    Unauthorized: HTTP_401_UNAUTHORIZED,
    Forbidden: HTTP_403_FORBIDDEN,
    TooManyAttempts: HTTP_429_TOO_MANY_REQUESTS,
}
# Two transactions that each waited for the other (one is cancelled) or that could not
# both commit: the request did nothing, and the same request again will do.
_BUSY = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)
# Central only: machines push to it, and it lists and revokes their tokens.
_CENTRAL_CONTROLLERS = [SyncReceiveController, MachinesController]
OPENAPI_PATH = "/api/schema"
# Local only: this machine's pushes, what its tray polls, and its folders.
_LOCAL_CONTROLLERS = [SyncController, ActivityController, FoldersController]


def create_app(
    settings: Settings, *, request_shutdown: Callable[[], None] | None = None
) -> Litestar:
    """Build the daemon's HTTP application for these settings."""
    api_key = settings.api_key or load_or_create_api_key(settings.paths.api_key)
    assets = ui_assets.load()
    middleware: list[ASGIMiddleware] = []
    if settings.mode is Mode.LOCAL:
        middleware.append(LoopbackHostGuard())
    central = settings.mode is Mode.CENTRAL
    # Central's API key administers it; people and programs that browse get this one.
    browse_key = load_or_create_api_key(settings.paths.browse_key) if central else None
    middleware.append(ApiAuthGuard(api_key, central=central, browse_key=browse_key))
    if central:
        middleware.append(MirrorGuard())
    middleware.append(OpenApiDocument())
    return Litestar(
        route_handlers=[
            SystemController,
            SettingsController,
            PhotographersController,
            CategoriesController,
            InputSessionsController,
            PhotosController,
            BatchesController,
            EventsController,
            CollectionsController,
            CollectionExportController,
            TextItemsController,
            StacksController,
            DuplicatesController,
            TagsController,
            CamerasController,
            WatchedFoldersController,
            UiSessionsController,
            PagesController,
            *(_CENTRAL_CONTROLLERS if central else _LOCAL_CONTROLLERS),
        ],
        lifespan=[lifespan],
        state=State(
            {
                "settings": settings,
                "version": __version__,
                "request_shutdown": request_shutdown or _no_shutdown,
                "ui_assets": assets,
                "ui_shell": assets.shell(settings.mode.value),
            }
        ),
        dependencies={"runtime": Provide(_runtime, sync_to_thread=False)},
        middleware=middleware,
        before_send=[add_security_headers],
        guards=[DeclaredQueryOnly()],
        plugins=[StrictBodies()],
        exception_handlers={
            DomainError: _domain_error,
            ValidationException: _validation_error,
            HTTPException: _http_error,
            **dict.fromkeys(UNSTORABLE_TEXT, _unstorable_text),
            **dict.fromkeys(database.CONNECTION_ERRORS, _database_unavailable),
            **dict.fromkeys(_BUSY, _catalog_busy),
            Exception: _unexpected_error,
        },
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Hotprevue",
            version=__version__,
            path=OPENAPI_PATH,
            render_plugins=[ScalarRenderPlugin()],
            security=[{"apiKey": []}],
            components=Components(
                security_schemes={
                    "apiKey": SecurityScheme(
                        type="apiKey",
                        name=API_KEY_HEADER,
                        security_scheme_in="header",
                        description="the key in the data directory's api_key file "
                        "(central: or its browse_key file, which reads but administers "
                        "nothing)",
                    ),
                    "machineToken": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="central: a machine's token (`hotprevue machines add`), "
                        "for the sync endpoints only",
                    ),
                }
            ),
        ),
        debug=False,
        logging_config=None,
    )


class OpenApiDocument(ASGIMiddleware):
    """Complete the OpenAPI document when it is first asked for, not when the app is
    built: building it is 40 % of building the app, which every start pays."""

    scopes = (ScopeType.HTTP,)

    def __init__(self) -> None:
        self._completed = False

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Add what Litestar cannot say to the document before its first reader gets it."""
        if not self._completed and scope["path"].startswith(OPENAPI_PATH):
            # No await between the test and the change: two first readers cannot both
            # add the same answers.
            self._completed = True
            app = scope["litestar_app"]
            _document_errors(app)
            _document_wall_times(app)
            _document_in_order(app)
        await next_app(scope, receive, send)


def _operations(app: Litestar) -> Iterator[Operation]:
    """Every operation in the OpenAPI document."""
    for path_item in (app.openapi_schema.paths or {}).values():
        for operation in (
            path_item.get,
            path_item.put,
            path_item.post,
            path_item.patch,
            path_item.delete,
        ):
            if operation is not None:
                yield operation


def _document_in_order(app: Litestar) -> None:
    """Litestar gathers a handler's paths and its response headers in sets, whose order
    follows each start's hash seed; sorted by name, every start serves the same bytes."""
    document = app.openapi_schema
    document.paths = dict(sorted((document.paths or {}).items()))
    for operation in _operations(app):
        for response in (operation.responses or {}).values():
            if isinstance(response, OpenAPIResponse) and response.headers:
                response.headers = dict(sorted(response.headers.items()))


def _document_wall_times(app: Litestar) -> None:
    """Wall-clock times carry no zone, so they are no RFC 3339 date-time: the pattern
    their type declares stands alone (Litestar puts it beside a `date-time` branch)."""
    components = app.openapi_schema.components
    for schema in (components.schemas or {}).values() if components else ():
        for prop in (schema.properties or {}).values():
            if isinstance(prop, Schema) and prop.pattern and prop.one_of:
                for branch in prop.one_of:
                    if isinstance(branch, Schema) and branch.format is not None:
                        branch.format = None


_ERRORS = {
    "401": "missing or wrong X-API-Key (central's sync endpoints: machine token)",
    "403": "the request's Host is not this machine (central: the machine token belongs to "
    "another installation, or the browsing key asks to administer)",
    "404": "not found",
    "409": "the request breaks a rule of the catalog (central: a read-only mirror, or "
    "another sync protocol version)",
    "413": "request body too large",
    "422": "invalid input; `detail` names the field",
    "503": "the catalog database is not answering, or is busy; try again shortly",
}


def _document_errors(app: Litestar) -> None:
    """Say in the OpenAPI document what every operation may answer besides success:
    `{"detail": …}` with the statuses above (Litestar's own 400 is answered as 422)."""
    error = Schema(
        type=OpenAPIType.OBJECT,
        properties={"detail": Schema(type=OpenAPIType.STRING)},
        required=["detail"],
    )
    for operation in _operations(app):
        responses = operation.responses if operation.responses is not None else {}
        responses.pop("400", None)
        for status, description in _ERRORS.items():
            responses.setdefault(
                status,
                OpenAPIResponse(
                    description=description,
                    content={MediaType.JSON: OpenAPIMediaType(schema=error)},
                ),
            )
        operation.responses = responses


def _runtime(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


def _no_shutdown() -> None:
    log.warning("shutdown requested, but this app is not run by the daemon's server")


def _error(status: int, detail: str) -> Response[ErrorBody]:
    return Response(ErrorBody(detail=detail), status_code=status, media_type=MediaType.JSON)


def _domain_error(_: Request[object, object, State], exc: DomainError) -> Response[ErrorBody]:
    status = next(code for kind, code in _DOMAIN_STATUS.items() if isinstance(exc, kind))
    response = _error(status, exc.detail)
    if isinstance(exc, TooManyAttempts):
        response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    return response


def _validation_error(
    _: Request[object, object, State], exc: ValidationException
) -> Response[ErrorBody]:
    # Litestar lists each problem with the field it concerns; say them all in one line.
    problems = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            where = item.get("key") or item.get("source") or ""
            message = item.get("message", "")
            if (where, message) == ("data", "'data'"):
                # Litestar's words (a KeyError) for a body that is missing altogether.
                where, message = "body", "required, and the request has none"
            problems.append(f"{where}: {message}" if where else str(message))
    detail = "; ".join(problems) or exc.detail or "invalid request"
    return _error(HTTP_422_UNPROCESSABLE_ENTITY, detail)


def _http_error(_: Request[object, object, State], exc: HTTPException) -> Response[ErrorBody]:
    # Litestar says 400 for a body it cannot parse; the API says 422 for every bad input.
    status = (
        HTTP_422_UNPROCESSABLE_ENTITY
        if exc.status_code == HTTP_400_BAD_REQUEST
        else exc.status_code
    )
    return _error(status, exc.detail)


def _unstorable_text(_: Request[object, object, State], exc: Exception) -> Response[ErrorBody]:
    return _error(
        HTTP_422_UNPROCESSABLE_ENTITY,
        f"text with characters that cannot be stored (NUL or invalid Unicode): {exc}",
    )


def _database_unavailable(
    request: Request[object, object, State], exc: Exception
) -> Response[ErrorBody]:
    """Any call while the database is down or restarting: 503, so a client retries.

    Also registered for asyncpg's InterfaceError, which a dead connection raises on
    rollback; any other InterfaceError is a bug and answers like one (500)."""
    if not database.connection_lost(exc):
        return _unexpected_error(request, exc)
    log.warning("%s %s: the database is unavailable: %s", request.method, request.url.path, exc)
    return _error(HTTP_503_SERVICE_UNAVAILABLE, "the database is not answering; try again shortly")


def _catalog_busy(request: Request[object, object, State], exc: Exception) -> Response[ErrorBody]:
    log.warning("%s %s: %s", request.method, request.url.path, exc)
    return _error(HTTP_503_SERVICE_UNAVAILABLE, "the catalog is busy; try again")


def _unexpected_error(
    request: Request[object, object, State], exc: Exception
) -> Response[ErrorBody]:
    log.exception("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
    return _error(HTTP_500_INTERNAL_SERVER_ERROR, "internal error; the daemon log has the details")
