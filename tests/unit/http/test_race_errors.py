"""A write that still loses a race after the store's retries answers 409
problem+json with Retry-After, never 500 (issue 25, item 8); a store that
is away stays 503."""
from __future__ import annotations

import pytest
from flask import Flask

from socialgraph.http.web import register_problem_handlers


def _app(exc: Exception) -> Flask:
    app = Flask("t")
    register_problem_handlers(app)

    @app.route("/boom")
    def boom():
        raise exc

    return app


@pytest.mark.parametrize("exc", [
    __import__("neo4j.exceptions", fromlist=["x"]).TransientError(
        "Neo.TransientError.Transaction.DeadlockDetected"),
    __import__("pymongo.errors", fromlist=["x"]).OperationFailure("WriteConflict", code=112),
])
def test_lost_race_is_409_problem_with_retry_after(exc):
    r = _app(exc).test_client().get("/boom")
    assert r.status_code == 409
    assert r.mimetype == "application/problem+json"
    assert r.headers["Retry-After"] == "1"
    assert r.get_json()["status"] == 409


def test_database_unavailable_stays_503():
    from neo4j.exceptions import DatabaseUnavailable

    r = _app(DatabaseUnavailable("down")).test_client().get("/boom")
    assert r.status_code == 503 and r.mimetype == "application/problem+json"


def test_other_errors_stay_500_without_details():
    r = _app(RuntimeError("secret detail")).test_client().get("/boom")
    assert r.status_code == 500 and "secret" not in r.get_data(as_text=True)
