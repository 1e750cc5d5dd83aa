"""Fuzz every operation of /api/openapi.json against a live local stack (schemathesis):
no server error, no status code the document does not list, no response off its schema.

Bounded for the suite (LAMBDAPRESS_FUZZ_EXAMPLES, 15 by default); `make fuzz` runs more.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from tools.live_stack import SLUG, LiveStack

EXAMPLES = int(os.environ.get("LAMBDAPRESS_FUZZ_EXAMPLES", "15"))
DOCUMENT = Path(__file__).resolve().parents[2] / "chalicelib" / "openapi.yaml"
OPERATIONS = [
    op["operationId"]
    for ops in yaml.safe_load(DOCUMENT.read_text())["paths"].values()
    for name, op in ops.items()
    if name in ("get", "post", "patch", "delete")
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    with LiveStack(tmp_path_factory.mktemp("fuzz")) as live:
        yield live


@pytest.fixture(scope="module")
def real(stack: LiveStack) -> dict[str, str]:
    """A post and a comment that exist."""
    status, created = stack.post_comment(body="A comment for the fuzzer to aim at.")
    assert status == 201, created
    return {"slug": SLUG, "id": created["id"]}


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_the_api_answers_every_generated_request_as_documented(stack, real, operation_id) -> None:
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_url(f"{stack.url}/api/openapi.json")
    operation = schema.find_operation_by_id(operation_id)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    auth = {"Authorization": f"Bearer {stack.token}"}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def fuzz(case) -> None:
        # Random slugs and ids only ever find nothing: aim at a real post and comment, so
        # the generated bodies, queries and headers reach the code behind the 404.
        if case.path_parameters:
            case.path_parameters.update(
                {k: v for k, v in real.items() if k in case.path_parameters}
            )
        case.call_and_validate(base_url=stack.url, headers=auth, checks=checks)

    fuzz()
