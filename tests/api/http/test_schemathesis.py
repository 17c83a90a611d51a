"""Property-based fuzzing of every operation of the OpenAPI document (schemathesis).

Bounded: ``SG_FUZZ_EXAMPLES`` examples per operation (default 4, derandomised
so CI runs are repeatable). Checks: no 5xx, and every response conforms to its
documented schema and media type. Requests carry a fresh access token of a
real user (so authenticated paths are exercised, and a fuzzed logout or
session revocation cannot starve the next case).
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

EXAMPLES = int(os.environ.get("SG_FUZZ_EXAMPLES", "4"))


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture(scope="module")
def fuzz_user(app):
    from socialgraph.accounts import service as accounts
    from tests.conftest import unique

    with app.app_context():
        name = unique("fuzz")
        uid = accounts.register(name, f"{name}@example.test", "a long enough password")["uid"]
        accounts.verify_email(accounts.verification_token(uid, f"{name}@example.test"))  # full powers
        return uid


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_responses_match_schema(case, app, fuzz_user):
    from socialgraph.accounts import service as accounts

    with app.app_context():
        token = accounts.issue_tokens(fuzz_user)["access_token"]
    headers = dict(case.headers or {})
    headers.setdefault("Authorization", f"Bearer {token}")
    response = case.call(headers=headers)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance,
                                             content_type_conformance])
