"""The web UI: its pages and assets, and signing a browser in and out."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, MediaType, Request, Response, delete, get, post
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import (
    HTTP_201_CREATED,
    HTTP_204_NO_CONTENT,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
)

from daemon.errors import NotFound
from daemon.runtime import Runtime
from daemon.security import browser_session, is_same_origin, session_cookie_name
from daemon.store.ui_sessions import UiSession
from daemon.ui_assets import UiAssets
from protocol.ui import LoginLink, SessionCreate, SessionCreated, SessionInfo

# Paths that are never the app's pages, whatever the browser accepts.
_NOT_PAGES = ("api", "ui", "health")
_IMMUTABLE = "private, max-age=31536000, immutable"


class UiSessionsController(Controller):
    """`/api/ui`: login links for the tray and the CLI, browser sessions for pages."""

    path = "/api/ui"
    tags = ["ui"]  # noqa: RUF012

    @post("/login-links", status_code=HTTP_201_CREATED)
    async def create_login_link(
        self, runtime: NamedDependency[Runtime], request: Request[object, object, State]
    ) -> LoginLink:
        """A one-use link, good for a minute, that opens the web UI signed in (API key)."""
        token, expires_at = runtime.ui_sessions.login_link()
        # The token goes in the fragment: browsers send it to no server, log or Referer.
        base = f"{request.scope['scheme']}://{request.headers.get('host', '')}"
        return LoginLink(url=f"{base}/login#{token}", expires_at=expires_at)

    @post("/sessions", status_code=HTTP_201_CREATED)
    async def create_session(
        self,
        runtime: NamedDependency[Runtime],
        request: Request[object, object, State],
        data: JSONBody[SessionCreate],
    ) -> Response[SessionCreated]:
        """Sign a browser in with a login link's token (local) or the password (central)."""
        if not is_same_origin(request.scope):
            raise PermissionDeniedException(detail="sign-in is taken from Hotprevue's own page")
        if request.content_type[0] != MediaType.JSON:
            # A form can post text/plain across origins without a preflight; JSON cannot.
            raise ClientException(
                status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail="sign-in takes JSON"
            )
        created = await runtime.ui_sessions.sign_in(data)
        cookie = Cookie(
            key=session_cookie_name(request.scope),
            value=created.cookie,
            path="/",
            max_age=int(runtime.ui_sessions.lifetime.total_seconds()),
            httponly=True,
            samesite="strict",
            secure=request.scope["scheme"] == "https",
        )
        return Response(created.body, status_code=HTTP_201_CREATED, cookies=[cookie])

    @get("/session")
    async def get_session(
        self, runtime: NamedDependency[Runtime], request: Request[object, object, State]
    ) -> SessionInfo:
        """The signed-in page's daemon: mode, read-only, name and version."""
        return await runtime.ui_sessions.info(_session(request))

    @delete("/session", status_code=HTTP_204_NO_CONTENT)
    async def delete_session(
        self, runtime: NamedDependency[Runtime], request: Request[object, object, State]
    ) -> Response[None]:
        """Sign out: the session ends and its cookie is cleared."""
        await runtime.ui_sessions.sign_out(_session(request))
        return Response(
            None,
            status_code=HTTP_204_NO_CONTENT,
            cookies=[Cookie(key=session_cookie_name(request.scope), value="", max_age=0)],
        )


def _session(request: Request[object, object, State]) -> UiSession:
    session = browser_session(request.scope)
    if session is None:
        raise NotFound("no browser session: this call came with the API key")
    return session


class PagesController(Controller):
    """The app's HTML shell for every page route, and its static assets."""

    include_in_schema = False

    @get("/ui/{version:str}/{path:path}", media_type=MediaType.TEXT)
    async def asset(
        self,
        state: State,
        version: Annotated[str, PathParameter()],
        path: Annotated[str, PathParameter()],
    ) -> Response[bytes]:
        """A file of the UI's tree, cached for good: its URL changes with its contents."""
        assets: UiAssets = state.ui_assets
        asset = assets.files.get(path.lstrip("/")) if version == assets.version else None
        if asset is None:
            raise NotFoundException(detail="no such file of the web UI")
        return Response(
            asset.body, media_type=asset.content_type, headers={"Cache-Control": _IMMUTABLE}
        )

    @get(["/", "/{page:path}"], media_type=MediaType.HTML)
    async def shell(self, state: State, request: Request[object, object, State]) -> Response[bytes]:
        """The app's page: every route of the app is this one page, routed in the browser."""
        first = request.url.path.strip("/").partition("/")[0]
        if first in _NOT_PAGES or "text/html" not in request.headers.get("accept", ""):
            raise NotFoundException(detail="not found")
        # Never cached: it names the assets' current folder.
        return Response(state.ui_shell, headers={"Cache-Control": "no-store"})
