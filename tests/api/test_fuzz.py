"""A bounded property-based run of schemathesis against the real daemon over HTTP:
no input may make it answer 5xx, and no answer may break its own OpenAPI schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.daemon_process import DaemonProcess
from tests.images import CORPUS

EXAMPLES = 40


@pytest.fixture(scope="module")
def live_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonProcess]:
    daemon = DaemonProcess(tmp_path_factory.mktemp("fuzz") / "data").start()
    try:
        daemon.wait_healthy()
        status, _ = daemon.request(
            "POST",
            "/api/input-sessions",
            {"name": "corpus", "source_path": str(CORPUS / "jpg" / "gps")},
        )
        assert status == 201
        yield daemon
    finally:
        daemon.kill_all()


def test_no_5xx_and_every_answer_matches_the_schema(live_daemon: DaemonProcess) -> None:
    schema = schemathesis.openapi.from_url(
        f"{live_daemon.url}/api/schema/openapi.json",
        headers={"X-API-Key": live_daemon.api_key},
    )
    headers = {"X-API-Key": live_daemon.api_key}
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    failures: list[str] = []
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err raises: loudly
        if operation.path == "/api/shutdown":
            continue
        tested += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=checks)

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:2000])
    assert tested > 40
    assert not failures, "\n\n".join(failures)
