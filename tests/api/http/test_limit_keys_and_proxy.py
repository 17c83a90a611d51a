"""Rate limits keyed right: anonymous endpoints per client IP whatever
Authorization header is sent, authenticated ones per account and per IP;
``SG_TRUSTED_PROXY_HOPS`` drives ProxyFix (client IP, HTTPS -> HSTS); the
login throttle's Retry-After is the real wait, not the limiter's window."""
from __future__ import annotations

from tests.conftest import unique

PASSWORD = "a long enough password"


def register(c, ip, headers=None):
    name = unique("rk")
    r = c.post("/api/v1/auth/register", json={"username": name, "email": f"{name}@example.test",
                                              "password": PASSWORD}, environ_base={"REMOTE_ADDR": ip},
               headers=headers or {})
    return name, r


def token(c, name, ip):
    r = c.post("/api/v1/auth/login", json={"login": name, "password": PASSWORD}, environ_base={"REMOTE_ADDR": ip})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["access_token"]


def test_signup_budget_is_per_ip_whatever_token_is_sent(make_app):
    c = make_app(RATELIMIT_SIGNUP="3 per 30 minutes").test_client()
    ip = "10.61.0.1"
    name, r = register(c, ip)
    assert r.status_code == 201
    bearer = {"Authorization": "Bearer " + token(c, name, "10.61.0.200")}
    codes = []
    for _ in range(3):  # each with the token of the account made just before
        name, r = register(c, ip, bearer)
        codes.append(r.status_code)
        if r.status_code == 201:
            bearer = {"Authorization": "Bearer " + token(c, name, "10.61.0.200")}
    assert codes == [201, 201, 429]
    assert register(c, "10.61.0.2", bearer)[1].status_code == 201  # another address has its own budget


def test_login_budget_is_per_ip_whatever_token_is_sent(make_app):
    c = make_app(RATELIMIT_LOGIN="3 per 5 minutes").test_client()
    name, _ = register(c, "10.62.0.9")
    bearers = []
    for i in range(4):  # a different account's token on every try: each used to be a fresh budget
        other, _ = register(c, f"10.62.1.{i}")
        bearers.append({"Authorization": "Bearer " + token(c, other, f"10.62.1.{i}")})
    codes = [c.post("/api/v1/auth/login", json={"login": name, "password": PASSWORD}, headers=b,
                    environ_base={"REMOTE_ADDR": "10.62.0.1"}).status_code for b in bearers]
    assert codes == [200, 200, 200, 429]


def test_authenticated_requests_count_per_account_and_per_ip(make_app):
    c = make_app(RATELIMIT_DEFAULT="100 per minute", RATELIMIT_PER_IP="6 per minute").test_client()
    ip = "10.63.0.1"
    tokens = []
    for i in range(3):
        name, r = register(c, f"10.63.1.{i}")
        tokens.append(token(c, name, f"10.63.1.{i}"))
    codes = [c.get("/api/v1/me", headers={"Authorization": "Bearer " + t}, environ_base={"REMOTE_ADDR": ip}).status_code
             for t in tokens for _ in range(2)]
    assert codes == [200] * 6
    r = c.get("/api/v1/me", headers={"Authorization": "Bearer " + tokens[0]}, environ_base={"REMOTE_ADDR": ip})
    assert r.status_code == 429 and r.mimetype == "application/problem+json"
    # the same account from another address still has its budget
    r = c.get("/api/v1/me", headers={"Authorization": "Bearer " + tokens[0]},
              environ_base={"REMOTE_ADDR": "10.63.0.2"})
    assert r.status_code == 200


def test_trusted_proxy_hops_drive_client_ip_and_https(make_app):
    behind = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "social.example"}
    proxied = make_app(TRUSTED_PROXY_HOPS=1).test_client()
    name, r = register(proxied, "10.64.0.1")
    r = proxied.post("/api/v1/auth/login", json={"login": name, "password": PASSWORD}, headers=behind,
                     environ_base={"REMOTE_ADDR": "10.64.0.1"})
    assert r.status_code == 200
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    tok = r.get_json()["access_token"]
    items = proxied.get("/api/v1/me/sessions", headers={"Authorization": "Bearer " + tok}).get_json()["items"]
    assert items[0]["ip"] == "203.0.113.7"

    direct = make_app().test_client()  # SG_TRUSTED_PROXY_HOPS=0: the headers are a client's word, ignored
    r = direct.post("/api/v1/auth/login", json={"login": name, "password": PASSWORD}, headers=behind,
                    environ_base={"REMOTE_ADDR": "10.64.0.2"})
    assert r.status_code == 200 and "Strict-Transport-Security" not in r.headers
    tok = r.get_json()["access_token"]
    items = direct.get("/api/v1/me/sessions", headers={"Authorization": "Bearer " + tok}).get_json()["items"]
    assert items[0]["ip"] == "10.64.0.2"


def test_login_throttle_retry_after_is_the_real_wait(make_app):
    app = make_app(RATELIMIT_LOGIN="100 per 5 minutes")
    c = app.test_client()
    name, _ = register(c, "10.65.0.1")
    for _ in range(app.config["LOGIN_THROTTLE_AFTER"]):
        r = c.post("/api/v1/auth/login", json={"login": name, "password": "not the password"},
                   environ_base={"REMOTE_ADDR": "10.65.0.1"})
        assert r.status_code == 401
    r = c.post("/api/v1/auth/login", json={"login": name, "password": PASSWORD},
               environ_base={"REMOTE_ADDR": "10.65.0.1"})
    assert r.status_code == 429 and r.get_json()["reason"] == "throttled"
    assert 1 <= int(r.headers["Retry-After"]) <= 2  # 2^0 s after the last failure, not the 5-minute window
