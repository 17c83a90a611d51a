"""Fixtures for driving the Mastodon client API with Mastodon.py (a real
client library nobody here wrote) against the running app over HTTP.

The app is served by ``live_server`` (werkzeug, a real socket); the Mastodon
API is reached through the dev prefix ``SG_MASTODON_PREFIX`` (``/mastodon``),
so Mastodon.py's ``api_base_url`` is ``http://127.0.0.1:<port>/mastodon``
(see :mod:`socialgraph.mastodon.dispatch`; the host-name route is tested in
``test_foundation.py``).

- ``mastodon_base``: that base URL.
- ``mastodon_app``: ``(client_id, client_secret)`` of an app registered with
  ``Mastodon.create_app`` (all four top scopes, redirect URI :data:`REDIRECT`).
- ``authorize(user, scopes=..., app=...)``: the PKCE authorization-code
  journey a native app makes: ``Mastodon.auth_request_url`` + S256
  challenge, the sign-in form posted as a browser would, the code exchanged
  at ``/oauth/token`` with the verifier. Returns the token response dict.
- ``mastodon_for``: ``mastodon_for(user, scopes=...)`` -> a logged-in
  ``mastodon.Mastodon`` for an :class:`tests.conftest.ApiUser`
  (``make_user()``); ``.access_token`` is its token.
- ``mastodon_user``: ``mastodon_user()`` -> ``(ApiUser, Mastodon)`` for a new
  verified user (both APIs: native through ``ApiUser``, Mastodon through
  the client).

- ``mastodon_client``: ``mastodon_client(**kwargs)`` -> ``Mastodon(api_base_url=mastodon_base, ...)``
  whose HTTP session is closed when the test ends (no leaked sockets).

Clients use ``ratelimit_method="throw"`` (a 429 fails the test instead of
sleeping) and ``version_check_mode="none"``.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from mastodon import Mastodon

REDIRECT = "https://client.example/callback"
ALL_SCOPES = ["read", "write", "follow", "push"]


@pytest.fixture()
def mastodon_base(live_server):
    return live_server + "/mastodon"


@pytest.fixture()
def mastodon_app(mastodon_base):
    return Mastodon.create_app("pytest client", scopes=ALL_SCOPES, redirect_uris=[REDIRECT, "urn:ietf:wg:oauth:2.0:oob"],
                               website="https://client.example", api_base_url=mastodon_base)


def pkce_pair() -> tuple[str, str]:
    """``(verifier, S256 challenge)`` (RFC 7636 §4.1-4.2)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def sign_in(auth_url: str, login: str, password: str, code: str | None = None) -> requests.Response:
    """Post the consent page's form as a browser would (no redirects followed).
    With 2FA, the second form (``code``) is posted with the page's ``mfa_token``."""
    page = requests.get(auth_url, timeout=30)
    assert page.status_code == 200, page.text
    resp = requests.post(auth_url, data={"login": login, "password": password, "decision": "approve"},
                         allow_redirects=False, timeout=30)
    if code is not None and resp.status_code == 200 and 'name="mfa_token"' in resp.text:
        token = resp.text.split('name="mfa_token" value="', 1)[1].split('"', 1)[0]
        resp = requests.post(auth_url, data={"mfa_token": token, "code": code, "decision": "approve"},
                             allow_redirects=False, timeout=30)
    return resp


@pytest.fixture()
def mastodon_client(mastodon_base):
    made: list[Mastodon] = []

    def make(**kwargs) -> Mastodon:
        kwargs.setdefault("ratelimit_method", "throw")
        kwargs.setdefault("version_check_mode", "none")
        api = Mastodon(api_base_url=mastodon_base, **kwargs)
        made.append(api)
        return api

    yield make
    for api in made:
        api.session.close()


@pytest.fixture()
def authorize(mastodon_base, mastodon_app, mastodon_client):
    def run(user, scopes=ALL_SCOPES, app=None, code: str | None = None) -> dict:
        client_id, client_secret = app or mastodon_app
        api = mastodon_client(client_id=client_id, client_secret=client_secret)
        verifier, challenge = pkce_pair()
        url = api.auth_request_url(redirect_uris=REDIRECT, scopes=scopes, state="xyz", allow_http=True)
        url += f"&code_challenge={challenge}&code_challenge_method=S256"
        resp = sign_in(url, user.username, user.password, code)
        assert resp.status_code == 302, resp.text
        location = urlsplit(resp.headers["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
        query = parse_qs(location.query)
        assert query["state"] == ["xyz"]
        token = requests.post(mastodon_base + "/oauth/token", data={
            "grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": REDIRECT,
            "client_id": client_id, "client_secret": client_secret, "code_verifier": verifier,
            "scope": " ".join(scopes)}, timeout=30)
        assert token.status_code == 200, token.text
        return token.json()

    return run


@pytest.fixture()
def mastodon_for(authorize, mastodon_client):
    def make(user, scopes=ALL_SCOPES) -> Mastodon:
        token = authorize(user, scopes)
        return mastodon_client(access_token=token["access_token"])

    return make


@pytest.fixture()
def mastodon_user(make_user, mastodon_for):
    def make(prefix: str = "m", scopes=ALL_SCOPES, verified: bool = True):
        user = make_user(prefix, verified=verified)
        return user, mastodon_for(user, scopes)

    return make


def token_through_test_client(client, user, scopes: str = "read write follow push") -> str:
    """An OAuth access token for ``user`` made through Flask's test client (no
    socket): app registration, the consent form, the PKCE exchange, all under
    the ``/mastodon`` prefix. For tests outside this folder (account deletion)."""
    app = client.post("/mastodon/api/v1/apps", data={"client_name": "test client app", "scopes": scopes,
                                                     "redirect_uris": REDIRECT}).get_json()
    verifier, challenge = pkce_pair()
    query = {"client_id": app["client_id"], "response_type": "code", "redirect_uri": REDIRECT, "scope": scopes,
             "code_challenge": challenge, "code_challenge_method": "S256"}
    r = client.post("/mastodon/oauth/authorize", query_string=query,
                    data={"login": user.username, "password": user.password, "decision": "approve"})
    assert r.status_code == 302, r.get_data(as_text=True)
    code = parse_qs(urlsplit(r.headers["Location"]).query)["code"][0]
    r = client.post("/mastodon/oauth/token", data={"grant_type": "authorization_code", "code": code,
                                                   "redirect_uri": REDIRECT, "client_id": app["client_id"],
                                                   "client_secret": app["client_secret"], "code_verifier": verifier})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["access_token"]
