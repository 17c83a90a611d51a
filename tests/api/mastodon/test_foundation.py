"""The Mastodon API's foundation through Mastodon.py and plain HTTP: app
registration, the PKCE authorization-code journey, client credentials,
refresh, revocation, tokens as sessions, scopes, the error shape, where the
API lives (host and prefix) and that the native API is untouched."""
from __future__ import annotations

import requests
from mastodon.errors import MastodonUnauthorizedError

from tests.conftest import config


def test_app_registration_and_pkce_authorisation_give_a_working_token(mastodon_user):
    user, api = mastodon_user()
    me = api.account_verify_credentials()
    assert (me.id, me.username, me.acct) == (user.uid, user.username, user.username)
    assert me.source.note == ""
    app = api.app_verify_credentials()
    assert app.name == "pytest client"


def test_oauth_token_is_a_session_listed_and_revocable_in_the_native_api(mastodon_user):
    user, api = mastodon_user()
    api.account_verify_credentials()
    listed = user.get("/api/v1/me/sessions").get_json()["items"]
    oauth_sessions = [s for s in listed if s["app"]]
    assert len(oauth_sessions) == 1
    assert oauth_sessions[0]["app"]["name"] == "pytest client"
    assert oauth_sessions[0]["app"]["scopes"] == ["read", "write", "follow", "push"]
    assert user.delete(f"/api/v1/me/sessions/{oauth_sessions[0]['id']}").status_code == 204
    try:
        api.account_verify_credentials()
    except MastodonUnauthorizedError as exc:
        assert exc.args[1] == 401
    else:
        raise AssertionError("a revoked session's token still works")


def test_revoke_endpoint_ends_the_session(mastodon_base, mastodon_app, authorize, make_user):
    user = make_user("rv")
    token = authorize(user)
    r = requests.post(mastodon_base + "/oauth/revoke", data={"token": token["access_token"],
                                                             "client_id": mastodon_app[0],
                                                             "client_secret": mastodon_app[1]}, timeout=30)
    assert (r.status_code, r.json()) == (200, {})
    r = requests.get(mastodon_base + "/api/v1/accounts/verify_credentials",
                     headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=30)
    assert (r.status_code, r.json()) == (401, {"error": "The access token is invalid"})
    assert [s for s in user.get("/api/v1/me/sessions").get_json()["items"] if s["app"]] == []


def test_refresh_grant_keeps_the_session_and_retires_the_old_pair(mastodon_base, mastodon_app, authorize, make_user):
    user = make_user("rf")
    token = authorize(user)
    r = requests.post(mastodon_base + "/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": token["refresh_token"],
        "client_id": mastodon_app[0], "client_secret": mastodon_app[1]}, timeout=30)
    assert r.status_code == 200, r.text
    fresh = r.json()
    assert fresh["access_token"] != token["access_token"] and fresh["scope"] == "read write follow push"
    ok = requests.get(mastodon_base + "/api/v1/accounts/verify_credentials",
                      headers={"Authorization": f"Bearer {fresh['access_token']}"}, timeout=30)
    old = requests.get(mastodon_base + "/api/v1/accounts/verify_credentials",
                       headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=30)
    assert (ok.status_code, old.status_code) == (200, 401)
    assert len([s for s in user.get("/api/v1/me/sessions").get_json()["items"] if s["app"]]) == 1


def test_pkce_verifier_must_match(mastodon_base, mastodon_app, make_user, mastodon_client):
    from tests.api.mastodon.conftest import REDIRECT, pkce_pair, sign_in
    from urllib.parse import parse_qs, urlsplit

    user = make_user("pk")
    api = mastodon_client(client_id=mastodon_app[0], client_secret=mastodon_app[1])
    _verifier, challenge = pkce_pair()
    url = api.auth_request_url(redirect_uris=REDIRECT, scopes=["read"], allow_http=True)
    url += f"&code_challenge={challenge}&code_challenge_method=S256"
    code = parse_qs(urlsplit(sign_in(url, user.username, user.password).headers["Location"]).query)["code"][0]
    other_verifier, _ = pkce_pair()
    r = requests.post(mastodon_base + "/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": mastodon_app[0], "client_secret": mastodon_app[1], "code_verifier": other_verifier},
        timeout=30)
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")


def test_mastodon_py_log_in_with_a_code_and_client_credentials(mastodon_base, mastodon_app, make_user,
                                                               mastodon_client):
    from tests.api.mastodon.conftest import sign_in

    user = make_user("li")
    api = mastodon_client(client_id=mastodon_app[0], client_secret=mastodon_app[1])
    url = api.auth_request_url(redirect_uris="urn:ietf:wg:oauth:2.0:oob", scopes=["read"], allow_http=True)
    page = sign_in(url, user.username, user.password)
    assert page.status_code == 200 and 'id="code"' in page.text
    code = page.text.split('<code id="code">', 1)[1].split("<", 1)[0]
    api.log_in(code=code, redirect_uri="urn:ietf:wg:oauth:2.0:oob", scopes=["read"], allow_http=True)
    assert api.account_verify_credentials().id == user.uid
    # client credentials: an application token, no account
    r = requests.post(mastodon_base + "/oauth/token", data={"grant_type": "client_credentials",
                                                            "client_id": mastodon_app[0],
                                                            "client_secret": mastodon_app[1], "scope": "read"},
                      timeout=30)
    app_token = r.json()["access_token"]
    app_api = mastodon_client(access_token=app_token)
    assert app_api.app_verify_credentials().name == "pytest client"
    r = requests.get(mastodon_base + "/api/v1/accounts/verify_credentials",
                     headers={"Authorization": f"Bearer {app_token}"}, timeout=30)
    assert (r.status_code, r.json()) == (422, {"error": "This method requires an authenticated user"})


def test_wrong_scope_is_403_and_no_token_401(mastodon_base, mastodon_user):
    _user, api = mastodon_user(scopes=["write:statuses"])
    r = requests.get(mastodon_base + "/api/v1/accounts/verify_credentials",
                     headers={"Authorization": f"Bearer {api.access_token}"}, timeout=30)
    assert (r.status_code, r.json()) == (403, {"error": "This action is outside the authorized scopes"})
    r = requests.get(mastodon_base + "/api/v1/accounts/verify_credentials", timeout=30)
    assert (r.status_code, r.json()) == (401, {"error": "The access token is invalid"})


def test_bad_input_gets_mastodon_error_shape(mastodon_base):
    r = requests.post(mastodon_base + "/api/v1/apps", data={"client_name": "", "scopes": "read"}, timeout=30)
    assert r.status_code == 422
    assert r.json()["error"] == "Validation failed: client_name is required (at most 200 characters)"
    r = requests.post(mastodon_base + "/api/v1/apps", data={"client_name": "x", "scopes": "read fly"}, timeout=30)
    assert (r.status_code, r.json()["error"]) == (422, "Validation failed: unknown scope 'fly'")
    r = requests.get(mastodon_base + "/api/v1/no/such/thing", timeout=30)
    assert (r.status_code, r.json()) == (404, {"error": "Record not found"})
    r = requests.post(mastodon_base + "/api/v1/apps", data=b"{", headers={"Content-Type": "application/json"},
                      timeout=30)
    assert r.status_code == 400 and set(r.json()) == {"error"}
    r = requests.get(mastodon_base + "/oauth/authorize?client_id=nope&response_type=code", timeout=30)
    assert r.status_code == 400 and "cannot be handled" in r.text


def test_wrong_password_shows_the_form_again(mastodon_base, mastodon_app, make_user, mastodon_client):
    from tests.api.mastodon.conftest import sign_in

    user = make_user("wp")
    api = mastodon_client(client_id=mastodon_app[0], client_secret=mastodon_app[1])
    url = api.auth_request_url(redirect_uris="urn:ietf:wg:oauth:2.0:oob", scopes=["read"], allow_http=True)
    r = sign_in(url, user.username, "not the password")
    assert r.status_code == 401 and "wrong username or password" in r.text and 'name="password"' in r.text


def test_authorisation_honours_2fa(mastodon_base, mastodon_app, make_user, mastodon_client):
    import pyotp

    user = make_user("tf")
    setup = user.post("/api/v1/me/2fa/setup").get_json()
    secret = setup["secret"]
    r = user.post("/api/v1/me/2fa/confirm", json={"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 200, r.get_json()
    from tests.api.mastodon.conftest import sign_in

    api = mastodon_client(client_id=mastodon_app[0], client_secret=mastodon_app[1])
    url = api.auth_request_url(redirect_uris="urn:ietf:wg:oauth:2.0:oob", scopes=["read"], allow_http=True)
    first = sign_in(url, user.username, user.password)
    assert first.status_code == 200 and 'name="mfa_token"' in first.text and '<code id="code">' not in first.text
    backup = setup.get("backup_codes") or r.get_json().get("backup_codes")
    done = sign_in(url, user.username, user.password, code=backup[0])
    assert done.status_code == 200 and '<code id="code">' in done.text


def test_metadata_and_where_the_api_lives(app, live_server, mastodon_base):
    meta = requests.get(mastodon_base + "/.well-known/oauth-authorization-server", timeout=30).json()
    assert meta["token_endpoint"] == mastodon_base + "/oauth/token"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "password" not in meta["grant_types_supported"]
    port = live_server.rsplit(":", 1)[1]
    with config(app, MASTODON_HOST=f"localhost:{port}"):
        on_host = requests.get(f"http://localhost:{port}/.well-known/oauth-authorization-server", timeout=30)
        assert on_host.json()["token_endpoint"] == f"http://localhost:{port}/oauth/token"
        # the native API on its own host is untouched, and the internal mount is not reachable directly
        native = requests.get(live_server + "/api/v1/health", timeout=30)
        assert native.status_code == 200 and native.headers["Content-Type"].startswith("application/json")
        assert requests.get(live_server + "/_mastodon/.well-known/oauth-authorization-server",
                            timeout=30).status_code == 404
    missing = requests.get(live_server + "/api/v1/no-such", timeout=30)
    assert missing.headers["Content-Type"] == "application/problem+json"


def test_unverified_allowed_names_real_endpoints(app):
    from socialgraph.mastodon.auth import UNVERIFIED_ALLOWED

    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert sorted(UNVERIFIED_ALLOWED - endpoints) == []


def test_oauth_tokens_are_rate_limited_per_account(app, client, make_user):
    from socialgraph.http import limits

    from tests.api.mastodon.conftest import token_through_test_client

    user = make_user("rl")
    token = token_through_test_client(client, user, "read")
    with app.test_request_context("/mastodon/api/v1/accounts/verify_credentials",
                                  headers={"Authorization": f"Bearer {token}"}):
        assert limits.caller_key() == f"user:{user.uid}"
    with app.test_request_context("/mastodon/api/v1/accounts/verify_credentials",
                                  headers={"Authorization": "Bearer not-a-token"},
                                  environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        assert limits.caller_key() == "ip:127.0.0.1"
    # the budget is the account's: a low one runs out for this token across requests
    with config(app, RATELIMIT_DEFAULT="3 per minute"):
        headers = {"Authorization": f"Bearer {token}"}
        codes = [client.get("/mastodon/api/v1/accounts/verify_credentials", headers=headers).status_code
                 for _ in range(4)]
        limited = client.get("/mastodon/api/v1/accounts/verify_credentials", headers=headers)
    assert codes[:3] == [200, 200, 200] and limited.status_code == 429
    assert limited.get_json() == {"error": "Too many requests"} and int(limited.headers["Retry-After"]) > 0


def test_password_change_ends_oauth_sessions_too(app, client, make_user):
    from tests.api.mastodon.conftest import token_through_test_client

    user = make_user("pw")
    token = token_through_test_client(client, user, "read")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/mastodon/api/v1/accounts/verify_credentials", headers=headers).status_code == 200
    r = user.post("/api/v1/me/password", json={"current_password": user.password,
                                               "new_password": "an entirely new passphrase 42"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["revoked"] == 1  # the OAuth session (the web session making the change stays)
    r = client.get("/mastodon/api/v1/accounts/verify_credentials", headers=headers)
    assert (r.status_code, r.get_json()) == (401, {"error": "The access token is invalid"})


def test_browser_apps_on_other_origins_get_cors(client):
    pre = client.options("/mastodon/api/v1/accounts/verify_credentials",
                         headers={"Origin": "https://elk.zone", "Access-Control-Request-Method": "GET",
                                  "Access-Control-Request-Headers": "authorization"})
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in pre.headers["Access-Control-Allow-Headers"]
    r = client.get("/mastodon/api/v2/instance", headers={"Origin": "https://elk.zone"})
    assert r.headers["Access-Control-Allow-Origin"] == "*" and "Link" in r.headers["Access-Control-Expose-Headers"]
    # the native API keeps its own policy (none configured here)
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/health",
                                                           headers={"Origin": "https://elk.zone"}).headers
    page = client.get("/mastodon/oauth/authorize?client_id=x", headers={"Origin": "https://elk.zone"})
    assert "Access-Control-Allow-Origin" not in page.headers
