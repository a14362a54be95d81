"""What services raise; the app maps each to one HTTP status, once."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


class DomainError(Exception):
    """Base of the errors a client caused; the message is shown to the user."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """The addressed thing does not exist (404)."""


class Conflict(DomainError):
    """The request breaks a rule of the catalog (409)."""


class Invalid(DomainError):
    """The request is well-formed but its values cannot be accepted (422)."""


class Unauthorized(DomainError):
    """The request's credentials are missing, unknown or revoked (401)."""


class Forbidden(DomainError):
    """The credentials are good, but not for this (403)."""


def found(value: T | None, what: str) -> T:
    """Return the value, or raise NotFound naming what was looked for."""
    if value is None:
        raise NotFound(f"{what} not found")
    return value


class TooManyAttempts(DomainError):
    """Too many failed attempts in a short time (429); `retry_after` is in seconds."""

    def __init__(self, detail: str, *, retry_after: float) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
