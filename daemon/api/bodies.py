"""JSON request bodies decoded strictly, once, at the framework boundary.

Litestar converts a body to its handler's type with `strict=False`, so `{"rating": "5"}`
would arrive as 5. Every body type of the API is a `protocol.base.Request`; the plugin
below gives each of them a DTO that decodes the raw bytes with `decode_request` instead,
so no handler can forget it, and the OpenAPI request schema stays the Struct's own.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from litestar import Request as HTTPRequest
from litestar.dto import AbstractDTO
from litestar.exceptions import ValidationException
from litestar.plugins import SerializationPlugin

from protocol.base import InvalidBody, Request, RequestT, decode_request

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.dto import DTOFieldDefinition
    from litestar.dto._backend import DTOBackend
    from litestar.openapi.spec import Reference, Schema
    from litestar.typing import FieldDefinition


class StrictBody(AbstractDTO[RequestT]):
    """Decodes one `Request` Struct from the raw body with `decode_request`; a body that
    is not that Struct's JSON is a 422 whose detail names the field."""

    def decode_bytes(self, value: bytes) -> RequestT:
        """The body's bytes as the handler's Struct, or a ValidationException."""
        try:
            return decode_request(value, self.model_type)
        except InvalidBody as exc:
            raise ValidationException(detail=str(exc)) from None

    @classmethod
    def create_for_field_definition(
        cls,
        field_definition: FieldDefinition,
        handler_id: str,
        backend_cls: type[DTOBackend] | None = None,
    ) -> None:
        """Nothing to prepare: the Struct is decoded directly, without a transfer model."""

    @classmethod
    def create_openapi_schema(
        cls, field_definition: FieldDefinition, handler_id: str, schema_creator: SchemaCreator
    ) -> Reference | Schema:
        """The Struct's own schema, exactly as without a DTO."""
        return schema_creator.for_field_definition(field_definition)

    @classmethod
    def generate_field_definitions(
        cls, model_type: type[Any]
    ) -> Generator[DTOFieldDefinition, None, None]:
        """Unused: this DTO has no transfer model, so it describes no fields."""
        yield from ()

    @classmethod
    def detect_nested_field(cls, field_definition: FieldDefinition) -> bool:
        """Unused, for the same reason: nested Structs are decoded by msgspec itself."""
        return False


class StrictBodies(SerializationPlugin):
    """Gives every handler whose body is a `protocol.base.Request` the `StrictBody` DTO."""

    def supports_type(self, field_definition: FieldDefinition) -> bool:
        """Request bodies only: responses are encoded as they are."""
        return field_definition.is_subclass_of(Request)

    def create_dto_for_type(self, field_definition: FieldDefinition) -> type[AbstractDTO[Any]]:
        """A StrictBody for this body's Struct."""
        return StrictBody[field_definition.annotation]  # type: ignore[name-defined]


async def parse_form(request: HTTPRequest[Any, Any, Any]) -> None:
    """Parse a multipart body before the handler's arguments are extracted from it (they
    reuse this parse): a text part Litestar cannot decode, in invalid UTF-8 or an unknown
    charset, is then a 422 that says so instead of a UnicodeDecodeError or LookupError
    escaping as a 500."""
    try:
        await request.form()
    except (UnicodeDecodeError, LookupError) as exc:
        raise ValidationException(detail=f"a multipart text part is unreadable: {exc}") from None
