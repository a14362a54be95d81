"""Query parameters an endpoint does not declare are a 422 that names them.

Litestar reads the query parameters a handler declares and ignores the rest, so a typo
(`?tag=` for `?tags=`) or a filter the endpoint lacks (`?hothash=` on an old daemon)
would silently answer everything. `DeclaredQueryOnly`, an app-wide guard, compares the
request's keys with what Litestar itself extracts for the handler: the names in the
kwargs model it builds for each route at startup, dependencies' parameters included
(read once, at the first request).
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.exceptions import ValidationException
from litestar.handlers import BaseRouteHandler
from litestar.routes import HTTPRoute

API_PREFIX = "/api/"


class DeclaredQueryOnly:
    """Guard: under /api/ (the OpenAPI document's own pages aside), every query
    parameter must be one the handler declares."""

    def __init__(self) -> None:
        # Filled on the first request, when every route and its kwargs model exist.
        self._declared: dict[BaseRouteHandler, frozenset[str] | None] | None = None

    def __call__(self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        """Raise a ValidationException naming the undeclared parameters, if any."""
        if not connection.scope.get("query_string") or not _checked(connection):
            return
        if self._declared is None:
            self._declared = declared_query_parameters(connection.app)
        # The guard is handed a copy of the handler; the scope holds the registered one.
        declared = self._declared.get(connection.route_handler)
        if declared is None:
            return
        unknown = sorted(set(connection.query_params) - declared)
        if unknown:
            takes = ", ".join(sorted(declared)) or "no query parameters"
            raise ValidationException(
                detail=f"unknown query parameter(s): {', '.join(unknown)} "
                f"(this endpoint takes: {takes})"
            )


def declared_query_parameters(app: Litestar) -> dict[BaseRouteHandler, frozenset[str] | None]:
    """Each HTTP handler's query parameter names as Litestar extracts them; None for a
    handler that takes the whole query (a `query` argument) and so declares no list."""
    declared: dict[BaseRouteHandler, frozenset[str] | None] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler, kwargs_model in route.route_handler_map.values():
            takes_all = "query" in kwargs_model.expected_reserved_kwargs
            names = frozenset(p.field_alias for p in kwargs_model.expected_query_params)
            declared[handler] = None if takes_all else names
    return declared


def _checked(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    # The API's endpoints only: pages of the web UI route their own query in the browser,
    # and the OpenAPI document's pages belong to Litestar. A CORS preflight (OPTIONS)
    # carries the query of the request it asks about, which is checked when it comes.
    if connection.scope.get("method") == "OPTIONS":
        return False
    path: str = connection.scope["path"]
    schema = connection.app.openapi_config.path if connection.app.openapi_config else None
    return path.startswith(API_PREFIX) and not (schema and _under(path, schema))


def _under(path: str, prefix: str) -> bool:
    prefix = prefix.rstrip("/")
    return path == prefix or path.startswith(prefix + "/")
