"""Fuzzing the REST API from its own OpenAPI document (schemathesis, bounded examples).

Every operation gets generated inputs, valid and invalid; no response may be a 5xx and
every response must match the documented schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

EXAMPLES = 12
#: no 5xx, and every documented response matches its schema; a 400 for a value the schema
#: allows but the data lacks (an unknown scheme) is a correct answer, not a failure
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture()
def api_schema(built_store, loaded_store, monkeypatch, db):  # type: ignore[no-untyped-def]
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    # the loaded store; the default dataset's results are built next to it (datasets/)
    monkeypatch.setenv("CLUSTEROBS_STORE", str(loaded_store))
    # as Django's test client does: the test's database connection (and its transaction)
    # must survive the end of each request made through the WSGI application
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_api_never_errors_and_matches_its_schema(api_schema) -> None:  # type: ignore[no-untyped-def]
    checked = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def check(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers={"Accept-Encoding": "identity"})  # compression: test_caching
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} {case.query}: {response.status_code}")
            case.validate_response(response, checks=CHECKS)

        check()
        checked.append(operation.label)
    assert len(checked) >= 8, checked  # every documented operation was exercised
