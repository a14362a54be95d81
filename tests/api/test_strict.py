"""Every JSON body is decoded strictly, and no malformed body can make the API answer 500.

The operations come from the app's own OpenAPI document, so an endpoint added later is
tested without being listed here.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

from protocol.input_sessions import GroupMetadata
from tests.support.app import Client
from tests.support.factories import add_photos
from tests.support.images import write_jpeg

METHODS = ("get", "put", "post", "patch", "delete")
JSON = "application/json"
UNKNOWN = "zz_not_a_field"
HOTHASH = "0" * 64
DEEP = 100_000


@dataclass(frozen=True)
class Operation:
    """One operation of the OpenAPI document with a JSON body."""

    method: str
    url: str
    properties: dict[str, dict[str, Any]]

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url}"


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a `$ref` points at (or the schema itself)."""
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def path_value(schema: dict[str, Any]) -> str:
    """A valid value for a path parameter, so that only the body can be wrong."""
    if "enum" in schema:
        return str(schema["enum"][0])
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    assert schema.get("pattern"), schema
    return HOTHASH


async def json_operations(client: Client, content: str = JSON) -> list[Operation]:
    """Every operation of the app's OpenAPI document whose body is of this media type."""
    document = (await client.get("/api/schema/openapi.json")).json()
    found = []
    for template, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            body = operation and operation.get("requestBody", {}).get("content", {}).get(content)
            if not body:
                continue
            url = template
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    url = url.replace(f"{{{parameter['name']}}}", path_value(parameter["schema"]))
            schema = resolve(document, body["schema"])
            assert schema["type"] == "object", (template, schema)
            found.append(Operation(method, url, schema["properties"]))
    return found


def json_types(schema: dict[str, Any]) -> set[str]:
    """The JSON types a schema admits (`integer` also admits a number's JSON type)."""
    declared = schema.get("type", "object" if "$ref" in schema else None)
    types = set(declared if isinstance(declared, list) else [declared] if declared else [])
    types |= {json_type(value) for value in schema.get("enum", ())}
    for branch in schema.get("oneOf", []) + schema.get("anyOf", []):
        types |= json_types(branch)
    return types


def json_type(value: object) -> str:
    """The JSON type of a decoded value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    assert isinstance(value, dict)
    return "object"


def wrong_value(schema: dict[str, Any]) -> object:
    """A value of a JSON type the field does not declare; first the ones a lax decoder
    would convert: a numeral for a number, "true" for a boolean."""
    types = json_types(schema)
    assert types, schema
    candidates: list[object] = []
    if types & {"integer", "number"}:
        candidates.append("5")
    if "boolean" in types:
        candidates.append("true")
    if "array" in types:
        candidates.append({"0": "a"})
    if "string" in types:
        candidates.append(5)
    candidates += [[], {}, "x", 1]
    admitted = types | ({"integer"} if "number" in types else set())
    return next(v for v in candidates if json_type(v) not in admitted)


def malformed_bodies(operation: Operation) -> dict[str, bytes]:
    """Bodies no JSON endpoint may answer 500 to, named for the failure message."""
    field = next(iter(operation.properties))
    text = next((n for n, s in operation.properties.items() if "string" in json_types(s)), field)
    return {
        "1,000 nested arrays": b"[" * 1000 + b"]" * 1000,
        f"{DEEP:,} nested arrays": b"[" * DEEP + b"]" * DEEP,
        "1,000 nested objects": b'{"a":' * 1000 + b"1" + b"}" * 1000,
        f"{DEEP:,} nested objects": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
        f"{DEEP:,} nested arrays in a field": f'{{"{field}":'.encode()
        + b"[" * DEEP
        + b"]" * DEEP
        + b"}",
        f"{DEEP:,} nested objects in a field": f'{{"{field}":'.encode()
        + b'{"a":' * DEEP
        + b"1"
        + b"}" * DEEP
        + b"}",
        "invalid UTF-8 (the issue's body)": b'{"name":"a\xffb"}',
        "invalid UTF-8 in a string field": f'{{"{text}":"a'.encode() + b'\xffb"}',
        "invalid UTF-8 in a key": b'{"\xff\xfe":1}',
        "a lone surrogate": f'{{"{text}":"a\\ud800b"}}'.encode(),
        "Latin-1 instead of UTF-8": f'{{"{text}":"Bj\xf8rn"}}'.encode("latin-1"),
        "a UTF-8 BOM": b'\xef\xbb\xbf{"' + field.encode() + b'":null}',
        "truncated after a key": f'{{"{field}":'.encode(),
        "truncated in a string": f'{{"{field}":"abc'.encode(),
        "an open brace": b"{",
        "an empty body": b"",
        "whitespace only": b" \n",
        "trailing garbage": b"{} x",
        "two documents": b"{}{}",
        "NaN": f'{{"{field}":NaN}}'.encode(),
        "a huge number": f'{{"{field}":1e999999}}'.encode(),
        "a huge integer": f'{{"{field}":{"9" * 5000}}}'.encode(),
        "a top-level array": b"[]",
        "a top-level string": b'"x"',
        "a top-level number": b"5",
        "a top-level null": b"null",
        "a top-level boolean": b"true",
        "a NUL byte": b"{\x00}",
        "single quotes": f"{{'{field}': 1}}".encode(),
    }


def failure(operation: Operation, what: str, response: Any, field: str | None) -> str | None:
    """Why an answer to a bad body is wrong, or None when it is right."""
    if response.status_code not in (400, 422):
        return f"{operation} with {what}: {response.status_code} {response.text[:200]}"
    if not response.headers.get("content-type", "").startswith(JSON):
        return f"{operation} with {what}: not JSON ({response.headers.get('content-type')})"
    detail = response.json().get("detail")
    if not isinstance(detail, str) or not detail:
        return f"{operation} with {what}: no detail in {response.text[:200]}"
    if field is not None and field not in detail:
        return f"{operation} with {what}: detail {detail!r} does not name {field!r}"
    return None


async def send(client: Client, operation: Operation, body: bytes) -> Any:
    """The operation with this raw body as JSON."""
    return await client.request(
        operation.method, operation.url, content=body, headers={"Content-Type": JSON}
    )


async def test_the_walk_covers_the_json_api(client: Client) -> None:
    operations = await json_operations(client)
    assert len(operations) >= 30
    urls = {str(o).split(" ", 1)[1].replace(HOTHASH, "{hothash}") for o in operations}
    assert {"/api/photos/{hothash}", "/api/photos/batch/rating", "/api/settings"} <= urls


async def test_every_json_body_refuses_a_wrongly_typed_field(client: Client) -> None:
    failures = []
    tried = 0
    for operation in await json_operations(client):
        for field, schema in operation.properties.items():
            value = wrong_value(schema)
            response = await send(client, operation, json.dumps({field: value}).encode())
            tried += 1
            problem = failure(operation, f"{field}={value!r}", response, field)
            if problem:
                failures.append(problem)
    assert tried > 80
    assert not failures, "\n".join(failures)


async def test_every_json_body_refuses_an_unknown_field(client: Client) -> None:
    failures = []
    for operation in await json_operations(client):
        for body in ({UNKNOWN: 1}, {UNKNOWN: None}, {UNKNOWN.upper(): "x"}):
            name = next(iter(body))
            response = await send(client, operation, json.dumps(body).encode())
            problem = failure(operation, f"unknown field {name}", response, name)
            if problem:
                failures.append(problem)
    assert not failures, "\n".join(failures)


async def test_no_malformed_body_makes_a_json_endpoint_fail(client: Client) -> None:
    failures = []
    for operation in await json_operations(client):
        for what, body in malformed_bodies(operation).items():
            problem = failure(operation, what, await send(client, operation, body), None)
            if problem:
                failures.append(problem)
    assert not failures, "\n".join(failures)


async def test_a_missing_body_is_named(client: Client) -> None:
    for operation in await json_operations(client):
        response = await client.request(operation.method, operation.url)
        assert response.status_code == 422, (str(operation), response.text)
        assert response.json()["detail"].startswith("body: required"), str(operation)


UPLOAD = Operation("post", "/api/input-sessions/{id}/groups", {"path": {"type": "string"}})


async def upload_session(client: Client) -> str:
    """A session that takes uploads."""
    response = await client.post(
        "/api/input-sessions", json={"name": "Laptop", "source_path": "/home/a", "upload": True}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def upload(
    client: Client, session: str, master: Path, metadata: bytes, content_type: str = JSON
) -> Any:
    """One group, its metadata part sent as these raw bytes."""
    return await client.post(
        f"/api/input-sessions/{session}/groups",
        files={
            "file": (master.name, master.read_bytes(), "application/octet-stream"),
            "metadata": (None, metadata, content_type),
        },
    )


async def test_the_upload_metadata_is_decoded_strictly(client: Client, tmp_path: Path) -> None:
    session = await upload_session(client)
    jpeg = write_jpeg(tmp_path / "a.jpg", 64, 48, seed=3)
    schema = msgspec.json.schema(GroupMetadata)
    properties = resolve(schema | {"components": {"schemas": schema["$defs"]}}, schema)
    valid = {"path": "/home/a/a.jpg", "type": "JPEG"}
    cases: list[tuple[dict[str, Any], str]] = [
        (valid | {name: wrong_value(field)}, name)
        for name, field in properties["properties"].items()
    ]
    cases += [
        (valid | {"overrides": {"rating": "5"}}, "overrides.rating"),
        (valid | {"overrides": {"tags": "a"}}, "overrides.tags"),
        (valid | {"companions": [{"path": "/home/a/a.cr2", "type": "RAW", UNKNOWN: 1}]}, UNKNOWN),
        (valid | {UNKNOWN: 1}, UNKNOWN),
        (valid | {"overrides": {UNKNOWN: 1}}, UNKNOWN),
    ]
    failures = []
    for metadata, field in cases:
        response = await upload(client, session, jpeg, json.dumps(metadata).encode())
        problem = failure(UPLOAD, str(metadata), response, field)
        if problem:
            failures.append(problem)
    # The multipart body itself: a part of another name is an unknown field too.
    valid_part = (None, json.dumps(valid).encode(), JSON)
    for name in (UNKNOWN, "Metadata", "file_"):
        response = await client.post(
            f"/api/input-sessions/{session}/groups",
            files={"file": (jpeg.name, jpeg.read_bytes()), "metadata": valid_part, name: b"1"},
        )
        problem = failure(UPLOAD, f"a part {name}", response, name)
        if problem:
            failures.append(problem)
    twice = await client.post(
        f"/api/input-sessions/{session}/groups",
        files=[("file", (jpeg.name, jpeg.read_bytes())), ("metadata", valid_part)] * 2,
    )
    if problem := failure(UPLOAD, "every part twice", twice, None):
        failures.append(problem)
    assert not failures, "\n".join(failures)
    photos = (await client.get(f"/api/input-sessions/{session}/photos")).json()
    assert photos == []
    good = await upload(client, session, jpeg, json.dumps(valid).encode())
    assert good.status_code == 201, good.text


async def test_no_malformed_metadata_makes_the_upload_fail(client: Client, tmp_path: Path) -> None:
    session = await upload_session(client)
    jpeg = write_jpeg(tmp_path / "a.jpg", 64, 48, seed=4)
    failures = []
    bodies = malformed_bodies(UPLOAD) | {"the issue's invalid UTF-8": b'{"path":"a\xffb"}'}
    for what, metadata in bodies.items():
        for content_type in (JSON, "text/plain", "text/plain; charset=utf-8"):
            response = await upload(client, session, jpeg, metadata, content_type)
            problem = failure(UPLOAD, f"{what} as {content_type}", response, None)
            if problem:
                failures.append(problem)
    charsets = ("x-no-such-charset", "utf-7", "utf-16", "rot13", "hex", "idna", "")
    for content_type in (f"text/plain; charset={charset}" for charset in charsets):
        response = await upload(client, session, jpeg, b'{"path":"/a.jpg"}', content_type)
        problem = failure(UPLOAD, content_type, response, None)
        if problem:
            failures.append(problem)
    assert not failures, "\n".join(failures)


async def test_a_numeral_is_no_rating(client: Client, pool: asyncpg.Pool) -> None:
    [hothash] = await add_photos(pool, [{"rating": 2}])
    for rating in ("5", "5.0", " 5", "true"):
        patched = await client.patch(f"/api/photos/{hothash}", json={"rating": rating})
        assert patched.status_code == 422, (rating, patched.text)
        assert "rating" in patched.json()["detail"]
        batch = await client.post(
            "/api/photos/batch/rating", json={"hothashes": [hothash], "rating": rating}
        )
        assert batch.status_code == 422, (rating, batch.text)
        assert "rating" in batch.json()["detail"]
    for value in (True, 5.0, [5], {"value": 5}):
        patched = await client.patch(f"/api/photos/{hothash}", json={"rating": value})
        assert patched.status_code == 422, (value, patched.text)
    stored = await pool.fetchval("SELECT rating FROM photos WHERE hothash = $1", hothash)
    assert stored == 2
    assert (await client.patch(f"/api/photos/{hothash}", json={"rating": 5})).status_code == 200
    batch = await client.post(
        "/api/photos/batch/rating", json={"hothashes": [hothash], "rating": 4}
    )
    assert batch.json()["updated"] == [hothash]
    assert await pool.fetchval("SELECT rating FROM photos WHERE hothash = $1", hothash) == 4


# A hothash with something after it: Python's `$` alone let the newline through.
NOT_HOTHASHES = ("\n", "\r\n", "\n\n", "\r", "\x00", " ", "  ", "\t", "\x0b", "x", "0", "A", ".jpg")


async def test_a_hothash_ends_where_it_ends(client: Client, pool: asyncpg.Pool) -> None:
    [hothash] = await add_photos(pool, [{}])
    assert (await client.get(f"/api/photos/{hothash}")).status_code == 200
    for tail in NOT_HOTHASHES:
        for bad in (hothash + tail, tail + hothash):
            quoted = "".join(c if c.isalnum() else f"%{ord(c):02X}" for c in bad)
            paths = (
                f"/api/photos/{quoted}",
                f"/api/photos/{quoted}/files",
                f"/api/duplicates?hothash={quoted}",
            )
            for path in paths:
                response = await client.get(path)
                assert response.status_code == 422, (path, response.text)
                assert "hothash" in response.json()["detail"], response.text
            bodies = (
                ("/api/photos/batch/rating", {"hothashes": [bad], "rating": 3}, "hothashes[0]"),
                ("/api/collections", {"name": "c", "cover_hothash": bad}, "cover_hothash"),
            )
            for url, body, field in bodies:
                response = await client.post(url, json=body)
                assert response.status_code == 422, (url, repr(bad), response.text)
                assert field in response.json()["detail"]
