"""A bounded property-based run of schemathesis against the real daemon over HTTP:
no input may make it answer 5xx, and no answer may break its own OpenAPI schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.daemon_process import DaemonProcess
from tests.support.fuzzing import fuzz_operations
from tests.support.images import CORPUS

pytestmark = pytest.mark.process

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
    tested, failures = fuzz_operations(
        f"{live_daemon.url}/api/schema/openapi.json",
        {"X-API-Key": live_daemon.api_key},
        [
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
        EXAMPLES,
    )
    assert tested > 40
    assert not failures, "\n\n".join(failures)
