"""Rate limits in one Redis round trip (issue 22): every limit of a request
(per account, per IP, per endpoint) charged by one script, with the budgets,
counters, headers, 429 and Redis-away behaviour of flask-limiter's fixed
window (see :mod:`socialgraph.http.limits`)."""
from __future__ import annotations

import logging
import time

import pytest

from socialgraph.stores.localstack import free_port
from tests.conftest import extra_app, unique, verify_user, record_redis_commands

PASSWORD = "a long enough password"
PROBLEM = "application/problem+json"


@pytest.fixture()
def sent(monkeypatch):
    """Every Redis command (or pipeline, or script call) sent while the test runs."""
    commands = record_redis_commands(monkeypatch)
    return commands


_ADDRESSES = iter(range(1, 60000))


def signed_in(c) -> tuple[str, dict]:
    """A verified account, registered from an address of its own, and its token
    (for requests from any address)."""
    from socialgraph.accounts.service import verification_token

    n = next(_ADDRESSES)
    home = {"REMOTE_ADDR": f"10.98.{n // 250}.{n % 250 + 1}"}
    name = unique("rl")
    r = c.post("/api/v1/auth/register", json={"username": name, "email": f"{name}@example.test",
                                              "password": PASSWORD}, environ_base=home)
    assert r.status_code == 201, r.get_json()
    uid = r.get_json()["uid"]
    with c.application.app_context():
        token = verification_token(uid, f"{name}@example.test")
    assert c.post("/api/v1/auth/verify-email", json={"token": token}, environ_base=home).status_code == 200
    r = c.post("/api/v1/auth/login", json={"login": name, "password": PASSWORD}, environ_base=home)
    assert r.status_code == 200, r.get_json()
    return uid, {"Authorization": "Bearer " + r.get_json()["access_token"]}


def counters(app) -> dict[str, tuple[int, int]]:
    """The limiter's counters of ``app`` in Redis: key (without the prefixes) -> (count, ttl)."""
    from socialgraph import stores

    prefix = app.config["RATELIMIT_KEY_PREFIX"]
    with app.app_context():
        r = stores.cache()
        keys = list(r.scan_iter(match=f"LIMITS:LIMITER/{prefix}/*", count=1000))
        return {k.decode().split(f"/{prefix}/", 1)[1]: (int(r.get(k)), r.ttl(k)) for k in keys}


def test_three_limits_cost_one_round_trip(make_app, sent):
    """Per account, per IP and per endpoint: one script, three counters, each
    with the window of its limit (flask-limiter sent one script per limit)."""
    app = make_app(RATELIMIT_DEFAULT="50 per minute", RATELIMIT_PER_IP="70 per 5 minutes")
    c = app.test_client()
    uid, h = signed_in(c)
    sent.clear()
    r = c.get("/api/v1/ping", headers=h, environ_base={"REMOTE_ADDR": "10.71.0.1"})
    assert r.status_code == 200
    trips = [s for s in sent if b"LIMITS:" in s]
    assert len(trips) == 1 and b"EVALSHA" in trips[0] and len(sent) == 1, sent
    got = counters(app)
    assert {k: v[0] for k, v in got.items() if not k.startswith("ip:10.98.")} == {
        f"user:{uid}/global/50/1/minute": 1,
        "ip:10.71.0.1/global-ip/70/5/minute": 1,
        f"user:{uid}/meta.ping/50/1/minute": 1}
    assert 55 <= got[f"user:{uid}/meta.ping/50/1/minute"][1] <= 60
    assert 295 <= got["ip:10.71.0.1/global-ip/70/5/minute"][1] <= 300
    # anonymous: per address twice (app-wide and the endpoint), still one trip
    sent.clear()
    assert c.get("/api/v1/ping", environ_base={"REMOTE_ADDR": "10.71.0.2"}).status_code == 200
    assert len([s for s in sent if b"LIMITS:" in s]) == 1
    got = counters(app)
    assert got["ip:10.71.0.2/global/50/1/minute"][0] == got["ip:10.71.0.2/meta.ping/50/1/minute"][0] == 1
    assert not any(k.startswith("ip:10.71.0.2/global-ip") for k in got)


def test_exempt_requests_send_nothing(make_app, sent):
    c = make_app().test_client()
    sent.clear()
    assert c.get("/api/v1/health").status_code in (200, 503)
    assert c.options("/api/v1/posts").status_code in (200, 204)
    assert c.get("/api/v1/no-such-thing").status_code == 404
    assert not [s for s in sent if b"LIMITS:" in s]


def test_429_at_the_exact_budget_of_each_limit(make_app):
    """Each limit refuses the first request past its own amount, names its
    budget in the headers, and charges nothing after it (fail on first breach)."""
    app = make_app(RATELIMIT_DEFAULT="4 per minute", RATELIMIT_PER_IP="6 per minute",
                   RATELIMIT_POSTING="2 per 3 hours")
    c = app.test_client()
    # the endpoint's own: 2 posts, the third refused with the posting budget
    uid, h = signed_in(c)
    ip = {"REMOTE_ADDR": "10.72.0.1"}
    codes = [c.post("/api/v1/posts", json={"text": f"p{i}"}, headers=h, environ_base=ip) for i in range(3)]
    assert [r.status_code for r in codes] == [201, 201, 429]
    assert [r.headers["X-RateLimit-Limit"] for r in codes] == ["2", "2", "2"]
    assert [r.headers["X-RateLimit-Remaining"] for r in codes] == ["1", "0", "0"]
    assert codes[2].mimetype == PROBLEM and codes[2].get_json()["type"] == "/problems/rate-limited"
    assert codes[2].get_json()["detail"] == "2 per 3 hour"
    # the per-account budget (4/min): its 5th request is refused, by that budget
    r = c.get("/api/v1/ping", headers=h, environ_base=ip)
    assert r.status_code == 200 and (r.headers["X-RateLimit-Limit"], r.headers["X-RateLimit-Remaining"]) == ("4", "3")
    r = c.get("/api/v1/ping", headers=h, environ_base=ip)
    assert r.status_code == 429 and (r.headers["X-RateLimit-Limit"], r.headers["X-RateLimit-Remaining"]) == ("4", "0")
    assert r.get_json()["detail"] == "4 per 1 minute"
    got = counters(app)
    assert got[f"user:{uid}/global/4/1/minute"][0] == 5
    assert got[f"user:{uid}/posts.create_post/2/3/hour"][0] == 3
    # nothing charged after the breach: the address and the endpoint kept their counts
    assert got["ip:10.72.0.1/global-ip/6/1/minute"][0] == 4
    assert got[f"user:{uid}/meta.ping/4/1/minute"][0] == 1
    # the per-IP budget (6/min) across two fresh accounts at one address
    _, h1 = signed_in(c)
    _, h2 = signed_in(c)
    ip = {"REMOTE_ADDR": "10.72.0.2"}
    codes = [c.get("/api/v1/ping", headers=hh, environ_base=ip).status_code for hh in (h1, h2) for _ in range(3)]
    assert codes == [200] * 6
    r = c.get("/api/v1/ping", headers=h1, environ_base=ip)
    assert r.status_code == 429 and r.headers["X-RateLimit-Limit"] == "6"


def test_headers_are_exact(make_app):
    """On a pass: the endpoint's limit, what is left after this request, the
    window's end (epoch seconds), no Retry-After; on a 429 also Retry-After,
    the seconds to that end."""
    app = make_app(RATELIMIT_DEFAULT="3 per minute")
    c = app.test_client()
    ip = {"REMOTE_ADDR": "10.73.0.1"}
    before = time.time()
    answers = [c.get("/api/v1/ping", environ_base=ip) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["X-RateLimit-Limit"] for r in answers] == ["3"] * 4
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["2", "1", "0", "0"]
    resets = {int(r.headers["X-RateLimit-Reset"]) for r in answers}
    assert all(int(before) + 60 <= t <= int(time.time()) + 61 for t in resets), (before, resets)
    assert all("Retry-After" not in r.headers for r in answers[:3])
    wait = int(answers[3].headers["Retry-After"])
    assert 58 <= wait <= 61 and abs(int(answers[3].headers["X-RateLimit-Reset"]) - time.time() - wait) <= 2
    assert answers[3].mimetype == PROBLEM


def test_with_redis_away_requests_go_on_without_headers(app_config, caplog):
    """Redis away: nothing is limited, no X-RateLimit-* headers, a warning, no
    500; a request that needs Redis meets the outage itself (503)."""
    with extra_app(app_config, STORE_TIMEOUT_SECONDS=0.5, RATELIMIT_KEY_PREFIX=unique("rl1"),
                   RATELIMIT_DEFAULT="1 per minute", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0") as away:
        c = away.test_client()
        with caplog.at_level(logging.WARNING, logger="socialgraph.http.limits"):
            answers = [c.get("/api/v1/ping") for _ in range(3)]
        assert [r.status_code for r in answers] == [200, 200, 200]
        assert not any(k.startswith("X-RateLimit") for r in answers for k in r.headers.keys())
        assert "rate limits not checked" in caplog.text


def test_a_store_outage_keeps_its_own_retry_after(app_config):
    """A 503 (MongoDB away, Redis up) says when to retry the store, not when
    the limiter's window ends (flask-limiter made it the later of the two)."""
    from socialgraph.http.web import RETRY_AFTER_SECONDS

    with extra_app(app_config, STORE_TIMEOUT_SECONDS=0.5, RATELIMIT_KEY_PREFIX=unique("rl1"),
                   RATELIMIT_DEFAULT="100 per 5 minutes",
                   MONGO_URI=f"mongodb://127.0.0.1:{free_port()}/?directConnection=true") as away:
        r = away.test_client().get("/api/v1/search/posts", query_string={"q": "anything"})
    assert r.status_code == 503 and r.headers["X-RateLimit-Limit"] == "100"
    assert int(r.headers["Retry-After"]) == RETRY_AFTER_SECONDS


def test_a_flushed_script_is_loaded_again(make_app):
    """Redis restarted or its scripts flushed: the next request loads the
    script again (``NOSCRIPT``) and is counted, not let through unlimited."""
    from socialgraph import stores

    app = make_app(RATELIMIT_DEFAULT="2 per minute")
    c = app.test_client()
    ip = {"REMOTE_ADDR": "10.74.0.1"}
    assert c.get("/api/v1/ping", environ_base=ip).status_code == 200
    with app.app_context():
        stores.cache().script_flush()
    r = c.get("/api/v1/ping", environ_base=ip)
    assert r.status_code == 200 and r.headers["X-RateLimit-Remaining"] == "0"
    assert c.get("/api/v1/ping", environ_base=ip).status_code == 429


def test_account_deletion_erases_the_accounts_counters(app, make_app):  # app: the buckets exist
    """The counters keep flask-limiter's names, so the account's erasure
    (``accounts.deletion.TRACE_PATTERNS``) still finds and drops them."""
    from socialgraph.accounts import deletion

    limited = make_app()
    c = limited.test_client()
    uid, h = signed_in(c)
    assert c.get("/api/v1/ping", headers=h).status_code == 200
    assert any(k.startswith(f"user:{uid}/") for k in counters(limited))
    r = c.post("/api/v1/me/deletion", json={"password": PASSWORD}, headers=h)
    assert r.status_code == 202, r.get_json()
    with limited.app_context():  # the job goes on step by step; run it to the end here
        for _ in range(50):
            if deletion.run_deletion(uid)["status"] == "done":
                break
        assert deletion.deletion_status(uid)["status"] == "done"
    assert not [k for k in counters(limited) if f"user:{uid}/" in k]
