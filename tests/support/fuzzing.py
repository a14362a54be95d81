"""Run schemathesis over every operation of a live daemon's OpenAPI schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

# Stopping the daemon under the fuzzer would end the run, not test anything.
SKIPPED_PATHS = frozenset({"/api/shutdown"})


def fuzz_operations(
    schema_url: str,
    headers: dict[str, str],
    checks: list[Callable[..., Any]],
    examples: int,
) -> tuple[int, list[str]]:
    """Generate `examples` requests per operation; (operations run, their failures)."""
    schema = schemathesis.openapi.from_url(schema_url, headers=headers)
    failures: list[str] = []
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err raises: loudly
        if operation.path in SKIPPED_PATHS:
            continue
        tested += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
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
    return tested, failures
