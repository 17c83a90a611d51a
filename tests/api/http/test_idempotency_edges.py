"""Idempotency-Key edges (mutants of these survived bench/mutation.py): the
longest accepted key, and failed or throttled responses are not kept, so a
retry with the same key runs again."""
from __future__ import annotations

import pytest

from tests.conftest import extra_app, unique


def test_key_length_limit_is_255(make_user):
    u = make_user("idk")
    ok = u.client.post("/api/v1/posts", json={"text": "long key"}, headers={**u.headers, "Idempotency-Key": "k" * 255})
    assert ok.status_code == 201
    bad = u.client.post("/api/v1/posts", json={"text": "too long"}, headers={**u.headers, "Idempotency-Key": "k" * 256})
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"


@pytest.mark.parametrize("first", [500, 503, 429])
def test_failed_or_throttled_response_is_not_replayed(app_config, first):
    with extra_app(app_config) as other:
        statuses = [first, 201]

        @other.route("/api/v1/_flaky", methods=["POST"])
        def flaky():
            return {"status": statuses[0]}, statuses.pop(0)

        c = other.test_client()
        key = {"Idempotency-Key": unique("flaky")}
        assert c.post("/api/v1/_flaky", json={}, headers=key).status_code == first
        again = c.post("/api/v1/_flaky", json={}, headers=key)
        assert again.status_code == 201 and statuses == []  # ran again, not a replay of the failure
        replay = c.post("/api/v1/_flaky", json={}, headers=key)
        assert replay.status_code == 201 and replay.get_json() == {"status": 201}  # the success is kept
