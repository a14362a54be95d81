"""Shared Struct bases: requests refuse unknown fields, responses may grow new ones."""

from __future__ import annotations

import msgspec


class Request(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A request body: a typo in a field name is an error, never silently ignored."""


class Response(msgspec.Struct, kw_only=True):
    """A response body: clients ignore fields they do not know, so new ones are safe."""


class ErrorBody(Response):
    """Every error the API returns."""

    detail: str
