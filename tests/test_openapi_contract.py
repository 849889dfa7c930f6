"""The metrics API against its own OpenAPI document, with schemathesis: every response it
gives to generated requests (valid and invalid) has a status, media type and body the
document declares. A small, fixed number of examples per operation keeps it fast.

Left out: the check that every schema-valid request is accepted. Some refusals depend on the
workspace, not on the document's shapes (a percentage over 100, a unit the metric cannot take,
a time more than a day ahead), and the API answers them with a documented 400.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bot.api.openapi import openapi_spec
from tests.test_metrics_api import make_token

EXAMPLES_PER_OPERATION = 12


def test_the_api_keeps_to_its_openapi_document(running_app, roadmap):
    token = make_token(running_app.runtime, roadmap)
    schema = schemathesis.openapi.from_dict(openapi_spec())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 3
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def keeps_to_the_document(case) -> None:
            case.call_and_validate(
                base_url=running_app.app_url,
                headers={"Authorization": f"Bearer {token}"},
                excluded_checks=[positive_data_acceptance],
            )

        keeps_to_the_document()
