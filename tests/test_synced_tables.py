"""The synced-table registry agrees with the wire and with the migrations, without a database.

The registry (daemon/store/synced_tables.py) is what both stores build their SQL from;
the wire Structs (protocol.sync) and the triggers the migrations install are written
apart from it. Each check here fails when one of them changes and the registry does not.
"""

from __future__ import annotations

import re
from typing import Any, get_args, get_origin

import msgspec
import pytest

from daemon.migrate import available
from daemon.store.synced_tables import EDIT_GROUPS, TABLES, SyncedTable
from protocol.sync import POINTERS, EditGroup, Entity, SyncBatch
from tests.sync.flows import TABLES as COMPARED_TABLES


def latest(pattern: str) -> str:
    """The text of the last migration (by number) where the pattern matches: its match."""
    found = [m for m in (re.search(pattern, mig.sql, re.DOTALL) for mig in available()) if m]
    assert found, pattern
    return found[-1][0]


def trigger_tables() -> list[tuple[str, str]]:
    """(table, key column) of each table the sync triggers are installed on."""
    loop = latest(r"FOR synced, synced_key IN VALUES (.*?) LOOP")
    return re.findall(r"\('(\w+)', '(\w+)'\)", loop)


def trigger_edit_groups() -> dict[str, set[str]]:
    """Each edit group the latest note_photo_edits() stamps, and the columns it watches."""
    body = latest(r"CREATE (?:OR REPLACE )?FUNCTION note_photo_edits\(\).*?\$\$.*?\$\$")
    groups: dict[str, set[str]] = {}
    checks = re.findall(
        r"IF ([^;]*?)\s+IS DISTINCT FROM\s+([^;]*?) THEN\s+\w+ := \w+\(\w+, '(\w+)'\)", body
    )
    assert len(checks) == body.count("IS DISTINCT FROM"), "a check the pattern does not read"
    for new, old, group in checks:
        columns = re.findall(r"NEW\.(\w+)", new)
        assert re.findall(r"OLD\.(\w+)", old) == columns, group
        assert group not in groups, group
        groups[group] = set(columns)
    return groups


def test_tables_are_the_wire_entities_and_batch_fields_in_order() -> None:
    assert list(TABLES) == list(get_args(Entity))
    batch = {field.name: field.type for field in msgspec.structs.fields(SyncBatch)}
    for name, table in TABLES.items():
        assert table.name == name
        assert (get_origin(batch[name]), get_args(batch[name])) == (list, (table.row_type,)), name


@pytest.mark.parametrize("table", TABLES.values(), ids=list(TABLES))
def test_fields_are_the_row_struct_fields(table: SyncedTable) -> None:
    wire = [field.name for field in msgspec.structs.fields(table.row_type)]
    assert [field.name for field in table.fields] == wire
    assert table.key in wire


def _sql_types(wire: Any) -> set[str]:
    """The SQL types a batch's jsonb may be read as for a field of this wire type."""
    while isinstance(wire, msgspec.inspect.Metadata):
        wire = wire.type
    if isinstance(wire, msgspec.inspect.UnionType):
        (wire,) = [t for t in wire.types if not isinstance(t, msgspec.inspect.NoneType)]
        return _sql_types(wire)
    if isinstance(wire, msgspec.inspect.IntType):
        low, high = wire.ge, wire.le
        assert low is not None, "an int without a lower bound reaches the database"
        assert high is not None, "an int without an upper bound reaches the database"
        fits = {"bigint"} if low >= -(2**63) and high < 2**63 else set()
        fits |= {"integer"} if low >= -(2**31) and high < 2**31 else set()
        return fits | ({"smallint"} if low >= -(2**15) and high < 2**15 else set())
    if isinstance(wire, msgspec.inspect.DateTimeType):
        return {"timestamp"} if wire.tz is False else {"timestamptz"}
    if isinstance(wire, msgspec.inspect.ListType):
        return {f"{inner}[]" for inner in _sql_types(wire.item_type)}
    kinds: dict[type, set[str]] = {
        msgspec.inspect.UUIDType: {"uuid"},
        msgspec.inspect.StrType: {"text"},
        msgspec.inspect.LiteralType: {"text"},
        msgspec.inspect.BoolType: {"boolean"},
        msgspec.inspect.DateType: {"date"},
        msgspec.inspect.FloatType: {"real", "double precision"},
        msgspec.inspect.DictType: {"jsonb"},
    }
    return kinds[type(wire)]


@pytest.mark.parametrize("table", TABLES.values(), ids=list(TABLES))
def test_sql_types_hold_the_wire_types(table: SyncedTable) -> None:
    info = msgspec.inspect.type_info(table.row_type)
    assert isinstance(info, msgspec.inspect.StructType)
    for field, wire in zip(table.fields, info.fields, strict=True):
        assert field.sql_type in _sql_types(wire.type), f"{table.name}.{field.name}"


def test_pointers_name_fields_and_tables_of_the_registry() -> None:
    assert set(POINTERS) <= set(TABLES)
    for name, table in TABLES.items():
        for field, pointed in table.pointers:
            assert field in {f.name for f in table.fields}, (name, field)
            assert pointed in TABLES, (name, field)


def test_tables_and_keys_are_those_the_sync_triggers_are_on() -> None:
    keyed = [(name, table.field(table.key).column) for name, table in TABLES.items()]
    assert keyed == trigger_tables()


def test_rows_named_through_their_photo_are_those_the_deletion_trigger_looks_up() -> None:
    note_deletion = latest(r"CREATE (?:OR REPLACE )?FUNCTION note_deletion\(\).*?\$\$.*?\$\$")
    looked_up = re.findall(r"TG_TABLE_NAME = '(\w+)'", note_deletion)
    named_by_photo = [n for n, t in TABLES.items() if t.field(t.key).column == "photo_id"]
    assert named_by_photo == looked_up


def test_edit_groups_are_the_wire_groups_and_those_the_trigger_stamps() -> None:
    assert list(EDIT_GROUPS) == list(get_args(EditGroup))
    stamped = trigger_edit_groups()
    assert {group: set(columns) for group, columns in EDIT_GROUPS.items()} == stamped
    photo_columns = {field.column for field in TABLES["photos"].fields}
    for columns in EDIT_GROUPS.values():
        assert set(columns) <= photo_columns


def test_the_two_daemon_comparison_covers_every_synced_table() -> None:
    assert list(COMPARED_TABLES) == list(TABLES)
