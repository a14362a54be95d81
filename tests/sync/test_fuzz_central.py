"""A bounded schemathesis run against a real central daemon: no input makes it answer
5xx, whether it comes with the API key or with a machine token."""

from __future__ import annotations

import uuid

import pytest
from schemathesis.checks import not_a_server_error

from protocol.sync import INSTALLATION_HEADER, SYNC_PROTOCOL_VERSION, SYNC_VERSION_HEADER
from tests.support.daemon_process import DaemonProcess
from tests.support.fuzzing import fuzz_operations
from tests.support.sync import MachineToken

pytestmark = pytest.mark.process

EXAMPLES = 12


def test_central_answers_no_5xx(central: DaemonProcess, machine_token: MachineToken) -> None:
    token = machine_token(central, "fuzzer")
    installation = str(uuid.uuid4())
    # The token is bound to one installation at its first use; the fuzzer's own
    # installation headers then draw 403s, which are answers too.
    status, _ = central.request("GET", "/health")
    assert status == 200
    machine = {
        "X-API-Key": central.api_key,
        "Authorization": f"Bearer {token}",
        SYNC_VERSION_HEADER: str(SYNC_PROTOCOL_VERSION),
        INSTALLATION_HEADER: installation,
    }
    tested, failures = fuzz_operations(
        f"{central.url}/api/schema/openapi.json", machine, [not_a_server_error], EXAMPLES
    )
    assert tested > 30
    assert not failures, "\n\n".join(failures)
