"""The fixed cost of a request (issue 22, session 5): the hooks every request
passes through give the same answers as before, and do not do the work the
cheaper versions removed (a body parse, werkzeug's conditional processing
and KeyErrors without a conditional request, a session serializer and an
``iscoroutinefunction`` per request, a marshmallow load per repeated query).
No servers: the app touches no store for these routes."""
from __future__ import annotations

import hashlib
import json
import random
import string
from urllib.parse import urlencode

import flask.app
import pytest
from flask import Response, jsonify, request, session
from flask_smorest import Blueprint
from itsdangerous import URLSafeTimedSerializer
from marshmallow import Schema, fields, post_load, validate
from werkzeug.exceptions import BadRequestKeyError
from werkzeug.wrappers import Response as WerkzeugResponse

from socialgraph.app import create_app
from socialgraph.http import conventions, web
from socialgraph.http.request_guard import MAX_HEADER_FIELD_BYTES, MAX_HEADER_FIELDS

SECURITY = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
            "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Resource-Policy": "same-site",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
            "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"}


@pytest.fixture(scope="module")
def app():
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False, "PUBLIC_BASE_URL": "https://api.example"})

    @app.get("/t/page")
    def page():
        return jsonify({"items": [1, 2], "next_cursor": "c2"})

    @app.get("/t/nested")
    def nested():
        return jsonify({"items": [{"next_cursor": "inner"}], "next_cursor": None})

    @app.get("/t/surrogate")
    def surrogate():  # orjson refuses to write (and read) a lone surrogate: the standard library's JSON
        return jsonify({"next_cursor": "c3", "s": "\ud800"})

    @app.get("/t/declared/<cursor>")
    def declared(cursor):  # a body encoded elsewhere, its cursor said (the warm home page)
        body = json.dumps({"items": [{"next_cursor": "inner"}], "next_cursor": None if cursor == "none" else cursor})
        return conventions.json_page_response(body.encode(), None if cursor == "none" else cursor)

    @app.get("/t/array")
    def array():
        return jsonify([1, 2])

    @app.get("/t/own/<int:status>")
    def own(status):
        return Response("{}", status=status, mimetype="application/json",
                        headers={"X-Frame-Options": "SAMEORIGIN", "Content-Security-Policy": "sandbox",
                                 "Retry-After": "3"})

    @app.get("/t/headers")
    def headers():
        return jsonify({"n": len(list(request.headers.items()))})

    @app.get("/t/session/set")
    def session_set():
        session["n"] = 7
        return jsonify({})

    @app.get("/t/session/get")
    def session_get():
        return jsonify({"n": session.get("n")})

    return app


@pytest.fixture()
def client(app):
    return app.test_client()


# -- security headers -----------------------------------------------------------------
def test_security_headers_once_each_and_a_views_own_kept(client):
    r = client.get("/api/v1/ping", headers={"Authorization": "Bearer x"})
    for name, value in SECURITY.items():
        assert r.headers.getlist(name) == [value], name
    assert r.headers["Cache-Control"] == "no-store" and "Retry-After" not in r.headers
    assert "Cache-Control" not in client.get("/api/v1/ping").headers  # anonymous: cacheable
    mine = client.get("/t/own/200")
    assert mine.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert mine.headers.getlist("Content-Security-Policy") == ["sandbox"]
    assert "Retry-After" not in mine.headers  # only 429 and 503 keep it
    assert client.get("/t/own/503").headers.getlist("Retry-After") == ["3"]


def test_a_plain_request_raises_no_keyerror_inside_the_header_lookups(client, monkeypatch):
    """werkzeug's ``Headers`` answers a missing name by raising (and catching) a
    ``BadRequestKeyError``: ``setdefault`` per security header, ``get("ETag")``,
    ``"Date" in``, ... 13 of them a request before; the hooks now read the
    header names once."""
    made = []
    init = BadRequestKeyError.__init__
    monkeypatch.setattr(BadRequestKeyError, "__init__", lambda self, *a, **k: (made.append(a), init(self, *a, **k))[1])
    ours = {n.lower() for n in SECURITY} | {"etag", "vary", "date", "retry-after", "strict-transport-security",
                                            "location", "link", "cache-control"}
    for path in ("/api/v1/ping", "/t/page"):
        made.clear()
        assert client.get(path, headers={"Authorization": "Bearer x"}).status_code == 200
        assert made, "werkzeug's own response building still looks up Content-Type and Content-Length"
        assert not [a for a in made if str(a[0]).lower() in ours], (path, made)


# -- ETag, Link, 304 -------------------------------------------------------------------
def test_link_replaces_the_cursor_in_place_or_appends_it(client):
    link = client.get("/t/page?a=1&cursor=old&b=2&b=3").headers["Link"]
    assert link == '<https://api.example/t/page?a=1&cursor=c2&b=2&b=3>; rel="next"'
    assert client.get("/t/page?b=2").headers["Link"] == '<https://api.example/t/page?b=2&cursor=c2>; rel="next"'
    twice = client.get("/t/page?cursor=x&a=%C3%A9&cursor=y").headers["Link"]
    assert twice == '<https://api.example/t/page?cursor=c2&a=%C3%A9>; rel="next"'
    assert "Link" not in client.get("/t/nested").headers  # a nested next_cursor is not the page's
    assert client.get("/t/surrogate").headers["Link"] == '<https://api.example/t/surrogate?cursor=c3>; rel="next"'


def test_etag_vary_and_the_conditional_answers(client):
    r = client.get("/t/page")
    etag = '"' + hashlib.sha256(r.get_data()).hexdigest()[:32] + '"'
    assert r.headers["ETag"] == etag and r.headers["Vary"] == "Authorization" and "Date" not in r.headers
    assert "ETag" not in client.get("/t/array").headers  # an array is no resource of ours
    cases = [({"If-None-Match": etag}, 304), ({"If-None-Match": "W/" + etag}, 304), ({"If-None-Match": "*"}, 304),
             ({"If-None-Match": '"other"'}, 200), ({"If-Match": '"other"'}, 412), ({"If-Match": etag}, 200),
             ({"If-None-Match": etag, "If-Match": '"other"'}, 412)]
    for headers, status in cases:
        got = client.get("/t/page", headers=headers)
        assert got.status_code == status, (headers, got.status_code)
        assert got.headers["ETag"] == etag and "Date" not in got.headers, headers  # one Date: the server's
        assert (got.get_data() == b"") is (status == 304)


def test_a_body_is_parsed_only_for_its_next_cursor_and_conditionals_only_when_asked(client, monkeypatch):
    parses, conditionals = [], []
    loads = conventions.orjson.loads
    monkeypatch.setattr(conventions.orjson, "loads", lambda data: (parses.append(len(data)), loads(data))[1])
    monkeypatch.setattr(conventions.json, "loads", lambda data: (parses.append(len(data)), json.loads(data))[1])
    make = WerkzeugResponse.make_conditional
    monkeypatch.setattr(WerkzeugResponse, "make_conditional",
                        lambda self, *a, **k: (conditionals.append(1), make(self, *a, **k))[1])
    flask_loads = client.application.json.loads
    monkeypatch.setattr(client.application.json, "loads", lambda *a, **k: (parses.append("flask"), flask_loads(*a, **k))[1])
    assert client.get("/api/v1/ping").status_code == 200
    assert parses == [] and conditionals == []
    assert client.get("/t/page").headers["Link"]
    assert len(parses) == 1 and conditionals == []  # orjson, once
    assert client.get("/api/v1/ping", headers={"If-None-Match": '"x"'}).status_code == 200
    assert conditionals == [1]


def test_a_declared_cursor_makes_the_link_without_a_parse(client, monkeypatch):
    parses = []
    loads = conventions.orjson.loads
    monkeypatch.setattr(conventions.orjson, "loads", lambda data: (parses.append(len(data)), loads(data))[1])
    monkeypatch.setattr(conventions.json, "loads", lambda data: (parses.append(len(data)), json.loads(data))[1])
    r = client.get("/t/declared/c9?limit=2")
    assert r.headers["Link"] == '<https://api.example/t/declared/c9?limit=2&cursor=c9>; rel="next"'
    assert r.headers["ETag"] == '"' + hashlib.sha256(r.get_data()).hexdigest()[:32] + '"'
    assert r.headers["Vary"] == "Authorization" and r.mimetype == "application/json"
    last = client.get("/t/declared/none")
    assert "Link" not in last.headers and last.headers["ETag"]
    assert parses == []


# -- request size ----------------------------------------------------------------------
def test_header_fields_counted_and_measured_as_werkzeug_lists_them(client):
    base = client.get("/t/headers").get_json()["n"]  # what the test client sends by itself
    extra = {f"X-F{i}": "v" for i in range(MAX_HEADER_FIELDS - base)}
    assert client.get("/t/headers", headers=extra).get_json()["n"] == MAX_HEADER_FIELDS
    extra["X-One-More"] = "v"
    r = client.get("/t/headers", headers=extra)
    assert r.status_code == 431 and r.get_json()["detail"] == f"more than {MAX_HEADER_FIELDS} header fields"
    name = "X-Long-Field"
    fits = {name: "v" * (MAX_HEADER_FIELD_BYTES - len(name))}
    assert client.get("/t/headers", headers=fits).status_code == 200
    r = client.get("/t/headers", headers={name: fits[name] + "v"})
    assert r.status_code == 431
    assert r.get_json()["detail"] == f"the {name} header is longer than {MAX_HEADER_FIELD_BYTES} bytes"
    long_type = "application/x-" + "a" * MAX_HEADER_FIELD_BYTES
    r = client.get("/t/headers", headers={"Content-Type": long_type})  # a CGI key, not HTTP_*
    assert r.status_code == 431 and r.get_json()["detail"].startswith("the Content-Type header is longer")
    both = {**{f"X-F{i}": "v" for i in range(MAX_HEADER_FIELDS)}, name: fits[name] + "v"}
    assert client.get("/t/headers", headers=both).get_json()["detail"] == f"more than {MAX_HEADER_FIELDS} header fields"


# -- session cookies, ensure_sync ------------------------------------------------------
def test_session_serializer_built_once_and_follows_the_secret(app, monkeypatch):
    built = []
    init = URLSafeTimedSerializer.__init__
    monkeypatch.setattr(URLSafeTimedSerializer, "__init__", lambda self, *a, **k: (built.append(1), init(self, *a, **k))[1])
    client = app.test_client()
    secret = app.config["SECRET_KEY"]
    try:
        assert client.get("/t/session/set").status_code == 200
        for _ in range(3):
            assert client.get("/t/session/get").get_json() == {"n": 7}
        assert len(built) <= 1  # Flask built one per request (open and save)
        app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = "rotated-" + secret, [secret]
        assert client.get("/t/session/get").get_json() == {"n": 7}  # signed with the old key, a fallback
        app.config["SECRET_KEY_FALLBACKS"] = []
        assert client.get("/t/session/get").get_json() == {"n": None}  # the old key forgotten
    finally:
        app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = secret, []
    assert app.test_client().get("/t/session/get").get_json() == {"n": None}  # no cookie: an empty session


def test_ensure_sync_asks_once_per_function(app, monkeypatch):
    asked = []
    real = flask.app.iscoroutinefunction
    monkeypatch.setattr(flask.app, "iscoroutinefunction", lambda f: (asked.append(f), real(f))[1])
    client = app.test_client()
    client.get("/api/v1/ping")
    asked.clear()
    for _ in range(3):
        assert client.get("/api/v1/ping").status_code == 200
    assert asked == []  # ten a request before

    async def later():
        return {}

    with pytest.raises(RuntimeError):  # no asgiref here: Flask's own answer, every time
        app.ensure_sync(later)
    assert app.ensure_sync(real) is real


# -- remembered query parses -----------------------------------------------------------
class Plain(Schema):
    cursor = fields.String(validate=validate.Length(max=5))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class Hooked(Plain):
    @post_load
    def twice(self, data, **kwargs):
        data["limit"] = data["limit"] * 2
        return data


class Listed(Schema):
    ids = fields.List(fields.String())


def test_query_parses_of_pure_schemas_remembered_others_not(app, monkeypatch):
    plain, hooked, listed = Plain(), Hooked(), Listed()
    assert web._pure_query_schema(plain) and not web._pure_query_schema(hooked)
    assert not web._pure_query_schema(listed)
    calls = []
    library = web._library_parse
    monkeypatch.setattr(web, "_library_parse", lambda *a, **k: (calls.append(a[0]), library(*a, **k))[1])
    parser = Blueprint.ARGUMENTS_PARSER
    with app.test_request_context("/x?limit=5&junk=1"):
        first = parser.parse(plain, location="query")
        first["limit"] = 99  # the caller's copy
        assert parser.parse(plain, location="query") == {"limit": 5}
        assert parser.parse(hooked, location="query") == {"limit": 10} == parser.parse(hooked, location="query")
        assert parser.parse(listed, location="query") == {}
    assert calls.count(plain) == 1 and calls.count(hooked) == 2 and calls.count(listed) == 1
    with app.test_request_context("/x?limit=7"):
        assert parser.parse(plain, location="query") == {"limit": 7}  # another query, another parse
    for _ in range(2):
        with app.test_request_context("/x?cursor=toolong"), pytest.raises(Exception) as failed:
            parser.parse(plain, location="query")
        assert failed.value.code == 422  # refused each time, never remembered
    assert calls.count(plain) == 4
    long_query = "/x?limit=9&pad=" + "p" * web.MAX_REMEMBERED_QUERY
    for _ in range(2):
        with app.test_request_context(long_query):
            assert parser.parse(plain, location="query") == {"limit": 9}
    assert calls.count(plain) == 6  # a long query string is not kept


def test_the_blueprints_parser_is_the_remembering_one():
    """The route-level wiring: flask-smorest's ``@blp.arguments`` goes through the remembered parse."""
    from api.schemas import NewerArgs

    assert web._pure_query_schema(NewerArgs())
    assert Blueprint.ARGUMENTS_PARSER.parse is web.remembered_parse


def test_link_quoting_is_urlencodes():
    """The next link's query is what ``urllib.parse.urlencode`` writes, for any text."""
    rng = random.Random(22)
    alphabet = string.printable + "éü€☃\u00a0"
    for _ in range(2000):
        key, value = ("".join(rng.choice(alphabet) for _ in range(rng.randint(0, n))) for n in (6, 14))
        assert f"{conventions._quote(key)}={conventions._quote(value)}" == urlencode([(key, value)]), (key, value)
