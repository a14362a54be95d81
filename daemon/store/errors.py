"""Constraint violations become domain errors here, once, for every statement.

The pool's connections are `CatalogConnection`s: each query that breaks a constraint
raises NotFound, Conflict or Invalid with the message `CONSTRAINTS` gives for the
constraint's name, so no service wraps calls by hand and a forgotten wrap cannot reach
the client as a 500. A violation of a constraint missing from the map still becomes a
409 or 422 with a generic message (and a warning in the log); a test keeps the map
complete against the migrated schema.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg

from daemon.errors import Conflict, DomainError, Forbidden, Invalid, NotFound

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Rule:
    """What breaking one constraint means to the user."""

    error: type[DomainError]
    message: str
    # Foreign keys only: the answer when the referenced row is deleted while rows still
    # point at it (ON DELETE RESTRICT); always a Conflict.
    in_use: str | None = None


def _unique(message: str) -> Rule:
    return Rule(Conflict, message)


def _check(message: str) -> Rule:
    return Rule(Invalid, message)


def _refers(message: str, *, in_use: str | None = None) -> Rule:
    return Rule(Invalid, message, in_use)


def _internal(what: str) -> Rule:
    # Constraints only the daemon's own statements can break: a clash, not bad input.
    return Rule(Conflict, f"the catalog refused the change: {what}")


CONSTRAINTS: dict[str, Rule] = {
    # system_settings
    "system_settings_pkey": _internal("the settings row exists once"),
    "system_settings_singleton_check": _internal("the settings row exists once"),
    "system_settings_default_sort_check": _check("default_sort: not a known sort"),
    "system_settings_browse_buffer_size_check": _check(
        "browse_buffer_size must be between 1 and 10000"
    ),
    "system_settings_coldpreview_max_px_check": _check(
        "coldpreview_max_px must be between 150 and 8000"
    ),
    "system_settings_coldpreview_quality_check": _check(
        "coldpreview_quality must be between 1 and 100"
    ),
    "system_settings_watch_quiet_seconds_check": _check(
        "watch_quiet_seconds must be between 0.1 and 3600"
    ),
    "system_settings_watch_rescan_minutes_check": _check(
        "watch_rescan_minutes must be between 1 and 10080"
    ),
    "system_settings_sync_reminder_days_check": _check(
        "sync_reminder_days must be between 0 and 365"
    ),
    # photographers
    "photographers_pkey": _internal("a photographer with this id exists"),
    "photographers_name_check": _check("name must not be blank"),
    "photographers_check": _check("a photographer cannot be both the default and the unknown one"),
    "photographers_one_default": _internal("there is one default photographer"),
    "photographers_one_unknown": _internal("there is one unknown photographer"),
    # categories
    "categories_pkey": _internal("a category with this id exists"),
    "categories_name_key": _unique("a category with this name already exists"),
    "categories_name_check": _check("name must not be blank"),
    # events
    "events_pkey": _internal("an event with this id exists"),
    "events_name_check": _check("name must not be blank"),
    "events_check": Rule(Conflict, "an event cannot be its own parent"),
    "events_parent_id_fkey": _refers(
        "parent_id: no such event",
        in_use="the event has sub-events; move or delete them first",
    ),
    "events_cover_hothash_fkey": _refers("cover_hothash: no such photo"),
    "events_date_in_range": _check("date must lie in the years 1 to 9999"),
    # input_sessions
    "input_sessions_pkey": _internal("a session with this id exists"),
    "input_sessions_name_check": _check("name must not be blank"),
    "input_sessions_status_check": _internal("not a session status"),
    "input_sessions_photo_count_check": _internal("counts are never negative"),
    "input_sessions_duplicate_count_check": _internal("counts are never negative"),
    "input_sessions_error_count_check": _internal("counts are never negative"),
    "input_sessions_already_registered_count_check": _internal("counts are never negative"),
    "input_sessions_files_found_check": _internal("counts are never negative"),
    "input_sessions_files_ignored_check": _internal("counts are never negative"),
    "input_sessions_groups_total_check": _internal("counts are never negative"),
    "input_sessions_groups_done_check": _internal("counts are never negative"),
    "input_sessions_default_photographer_id_fkey": _refers(
        "default_photographer_id: no such photographer",
        in_use="the photographer is the default photographer of an input session",
    ),
    "input_sessions_default_event_id_fkey": _refers("default_event_id: no such event"),
    "input_sessions_watched_folder_id_fkey": Rule(NotFound, "watched folder not found"),
    # photos
    "photos_pkey": _internal("a photo with this id exists"),
    "photos_hothash_key": _unique("a photo with this hothash is already in the catalog"),
    "photos_hothash_check": _check("hothash must be 64 lowercase hex digits"),
    "photos_exif_data_check": _check("exif_data must be a JSON object"),
    "photos_taken_at_source_check": _internal("not a source of a time"),
    "photos_taken_at_accuracy_check": _check("taken_at_accuracy: not a known accuracy"),
    "photos_taken_at_in_range": _check("taken_at must lie in the years 1 to 9999"),
    "photos_taken_at_offset_in_range": _check("taken_at_offset must lie within ±18 hours"),
    "photos_taken_at_utc_in_range": _check(
        "taken_at, read in UTC with its offset, must lie in the years 1 to 9999"
    ),
    "photos_location_lat_check": _check("location_lat must be between -90 and 90"),
    "photos_location_lng_check": _check("location_lng must be between -180 and 180"),
    "photos_location_source_check": _internal("not a source of a location"),
    "photos_location_accuracy_check": _check("location_accuracy: not a known accuracy"),
    "photos_check": _check("location_lat and location_lng are both numbers or both null"),
    "photos_check1": _check("a location needs its source"),
    "photos_check2": _internal("only a photo in a stack can be its cover"),
    "photos_iso_check": _check("iso must be positive"),
    "photos_aperture_check": _check("aperture must be positive"),
    "photos_focal_length_check": _check("focal_length must be positive"),
    "photos_rating_check": _check("rating must be between 1 and 5"),
    "photos_category_id_fkey": _refers("category_id: no such category"),
    "photos_event_id_fkey": _refers("event_id: no such event"),
    "photos_photographer_id_fkey": _refers(
        "photographer_id: no such photographer",
        in_use="the photographer still has photos; move them to another photographer first",
    ),
    "photos_input_session_id_fkey": _refers("input_session_id: no such input session"),
    "photos_one_stack_cover": _internal("a stack has one cover"),
    # image_files
    "image_files_pkey": _internal("a file with this id exists"),
    "image_files_file_path_key": _unique("this file is already in the catalog"),
    "image_files_file_type_check": _check("not a known file type"),
    "image_files_photo_id_fkey": Rule(NotFound, "photo not found"),
    "image_files_one_master": _internal("a photo has one master file"),
    "image_files_state_check": _internal("not a file state"),
    # duplicate_files
    "duplicate_files_pkey": _internal("a duplicate with this id exists"),
    "duplicate_files_file_path_key": _unique("this file is already a known duplicate"),
    "duplicate_files_photo_id_fkey": Rule(NotFound, "photo not found"),
    "duplicate_files_session_id_fkey": Rule(NotFound, "input session not found"),
    # session_errors
    "session_errors_pkey": _internal("an error with this id exists"),
    "session_errors_session_id_fkey": Rule(NotFound, "input session not found"),
    # collections, text cards and items
    "collections_pkey": _internal("a collection with this id exists"),
    "collections_name_check": _check("name must not be blank"),
    "collections_cover_hothash_fkey": _refers("cover_hothash: no such photo"),
    "text_items_pkey": _internal("a text item with this id exists"),
    "collection_items_pkey": _internal("an item with this id exists"),
    "collection_items_check": _check("an item is either a photo or a text card"),
    "collection_items_collection_id_fkey": Rule(NotFound, "collection not found"),
    "collection_items_hothash_fkey": _refers("hothash: no such photo"),
    "collection_items_text_item_id_fkey": _refers("text_item_id: no such text item"),
    # photo_corrections
    "photo_corrections_pkey": _internal("the photo already has a correction"),
    "photo_corrections_photo_id_fkey": Rule(NotFound, "photo not found"),
    "photo_corrections_rotation_check": _check("rotation must be 0, 90, 180 or 270"),
    "photo_corrections_horizon_angle_check": _check("horizon_angle must be between -15 and 15"),
    "photo_corrections_exposure_ev_check": _check("exposure_ev must be between -5 and 5"),
    "photo_corrections_crop_left_check": _check("crop_left must be between 0 and 1"),
    "photo_corrections_crop_top_check": _check("crop_top must be between 0 and 1"),
    "photo_corrections_crop_right_check": _check("crop_right must be between 0 and 1"),
    "photo_corrections_crop_bottom_check": _check("crop_bottom must be between 0 and 1"),
    "photo_corrections_check": _check("crop: left must be below right and top below bottom"),
    # watched_folders
    "watched_folders_pkey": _internal("a watched folder with this id exists"),
    "watched_folders_path_key": _unique("this folder is already watched"),
    "watched_folders_path_check": _check("path must not be empty"),
    "watched_folders_photographer_id_fkey": _refers("photographer_id: no such photographer"),
    # sync: change tracking, targets and their log (local), machines (central)
    "sync_tombstones_pkey": _internal("a deletion with this number is recorded"),
    "photos_edited_at_check": _internal("edited_at is an object of times"),
    "sync_targets_pkey": _internal("a sync target with this id exists"),
    "sync_targets_name_key": _unique("a sync target with this name already exists"),
    "sync_targets_name_check": _check("name must not be blank"),
    "sync_targets_url_key": _unique("a sync target with this URL already exists"),
    "sync_targets_token_check": _check("token must not be empty"),
    "sync_targets_machine_name_check": _check("machine_name must not be blank"),
    "sync_targets_acked_seq_check": _internal("a target's acknowledged change is not negative"),
    "sync_log_pkey": _internal("a sync log entry with this id exists"),
    "sync_log_target_id_fkey": Rule(NotFound, "sync target not found"),
    "sync_log_entity_key": _internal("a row is logged once per target"),
    "registered_machines_pkey": _internal("this machine is registered"),
    "machine_tokens_pkey": _internal("a machine token with this id exists"),
    "machine_tokens_name_check": _check("name must not be blank"),
    "machine_tokens_token_sha256_key": _internal("this token exists"),
    "machine_tokens_installation_id_fkey": _internal("the token's machine is registered"),
    "machine_tokens_active_name": _unique("a machine with this name already has a token"),
    "machine_tokens_active_installation": Rule(
        Forbidden, "this installation already pushes with another active token"
    ),
    "registered_machines_acked_seq_check": _internal("a change number is not negative"),
    "installation_secret_pkey": _internal("an installation has one secret"),
    "installation_secret_singleton_check": _internal("an installation has one secret"),
    "installation_secret_secret_check": _internal("an installation's secret is long enough"),
    "photo_holders_pkey": _internal("a machine holds a photo once"),
    "photo_holders_photo_id_fkey": _internal("a holder holds a photo central has"),
    # ui_sessions
    "ui_sessions_pkey": _internal("a browser session with this id exists"),
    "ui_sessions_token_key": _internal("this browser session token exists"),
    "ui_sessions_cookie_key": _internal("this browser session cookie exists"),
    # the migration runner's own table
    "schema_migrations_pkey": _internal("this migration was already applied"),
}

# PostgreSQL's detail of unique and foreign key violations names the key and its value.
# The embedded server speaks English (no message catalogues, C locale); where another
# server's detail does not parse, the message simply goes without the value.
_KEY = re.compile(
    r"^Key \((?P<columns>.+?)\)=\((?P<value>.*)\) "
    r"(?P<what>already exists|is not present in table|is still referenced from table)"
)
_MAX_VALUE = 100


def domain_error(exc: asyncpg.IntegrityConstraintViolationError) -> DomainError:
    """The domain error a constraint violation means, from the map or a generic fallback."""
    name = exc.constraint_name
    key = _KEY.match(exc.detail or "")
    still_used = key is not None and key["what"] == "is still referenced from table"
    rule = CONSTRAINTS.get(name) if name else None
    if rule is None:
        if name is not None or not isinstance(exc, asyncpg.NotNullViolationError):
            log.warning("constraint %s has no entry in the error map: %s", name, exc)
        error = _fallback(exc, still_used)
    elif still_used:
        error = Conflict(rule.in_use or "it is still in use")
    else:
        error = rule.error(rule.message)
    if key is not None:
        value = key["value"]
        if len(value) > _MAX_VALUE:
            value = value[:_MAX_VALUE] + "…"
        error = type(error)(f"{error.detail} ({key['columns']}={value})")
    return error


def refused(constraint: str, column: str, value: object) -> DomainError:
    """The error a violation of this constraint by this key value gives, for a rule a
    service must check before writing (the same words as the violation itself)."""
    rule = CONSTRAINTS[constraint]
    return rule.error(f"{rule.message} ({column}={value})")


def _fallback(exc: asyncpg.IntegrityConstraintViolationError, still_used: bool) -> DomainError:
    if isinstance(exc, asyncpg.NotNullViolationError):
        return Invalid(f"{exc.column_name or 'a field'}: a value is required")
    if isinstance(exc, asyncpg.UniqueViolationError):
        return Conflict("it already exists")
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        if still_used:
            return Conflict("it is still in use")
        return Invalid("it refers to something that does not exist")
    if isinstance(exc, asyncpg.CheckViolationError):
        return Invalid("a value is not allowed")
    return Conflict("the change breaks a rule of the catalog")


async def _translated(call: Awaitable[T]) -> T:
    try:
        return await call
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise domain_error(exc) from exc
    except asyncpg.ProgramLimitExceededError as exc:
        # A value within the bounds the API checks that an index still cannot hold (the
        # bound is on characters, the index's on bytes): the request's fault, not a 500.
        first_line = str(exc).splitlines()[0]
        raise Invalid(f"a value is too large for the catalog to store: {first_line}") from exc


class CatalogConnection(asyncpg.Connection):
    """A connection whose statements speak NotFound, Conflict and Invalid.

    Transactions commit through `execute`, so a deferred violation is translated too."""

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        """`Connection.execute`, with violations translated."""
        return await _translated(super().execute(*args, **kwargs))

    async def executemany(self, *args: Any, **kwargs: Any) -> Any:
        """`Connection.executemany`, with violations translated."""
        return await _translated(super().executemany(*args, **kwargs))

    async def fetch(self, *args: Any, **kwargs: Any) -> Any:
        """`Connection.fetch`, with violations translated."""
        return await _translated(super().fetch(*args, **kwargs))

    async def fetchrow(self, *args: Any, **kwargs: Any) -> Any:
        """`Connection.fetchrow`, with violations translated."""
        return await _translated(super().fetchrow(*args, **kwargs))

    async def fetchval(self, *args: Any, **kwargs: Any) -> Any:
        """`Connection.fetchval`, with violations translated."""
        return await _translated(super().fetchval(*args, **kwargs))

    async def fetchmany(self, *args: Any, **kwargs: Any) -> Any:
        """`Connection.fetchmany`, with violations translated."""
        return await _translated(super().fetchmany(*args, **kwargs))
