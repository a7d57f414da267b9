"""schemathesis against every service's OpenAPI: no 5xx, errors are problem+json, responses match.

Driven through Hypothesis directly (one strategy per operation): schemathesis' pytest plugin
does not run under pytest 9.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from arflow_testing.platform_keys import KEYS, SERVICES

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
AUTH = {"Authorization": f"Bearer {KEYS['all']}"}
EXAMPLES_PER_OPERATION = 25


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_fuzzed_requests_get_no_5xx_and_conform_to_the_schema(
    service: str, platform_urls: dict[str, str]
) -> None:
    schema = schemathesis.openapi.from_url(platform_urls[service] + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    cases = 0

    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case: schemathesis.Case) -> None:
            nonlocal cases
            cases += 1
            case.call_and_validate(headers=AUTH, checks=CHECKS)

        call()
    print(f"schemathesis {service}: {len(operations)} operations, {cases} cases, 0 failures")
    assert operations and cases >= len(operations)
