"""Shared Struct bases: requests refuse unknown fields, responses may grow new ones."""

from __future__ import annotations

import re
from typing import TypeVar

import msgspec


class Request(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A request body: a typo in a field name is an error, never silently ignored."""


class Response(msgspec.Struct, kw_only=True):
    """A response body: clients ignore fields they do not know, so new ones are safe."""


class ErrorBody(Response):
    """Every error the API returns."""

    detail: str


RequestT = TypeVar("RequestT", bound=Request)


class InvalidBody(msgspec.DecodeError):
    """A request body that is not JSON of the expected shape; the message names the field."""


# msgspec ends a message with the JSON path of the offending value: "... - at `$.a[0].b`".
_AT = re.compile(r"^(?P<message>.*) - at `\$\.?(?P<field>.*)`$", re.DOTALL)


def decode_request(raw: bytes | str, kind: type[RequestT]) -> RequestT:
    """Decode a JSON request body the one way every body of the API is decoded: strictly.

    A value must already have its declared type (a string is never a number, a number
    never a string or a boolean), and a field the Struct does not declare is refused
    (`Request` forbids unknown fields), so a typo or a wrong type is a 422 that names the
    field instead of a value silently converted or dropped.
    """
    try:
        return msgspec.json.decode(raw, type=kind, strict=True)
    except msgspec.ValidationError as exc:
        match = _AT.match(str(exc))
        if match is None:
            raise InvalidBody(str(exc)) from None
        raise InvalidBody(f"{match['field']}: {match['message']}") from None
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise InvalidBody(f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise InvalidBody("body is nested too deeply") from None
