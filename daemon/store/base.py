"""Helpers every store module shares: row conversion, partial updates, error translation."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import asyncpg
import msgspec

from daemon.errors import Conflict, Invalid, NotFound

T = TypeVar("T")

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    # What store functions take: a plain connection or one borrowed from the pool.
    Conn: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
else:
    Conn = asyncpg.Connection


def to_struct(record: asyncpg.Record | None, kind: type[T]) -> T:
    """Turn one row into a protocol Struct (asyncpg Records never leave the store)."""
    if record is None:
        raise LookupError(f"expected a {kind.__name__} row, the query returned none")
    return msgspec.convert(dict(record.items()), kind)


def to_structs(records: list[asyncpg.Record], kind: type[T]) -> list[T]:
    """Turn rows into protocol Structs."""
    return [to_struct(record, kind) for record in records]


# Text PostgreSQL cannot store: NUL characters, and lone surrogates (which JSON allows
# as \ud800 escapes but UTF-8 cannot encode).
UNSTORABLE_TEXT = (
    asyncpg.CharacterNotInRepertoireError,
    asyncpg.UntranslatableCharacterError,
    UnicodeEncodeError,
)


def changes(patch: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body actually set (msgspec.UNSET means 'leave alone')."""
    return {
        name: value
        for name in patch.__struct_fields__
        if (value := getattr(patch, name)) is not msgspec.UNSET
    }


def update_statement(
    table: str, values: Mapping[str, Any], *, key: str = "id = $1", returning: str | None = None
) -> tuple[str, list[Any]]:
    """`UPDATE table SET col = $2, … WHERE key`: the key takes $1, the values follow.

    Table, key and column names come from code (Struct fields), never from clients."""
    assignments = ", ".join(f'"{name}" = ${i}' for i, name in enumerate(values, start=2))
    sql = f"UPDATE {table} SET {assignments} WHERE {key}"  # noqa: S608
    if returning:
        sql += f" RETURNING {returning}"
    return sql, list(values.values())


@contextmanager
def translate(
    *,
    unique: str = "it already exists",
    foreign_key: str = "it refers to something that does not exist",
    missing: str | None = None,
) -> Iterator[None]:
    """Turn constraint violations into the domain errors services and the API speak."""
    try:
        yield
    except asyncpg.UniqueViolationError:
        raise Conflict(unique) from None
    except asyncpg.ForeignKeyViolationError:
        if missing is not None:
            raise NotFound(missing) from None
        raise Conflict(foreign_key) from None
    except (asyncpg.CheckViolationError, asyncpg.NotNullViolationError) as exc:
        raise Invalid(f"value not allowed: {exc.constraint_name or exc}") from None
