"""Helpers every store module shares: row conversion and partial updates.

Constraint violations are translated by the connection itself (daemon.store.errors)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import asyncpg
import msgspec

T = TypeVar("T")

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    # What store functions take: a plain connection or one borrowed from the pool.
    Conn: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
else:
    Conn = asyncpg.Connection


# PostgreSQL counts timestamps in microseconds and dates in days from 2000-01-01.
_PG_EPOCH = datetime(2000, 1, 1)
_PG_EPOCH_DATE = _PG_EPOCH.date()
_MICROSECOND = timedelta(microseconds=1)


def encode_wall_time(value: datetime) -> tuple[int]:
    """A `timestamp` parameter in PostgreSQL's binary form (microseconds from its epoch)."""
    return ((value - _PG_EPOCH) // _MICROSECOND,)


def decode_wall_time(value: tuple[int]) -> datetime:
    """A `timestamp` value from PostgreSQL's binary form."""
    return _PG_EPOCH + value[0] * _MICROSECOND


def encode_date(value: date) -> tuple[int]:
    """A `date` parameter in PostgreSQL's binary form (days from its epoch)."""
    return ((value - _PG_EPOCH_DATE).days,)


def decode_date(value: tuple[int]) -> date:
    """A `date` value from PostgreSQL's binary form."""
    return _PG_EPOCH_DATE + timedelta(days=value[0])


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
