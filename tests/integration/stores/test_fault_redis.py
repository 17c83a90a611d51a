"""A light fault check on the real servers: Redis stops and comes back.

While Redis is away, a registration (MongoDB + graph) is still acknowledged
and its verification-mail job waits in the MongoDB outbox; every call that
needs Redis (the JWT session blocklist, login throttling) answers 503
problem+json with Retry-After, never 500. When Redis is back, the next
enqueue drains the outbox and the email goes out. (bench/fault_test.py does
this for every store under load.)
"""
from __future__ import annotations

from tests.conftest import unique

PROBLEM = "application/problem+json"


def test_redis_outage_503_and_outbox_applied_when_back(stack, app, client, make_user, mailbox):
    from socialgraph import stores

    user = make_user("flt")
    name = unique("flt")
    stack.stop_one("redis")
    try:
        r = client.post("/api/v1/auth/register", json={"username": name, "email": f"{name}@example.test",
                                                       "password": "a long enough password"})
        assert r.status_code == 201, r.get_json()
        uid = r.get_json()["uid"]
        with app.app_context():
            kept = stores.mongo().outbox.count_documents({"func": "jobs.mail.send_verification_email",
                                                             "args": uid})
        assert kept == 1
        assert not mailbox.messages_to(f"{name}@example.test")
        for method, url, body in (("GET", "/api/v1/me", None), ("POST", "/api/v1/posts", {"text": "while away"}),
                                  ("PUT", f"/api/v1/users/{name}/follow", None)):
            r = client.open(url, method=method, json=body, headers=user.headers)
            assert r.status_code == 503 and r.mimetype == PROBLEM, (url, r.status_code)
            assert r.headers["Retry-After"] and r.get_json()["type"] == "/problems/store-unavailable"
        r = client.post("/api/v1/auth/login", json={"login": name, "password": "a long enough password"})
        assert r.status_code == 503
    finally:
        stack.restart_one("redis")
    # Redis is back: the next side effect drains the outbox, the kept email goes out
    assert user.post("/api/v1/posts", json={"text": "back again"}).status_code == 201
    other = make_user("flt")
    assert other.get("/api/v1/me").status_code == 200
    with app.app_context():
        assert stores.mongo().outbox.count_documents({"args": uid}) == 0
    assert [m for m in mailbox.messages_to(f"{name}@example.test") if "Confirm" in m["Subject"]]
