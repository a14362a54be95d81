"""A bounded schemathesis run against a real central daemon: no input makes it answer
5xx, whether it comes with the API key or with a machine token."""

from __future__ import annotations

import uuid
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from protocol.sync import INSTALLATION_HEADER, SYNC_PROTOCOL_VERSION, SYNC_VERSION_HEADER
from tests.daemon_process import DaemonProcess
from tests.sync.conftest import MachineToken

EXAMPLES = 25


def test_central_answers_no_5xx(central: DaemonProcess, machine_token: MachineToken) -> None:
    token = machine_token(central, "fuzzer")
    installation = str(uuid.uuid4())
    # The token is bound to one installation at its first use; the fuzzer's own
    # installation headers then draw 403s, which are answers too.
    status, _ = central.request("GET", "/health")
    assert status == 200
    schema = schemathesis.openapi.from_url(
        f"{central.url}/api/schema/openapi.json",
        headers={"X-API-Key": central.api_key},
    )
    machine = {
        "X-API-Key": central.api_key,
        "Authorization": f"Bearer {token}",
        SYNC_VERSION_HEADER: str(SYNC_PROTOCOL_VERSION),
        INSTALLATION_HEADER: installation,
    }
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
            case.call_and_validate(headers=machine, checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:2000])
    assert tested > 30
    assert not failures, "\n\n".join(failures)
