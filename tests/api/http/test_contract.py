"""The API contract client developers rely on: the OpenAPI 3.1 document
(operationIds, summaries, errors, headers, security, examples), the AsyncAPI
document of the stream, and the HTTP conventions on the wire (Location,
ETag/304, Link, newer-than polling, 415, plain error details)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from socialgraph.http import asyncapi
from socialgraph.messaging import realtime

ROOT = Path(__file__).resolve().parents[3]
METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


def operations(spec):
    return [(path, m, op) for path, item in spec["paths"].items() for m, op in item.items() if m in METHODS]


def test_document_is_valid_openapi_3_1_with_servers(spec):
    assert spec["openapi"] == "3.1.0"
    validate(spec)
    assert spec["servers"] and spec["servers"][0]["url"]


def test_every_operation_has_a_stable_unique_id_and_a_one_line_summary(spec, app):
    ops = operations(spec)
    ids = [op["operationId"] for _, _, op in ops]
    assert len(ops) > 150 and len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", i) for i in ids)
    for _, _, op in ops:
        s = op["summary"]
        assert "\n" not in s and "``" not in s and ":func:" not in s and len(s) <= 100, s
        assert op["description"] and ":class:" not in op["description"]
    # stable: the same document from a fresh app
    from socialgraph.app import create_app

    again = create_app({}).test_client().get("/api/v1/openapi.json").get_json()
    assert [o["operationId"] for _, _, o in operations(again)] == ids
    assert spec["paths"]["/api/v1/posts"]["post"]["operationId"] == "posts_create_post"


def test_every_error_an_operation_can_give_is_documented_as_problem_json(spec):
    comps = spec["components"]["responses"]
    for path, method, op in operations(spec):
        codes = set(op["responses"])
        assert {"429"} <= codes, (path, method)
        if "{" in path:
            assert "404" in codes, (path, method)
        if op.get("security"):
            assert {"401", "403"} <= codes, (path, method)
        if op.get("requestBody"):
            assert {"413", "415", "422"} <= codes, (path, method)
        for code in codes & {"401", "403", "404", "409", "413", "415", "422", "429", "503"}:
            ref = op["responses"][code]["$ref"].rsplit("/", 1)[-1]
            content = comps[ref]["content"]
            assert list(content) == ["application/problem+json"]
            assert "/problems/" in comps[ref]["description"]
    assert "Retry-After" in comps["RateLimited"]["headers"] and "Retry-After" in comps["StoreUnavailable"]["headers"]


def test_response_headers_are_documented(spec):
    create = spec["paths"]["/api/v1/posts"]["post"]["responses"]["201"]["headers"]
    assert {"Location", "Idempotent-Replayed", "X-RateLimit-Limit"} <= set(create)
    home = spec["paths"]["/api/v1/feeds/home"]["get"]["responses"]
    assert {"ETag", "Link"} <= set(home["200"]["headers"]) and "304" in home
    assert "links" in spec["paths"]["/api/v1/posts"]["post"]["responses"]["201"]


def test_optional_auth_is_declared_optional(spec, client):
    discover = spec["paths"]["/api/v1/feeds/discover"]["get"]
    assert {} in discover["security"] and {"bearerAuth": []} in discover["security"]
    assert client.get("/api/v1/feeds/discover").status_code == 200
    home = spec["paths"]["/api/v1/feeds/home"]["get"]
    assert home["security"] == [{"bearerAuth": []}]
    assert client.get("/api/v1/feeds/home").status_code == 401


def test_examples_on_every_operation_and_descriptions_on_every_property(spec):
    for path, method, op in operations(spec):
        body = op.get("requestBody")
        if body:
            assert all("example" in m or "examples" in m for m in body["content"].values()), (path, method)
        ok = [r for c, r in op["responses"].items() if c.startswith("2") and "content" in r]
        assert all("example" in m for r in ok for m in r["content"].values()), (path, method)
    for name, schema in spec["components"]["schemas"].items():
        for prop, value in (schema.get("properties") or {}).items():
            assert value.get("description"), (name, prop)


def test_asyncapi_describes_every_frame_and_close_code_the_server_uses(client):
    doc = client.get("/api/v1/asyncapi.json").get_json()
    assert doc["asyncapi"] == "3.0.0" and doc["channels"]["stream"]["address"] == "/api/v1/stream"
    names = {m["name"] for m in doc["channels"]["stream"]["messages"].values()}
    sent = set()
    for path in [ROOT / "socialgraph/messaging/realtime.py", ROOT / "socialgraph/messaging/messages.py",
                 ROOT / "socialgraph/messaging/notifications.py", ROOT / "socialgraph/feeds/home.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values):
                    if isinstance(k, ast.Constant) and k.value == "type" and isinstance(v, ast.Constant):
                        sent.add(v.value)
    frames = sent - {"access", "message"} | {"message"}  # "access" is a JWT claim value
    assert frames <= names, frames - names
    codes = {int(c) for c in doc["components"]["x-close-codes"]}
    assert {realtime.CLOSE_TOKEN_EXPIRED, realtime.CLOSE_RATE_LIMITED, realtime.CLOSE_POLICY} <= codes
    assert set(asyncapi.CLOSE_CODES) == codes and "resume" in doc["info"]["description"]


def test_create_answers_201_with_location_that_reads_the_object(make_user):
    u = make_user("loc")
    r = u.post("/api/v1/posts", json={"text": "located"})
    assert r.status_code == 201
    loc = r.headers["Location"]
    assert loc == f"/api/v1/posts/{r.get_json()['id']}"
    assert u.get(loc).get_json()["text"] == "located"
    g = u.post("/api/v1/groups", json={"name": f"g {u.uid[:6]}", "privacy": "public"})
    assert g.status_code == 201 and u.get(g.headers["Location"]).get_json()["id"] == g.get_json()["id"]
    c = u.post(f"/api/v1/posts/{r.get_json()['id']}/comments", json={"text": "hi"})
    assert c.status_code == 201 and c.headers["Location"].endswith("/comments")


def test_etag_and_if_none_match_give_304(make_user, client):
    u = make_user("etag")
    pid = u.post("/api/v1/posts", json={"text": "tagged"}).get_json()["id"]
    for url in (f"/api/v1/posts/{pid}", f"/api/v1/users/{u.username}", "/api/v1/openapi.json"):
        first = u.get(url)
        tag = first.headers["ETag"]
        assert first.status_code == 200 and "Authorization" in first.headers.get("Vary", "")
        again = u.client.get(url, headers={**u.headers, "If-None-Match": tag})
        assert again.status_code == 304 and again.get_data() == b""
    # a change makes a new tag
    tag = u.get(f"/api/v1/posts/{pid}").headers["ETag"]
    u.patch(f"/api/v1/posts/{pid}", json={"text": "tagged again"})
    assert u.client.get(f"/api/v1/posts/{pid}", headers={**u.headers, "If-None-Match": tag}).status_code == 200


def test_paged_lists_carry_a_link_to_the_next_page(make_user):
    u = make_user("link")
    for i in range(3):
        u.post("/api/v1/posts", json={"text": f"p{i}"})
    r = u.get(f"/api/v1/users/{u.username}/posts", query_string={"limit": 2})
    nxt = r.get_json()["next_cursor"]
    assert nxt and r.headers["Link"].endswith('; rel="next"')
    url = r.headers["Link"].split(";")[0].strip("<>")
    assert "limit=2" in url and "cursor=" in url
    last = u.get(url[url.index("/api/"):])
    assert last.status_code == 200 and len(last.get_json()["items"]) == 1 and "Link" not in last.headers


def test_home_and_notifications_poll_for_what_is_newer(make_user):
    a, b = make_user("newa"), make_user("newb")
    assert a.put(f"/api/v1/users/{b.username}/follow").status_code == 200
    ids = [b.post("/api/v1/posts", json={"text": f"n{i}"}).get_json()["id"] for i in range(5)]
    home = a.get("/api/v1/feeds/home").get_json()["items"]
    assert [p["id"] for p in home[:5]] == ids[::-1]
    newer = a.get("/api/v1/feeds/home", query_string={"since_id": ids[1], "limit": 2}).get_json()["items"]
    assert [p["id"] for p in newer] == [ids[4], ids[3]]  # the newest two
    adjacent = a.get("/api/v1/feeds/home", query_string={"min_id": ids[1], "limit": 2}).get_json()["items"]
    assert [p["id"] for p in adjacent] == [ids[3], ids[2]]  # immediately newer: no gap
    assert a.get("/api/v1/feeds/home", query_string={"since_id": ids[4]}).get_json()["items"] == []
    assert a.get("/api/v1/feeds/home", query_string={"since_id": "nope"}).status_code == 400
    # notifications: b follows a, then reacts twice
    b.put(f"/api/v1/users/{a.username}/follow")
    pa = a.post("/api/v1/posts", json={"text": "react to me"}).get_json()["id"]
    first = a.get("/api/v1/notifications").get_json()["items"]
    assert first
    assert b.put(f"/api/v1/posts/{pa}/reaction", json={"type": "like"}).status_code == 200
    newer = a.get("/api/v1/notifications", query_string={"since_id": first[0]["id"]}).get_json()["items"]
    assert newer and all(n["seq"] > first[0]["seq"] for n in newer)
    assert a.get("/api/v1/notifications", query_string={"since_id": newer[0]["id"]}).get_json()["items"] == []


def test_wrong_content_type_is_415_not_422(make_user):
    u = make_user("ctype")
    r = u.post("/api/v1/posts", data="hello", content_type="text/plain")
    assert r.status_code == 415 and r.mimetype == "application/problem+json"
    assert r.get_json()["type"].endswith("/unsupported-media-type")
    assert u.post("/api/v1/posts", json={"text": "fine"}).status_code == 201


def test_bad_token_detail_is_plain_words(client):
    for token in ("x.\xb7y.z", "abc", "a.b.c"):
        r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401
        detail = r.get_json()["detail"]
        assert "codec" not in detail and "byte" not in detail and "segments" not in detail.lower(), detail
