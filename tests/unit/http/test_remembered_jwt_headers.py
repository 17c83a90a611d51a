"""flask-jwt-extended's unverified header decode after each verified decode is
memoised per token string (issue 22): same answer as the library, a copy each
time, and the library's refusal of a malformed token is unchanged."""
from __future__ import annotations

import jwt
import pytest
from flask_jwt_extended import view_decorators

from socialgraph.http import web


def test_the_view_decorators_use_the_remembered_headers():
    assert view_decorators.get_unverified_jwt_headers is web.remembered_headers


def test_same_header_as_the_library_and_a_copy_each_time(monkeypatch):
    calls = []

    def library(token):
        calls.append(token)
        return jwt.get_unverified_header(token)

    monkeypatch.setattr(web, "_library_headers", library)
    monkeypatch.setattr(web, "_HEADERS", {})
    token = jwt.encode({"sub": "u1"}, "secret" * 6, algorithm="HS256", headers={"kid": "k1"})
    first = web.remembered_headers(token)
    assert first == jwt.get_unverified_header(token) and first["kid"] == "k1"
    first["alg"] = "none"  # a caller changing its copy changes nothing kept
    assert web.remembered_headers(token)["alg"] == "HS256"
    assert calls == [token]
    other = jwt.encode({"sub": "u2"}, "secret" * 6, algorithm="HS256")
    assert web.remembered_headers(other) == {"alg": "HS256", "typ": "JWT"} and len(calls) == 2


def test_a_malformed_token_still_raises_and_is_not_kept(monkeypatch):
    monkeypatch.setattr(web, "_HEADERS", {})
    with pytest.raises(jwt.DecodeError):
        web.remembered_headers("not.a.token")
    assert web._HEADERS == {}
