"""The synced tables: one description of each table a push carries, which both ends'
stores build their SQL from (store.sync reads a machine's changes, store.central writes
central's mirror).

It lives beside the stores because what it adds to the wire is SQL: each field's column,
its type in a batch, how the push reads it and how central writes it. The wire side stays
in protocol.sync (the row Structs, Entity, POINTERS, EditGroup); tests/test_synced_tables.py
checks, without a database, that this registry agrees with those and with the migrations'
triggers. Every name here is a constant: the SQL built from it takes no input.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from protocol.sync import (
    POINTERS,
    EditGroup,
    SyncCategory,
    SyncCollection,
    SyncCollectionItem,
    SyncEvent,
    SyncImageFile,
    SyncInputSession,
    SyncPhoto,
    SyncPhotoCorrection,
    SyncPhotographer,
    SyncTextItem,
)


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a synced row and the column behind it."""

    # The wire field (its name in a batch's JSON).
    name: str
    # Its type as central reads it from a batch (jsonb_to_recordset).
    sql_type: str
    # The table's column; None for a field the push derives that central does not store.
    column: str | None
    # How the push selects it: `t` is the row, `p` the photo it belongs to.
    read: str
    # How central writes the column: `r` is the sent record, `p` the photo it names.
    write: str


@dataclass(frozen=True, slots=True)
class SyncedTable:
    """A synced table: its rows' wire type, the field that names a row, its fields."""

    name: str
    row_type: type[msgspec.Struct]
    # Names a row in sync_log, in tombstones and in the rows that point at it.
    key: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        """The field of this name."""
        return next(field for field in self.fields if field.name == name)

    @property
    def by_photo(self) -> bool:
        """Whether the table names its photo by photo_id (the wire by hothash)."""
        return any(field.column == "photo_id" for field in self.fields)

    @property
    def pointers(self) -> tuple[tuple[str, str], ...]:
        """Where its rows point: (field, table pointed at), as protocol.sync.POINTERS says."""
        return POINTERS.get(self.name, ())


def _plain(record: str) -> tuple[Field, ...]:
    """Fields that are columns of their own name, from "name type, name type, ..."."""
    fields = []
    for item in record.split(","):
        name, sql_type = item.strip().split(" ", 1)
        fields.append(Field(name, sql_type, name, f"t.{name}", f'r."{name}"'))
    return tuple(fields)


# A file or a correction belongs to a photo by its photo_id, which differs per machine;
# the wire names the photo by hothash.
_PHOTO_HOTHASH = Field("hothash", "text", "photo_id", "p.hothash", "p.id")
_STAMPS = "created_at timestamptz, updated_at timestamptz"

PHOTOGRAPHERS = SyncedTable(
    "photographers",
    SyncPhotographer,
    "id",
    _plain(
        "id uuid, name text, website text, bio text, notes text, is_default boolean,"
        f" is_unknown boolean, {_STAMPS}"
    ),
)
CATEGORIES = SyncedTable(
    "categories",
    SyncCategory,
    "id",
    _plain(f"id uuid, name text, excluded_from_stream boolean, display_order integer, {_STAMPS}"),
)
EVENTS = SyncedTable(
    "events",
    SyncEvent,
    "id",
    _plain(
        "id uuid, name text, description text, date date, location text, parent_id uuid,"
        f" cover_hothash text, {_STAMPS}"
    ),
)
# Its watched folder is the origin's configuration: central's watched_folder_id stays NULL.
INPUT_SESSIONS = SyncedTable(
    "input_sessions",
    SyncInputSession,
    "id",
    _plain(
        "id uuid, name text, source_path text, recursive boolean, default_photographer_id uuid,"
        " default_event_id uuid, status text, started_at timestamptz, completed_at timestamptz,"
        f" photo_count integer, duplicate_count integer, error_count integer, {_STAMPS}"
    ),
)
PHOTOS = SyncedTable(
    "photos",
    SyncPhoto,
    "hothash",
    (
        *_plain("hothash text, hotpreview_b64 text, exif_data jsonb, taken_at timestamp"),
        # An interval has no portable JSON form: the offset travels as seconds east of UTC.
        Field(
            "taken_at_offset_seconds",
            "integer",
            "taken_at_offset",
            "extract(epoch FROM t.taken_at_offset)::int",
            "make_interval(secs => r.taken_at_offset_seconds)",
        ),
        *_plain(
            "taken_at_source smallint, taken_at_accuracy text, location_lat double precision,"
            " location_lng double precision, location_source smallint, location_accuracy text,"
            " camera_make text, camera_model text, lens_model text, iso integer,"
            " shutter_speed text, aperture real, focal_length real, tags text[],"
            " category_id uuid, rating smallint, photographer_id uuid, input_session_id uuid,"
            " event_id uuid, stack_id uuid, is_stack_cover boolean, registered_at timestamptz,"
            " deleted_at timestamptz, edited_at jsonb, updated_at timestamptz"
        ),
        # Central asks for a coldpreview the machine has; where it keeps one is its own.
        Field("has_coldpreview", "boolean", None, "t.coldpreview_path IS NOT NULL", ""),
    ),
)
IMAGE_FILES = SyncedTable(
    "image_files",
    SyncImageFile,
    "id",
    (
        *_plain("id uuid"),
        _PHOTO_HOTHASH,
        *_plain(f"file_path text, file_type text, is_master boolean, state text, {_STAMPS}"),
    ),
)
COLLECTIONS = SyncedTable(
    "collections",
    SyncCollection,
    "id",
    _plain(f"id uuid, name text, description text, cover_hothash text, {_STAMPS}"),
)
TEXT_ITEMS = SyncedTable(
    "text_items", SyncTextItem, "id", _plain(f"id uuid, title text, body text, {_STAMPS}")
)
COLLECTION_ITEMS = SyncedTable(
    "collection_items",
    SyncCollectionItem,
    "id",
    _plain(
        "id uuid, collection_id uuid, hothash text, text_item_id uuid, position integer,"
        f" caption text, {_STAMPS}"
    ),
)
# A photo has at most one correction: the photo's hothash names it.
PHOTO_CORRECTIONS = SyncedTable(
    "photo_corrections",
    SyncPhotoCorrection,
    "hothash",
    (
        _PHOTO_HOTHASH,
        *_plain(
            "rotation smallint, horizon_angle real, exposure_ev real, crop_left real,"
            " crop_top real, crop_right real, crop_bottom real, updated_at timestamptz"
        ),
    ),
)

# Every synced table by name, in protocol.sync.Entity's order.
TABLES: dict[str, SyncedTable] = {
    table.name: table
    for table in (
        PHOTOGRAPHERS,
        CATEGORIES,
        EVENTS,
        INPUT_SESSIONS,
        PHOTOS,
        IMAGE_FILES,
        COLLECTIONS,
        TEXT_ITEMS,
        COLLECTION_ITEMS,
        PHOTO_CORRECTIONS,
    )
}

# The columns of each group of a photo's fields that change together (EditGroup): the
# trigger note_photo_edits stamps a group's time when one of them changes, and where two
# machines hold the photo, central takes each group from the machine that changed it last.
EDIT_GROUPS: dict[EditGroup, tuple[str, ...]] = {
    "taken_at": ("taken_at", "taken_at_offset", "taken_at_source", "taken_at_accuracy"),
    "location": ("location_lat", "location_lng", "location_source", "location_accuracy"),
    "tags": ("tags",),
    "category": ("category_id",),
    "rating": ("rating",),
    "photographer": ("photographer_id",),
    "input_session": ("input_session_id",),
    "event": ("event_id",),
    "stack": ("stack_id", "is_stack_cover"),
    "deleted": ("deleted_at",),
}
