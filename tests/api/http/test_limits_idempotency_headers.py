"""Rate limits (429 problem + headers), Idempotency-Key, security headers, CORS."""
from __future__ import annotations

import pytest

from tests.conftest import unique, verify_user

PROBLEM = "application/problem+json"


@pytest.fixture()
def low_app(app_config):
    """An app with low limits and its own counter namespace in Redis."""
    from socialgraph.app import create_app

    app = create_app({**app_config, "RATELIMIT_KEY_PREFIX": unique("rl"), "RATELIMIT_DEFAULT": "8 per minute",
                      "RATELIMIT_SIGNUP": "2 per 30 minutes", "RATELIMIT_POSTING": "3 per 3 hours",
                      "RATELIMIT_LOGIN": "3 per 5 minutes", "RATELIMIT_PASSWORD_RESET": "2 per 30 minutes",
                      "CORS_ORIGINS": ["https://app.example.org"]})
    yield app
    app.extensions["socialgraph"].close()


def test_signup_limit_is_429_problem_with_headers(low_app):
    c = low_app.test_client()
    ip = {"REMOTE_ADDR": "10.20.30.40"}
    for _ in range(2):
        name = unique("rl")
        r = c.post("/api/v1/auth/register", json={"username": name, "email": f"{name}@example.test",
                                                  "password": "a long enough password"}, environ_base=ip)
        assert r.status_code == 201
        assert r.headers["X-RateLimit-Limit"] == "2" and "Retry-After" not in r.headers
    name = unique("rl")
    r = c.post("/api/v1/auth/register", json={"username": name, "email": f"{name}@example.test",
                                              "password": "a long enough password"}, environ_base=ip)
    assert r.status_code == 429 and r.mimetype == PROBLEM
    assert r.get_json()["type"] == "/problems/rate-limited"
    assert r.headers["X-RateLimit-Limit"] == "2" and r.headers["X-RateLimit-Remaining"] == "0"
    assert int(r.headers["X-RateLimit-Reset"]) > 0 and 0 < int(r.headers["Retry-After"]) <= 1800
    # another address still may sign up
    r = c.post("/api/v1/auth/register", json={"username": name, "email": f"{name}@example.test",
                                              "password": "a long enough password"},
               environ_base={"REMOTE_ADDR": "10.20.30.41"})
    assert r.status_code == 201


def test_posting_limit_per_account_and_default_limit(low_app):
    c = low_app.test_client()
    name = unique("rl")
    r = c.post("/api/v1/auth/register", json={"username": name, "email": f"{name}@example.test",
                                              "password": "a long enough password"},
               environ_base={"REMOTE_ADDR": "10.3.3.3"})
    verify_user(c, r.get_json()["uid"], f"{name}@example.test")
    tok = c.post("/api/v1/auth/login", json={"login": name, "password": "a long enough password"},
                 environ_base={"REMOTE_ADDR": "10.3.3.3"}).get_json()["access_token"]
    h = {"Authorization": "Bearer " + tok}
    codes = [c.post("/api/v1/posts", json={"text": f"post {i}"}, headers=h).status_code for i in range(4)]
    assert codes == [201, 201, 201, 429]
    # the app-wide budget (8/min) counts every endpoint of the account
    statuses = [c.get("/api/v1/me", headers=h).status_code for _ in range(6)]
    assert statuses.count(429) >= 1 and statuses[0] == 200
    r = c.get("/api/v1/me", headers=h)
    assert r.status_code == 429 and r.headers["X-RateLimit-Limit"] == "8"
    # health is never limited
    assert c.get("/api/v1/health").status_code == 200


def test_idempotency_key_replays_and_creates_once(app, make_user):
    from socialgraph import stores

    user = make_user("idem")
    key = {"Idempotency-Key": unique("k")}
    r1 = user.client.post("/api/v1/posts", json={"text": "only once"}, headers={**user.headers, **key})
    r2 = user.client.post("/api/v1/posts", json={"text": "only once"}, headers={**user.headers, **key})
    assert r1.status_code == r2.status_code == 201
    assert r2.get_json() == r1.get_json() and r2.headers["Idempotent-Replayed"] == "true"
    with app.app_context():
        assert stores.mongo().posts.count_documents({"author_id": user.uid, "text": "only once"}) == 1
        ttl = stores.cache().ttl(next(iter(stores.cache().scan_iter("sg:idem:user:" + user.uid + ":*"))))
    assert 3500 < ttl <= 3600
    # same key, different body: 422 per the IETF draft; nothing created
    r3 = user.client.post("/api/v1/posts", json={"text": "something else"}, headers={**user.headers, **key})
    assert r3.status_code == 422 and r3.get_json()["type"] == "/problems/idempotency-key-reused"
    # the same key from another account is another key
    other = make_user("idem")
    r4 = other.client.post("/api/v1/posts", json={"text": "only once"}, headers={**other.headers, **key})
    assert r4.status_code == 201 and r4.get_json()["id"] != r1.get_json()["id"]
    # a failed request (4xx) is replayed as it was, too; a malformed key is 400
    k2 = {"Idempotency-Key": unique("k")}
    assert user.client.post("/api/v1/posts", json={"text": ""}, headers={**user.headers, **k2}).status_code == 422
    r = user.client.post("/api/v1/posts", json={"text": ""}, headers={**user.headers, **k2})
    assert r.status_code == 422 and r.headers["Idempotent-Replayed"] == "true"
    assert user.client.post("/api/v1/posts", json={"text": "x"},
                            headers={**user.headers, "Idempotency-Key": "x" * 300}).status_code == 400
    with app.app_context():
        assert stores.mongo().posts.count_documents({"author_id": user.uid}) == 1


def test_idempotency_key_in_flight_is_409(app, make_user):
    import hashlib
    import json

    from socialgraph import stores

    user = make_user("idem")
    raw = unique("k")
    with app.app_context():
        stores.cache().set(f"sg:idem:user:{user.uid}:{hashlib.sha256(raw.encode()).hexdigest()}",
                               json.dumps({"state": "processing", "fp": hashlib.sha256(
                                   b"POST\0/api/v1/posts\0" + b'{"text": "x"}').hexdigest()}), ex=60)
    r = user.client.post("/api/v1/posts", data='{"text": "x"}', content_type="application/json",
                         headers={**user.headers, "Idempotency-Key": raw})
    assert r.status_code == 409 and r.get_json()["type"] == "/problems/idempotency-key-in-use"


def test_security_headers(client, make_user):
    r = client.get("/api/v1/health")
    for k, v in {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
                 "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"}.items():
        assert r.headers[k] == v
    assert "Strict-Transport-Security" not in r.headers
    r = client.get("/api/v1/health", base_url="https://api.example.org")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    user = make_user("hdr")
    assert user.get("/api/v1/me").headers["Cache-Control"] == "no-store"
    docs_csp = client.get("/api/v1/docs").headers["Content-Security-Policy"]
    assert "script-src 'self'" in docs_csp and "https:" not in docs_csp  # Swagger UI is self-hosted


def test_cors_only_for_configured_origins(client, low_app):
    c = low_app.test_client()
    pre = c.options("/api/v1/posts", headers={"Origin": "https://app.example.org",
                                              "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "Authorization, Idempotency-Key"})
    assert pre.headers["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert "idempotency-key" in pre.headers["Access-Control-Allow-Headers"].lower()
    r = c.get("/api/v1/health", headers={"Origin": "https://app.example.org"})
    assert "X-RateLimit-Remaining" in r.headers.get("Access-Control-Expose-Headers", "")
    r = c.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in r.headers
    # default configuration: no CORS at all
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/health", headers={
        "Origin": "https://app.example.org"}).headers
