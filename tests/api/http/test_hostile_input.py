"""Issue 16 item 8: hostile input is a 4xx problem (or 503), never a 500.

Forged cursors for every list operation the OpenAPI document declares,
``?since=`` beyond 64 bits, lone surrogates in JSON strings, JSON nested
100,000 levels deep, over-long URIs and headers, and a graph server that
restarted under the driver.
"""
from __future__ import annotations

import base64
import json

import pytest

from socialgraph import stores
from tests.conftest import unique

PROBLEM = "application/problem+json"

#: A well-typed value for every cursor field; each forged cursor poisons one.
GOOD = {"at": 1700000000000, "id": "0" * 24, "uid": "abc", "m": 1, "rank": 1.5, "seq": 1, "u": "a", "name": "a"}
#: field -> JSON texts of poisoned values (text, so NaN and Infinity can be written)
POISON = {
    "at": ["1e20", "100000000000000000000", "-100000000000000000000", '"x"', "true", "null", "NaN", "1.5"],
    "seq": ["1e20", "100000000000000000000", '"1"', "true", "-1", "NaN"],
    "m": ['"x"', "true", "1e300", "NaN", "[]"],
    "rank": ["true", '"x"', "NaN", "Infinity", "-Infinity", "1e400", "{}"],
    "id": ['{"$gt": ""}', "5", "[]", '"' + "x" * 5000 + '"'],
    "uid": ['{"$ne": null}', "7", "[]"],
    "u": ['{"$gt": ""}', "false"],
    "name": ["[1]", "3"],
}


def b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


def refused_cursors() -> list[str]:
    """Cursors no list may accept: garbage, or every field poisoned at once
    (each list reads at least one of the fields)."""
    out = ["%%%", "AAAA", b64("[]"), b64('"x"'), b64("[" * 5000 + "]" * 5000), b64("{}"), "x" * 3000]
    for i in range(max(len(v) for v in POISON.values())):
        out.append(b64("{" + ", ".join(f'"{k}": {v[i % len(v)]}' for k, v in POISON.items()) + "}"))
    return out


def one_field_cursors() -> list[str]:
    """Well-typed cursors with one field poisoned: a 4xx where the list reads
    that field, an ordinary page where it does not; never a 5xx."""
    out = []
    for field, values in POISON.items():
        for value in values:
            parts = [f'"{k}": {json.dumps(v)}' for k, v in GOOD.items() if k != field]
            out.append(b64("{" + ", ".join(parts + [f'"{field}": {value}']) + "}"))
    return out


@pytest.fixture(scope="module")
def world(app):
    """Two users with one of everything a list path can name; the actor is an admin."""
    c = app.test_client()
    from tests.conftest import ApiUser, verify_user

    def user(prefix):
        name = unique(prefix)
        r = c.post("/api/v1/auth/register", json={"username": name, "email": f"{name}@example.test",
                                                  "password": "correct horse battery"})
        verify_user(c, r.get_json()["uid"], f"{name}@example.test")
        tokens = c.post("/api/v1/auth/login", json={"login": name, "password": "correct horse battery"}).get_json()
        return ApiUser(c, name, f"{name}@example.test", "correct horse battery", tokens, r.get_json()["uid"])

    a, b = user("hx_a"), user("hx_b")
    with app.app_context():
        stores.mongo().accounts.update_one({"_id": a.uid}, {"$set": {"role": "admin"}})
    b.put(f"/api/v1/users/{a.username}/follow")
    post = a.post("/api/v1/posts", json={"text": "hostile #hostiletag"}).get_json()
    comment = b.post(f"/api/v1/posts/{post['id']}/comments", json={"text": "c"}).get_json()
    group = a.post("/api/v1/groups", json={"name": unique("hxg")}).get_json()
    conv = a.post("/api/v1/conversations", json={"members": [b.username]}).get_json()
    lst = a.post("/api/v1/me/lists", json={"name": "l"}).get_json()
    return {"actor": a, "values": {
        "username": b.username, "post_id": post["id"], "comment_id": comment["id"], "group_id": group["id"],
        "conversation_id": conv["id"], "list_id": lst["id"], "tag": "hostiletag"}}


def list_operations(client) -> list[str]:
    """Every GET path of the OpenAPI document that takes ``cursor``."""
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = []
    for path, ops in spec["paths"].items():
        op = ops.get("get")
        if op and any(p.get("name") == "cursor" for p in op.get("parameters", []) + ops.get("parameters", [])):
            paths.append(path)
    return paths


def test_forged_cursors_on_every_list_operation_are_4xx_problems(client, world):
    paths = list_operations(client)
    assert len(paths) >= 25, paths  # the document really lists them
    actor, values = world["actor"], world["values"]
    refused, one_field = refused_cursors(), one_field_cursors()
    failures, n = [], 0
    for template in paths:
        path = template
        for name, value in values.items():
            path = path.replace("{" + name + "}", str(value))
        assert "{" not in path, f"no test value for a parameter of {template}"
        ok = actor.get(path, query_string={"q": "hostile"})
        assert ok.status_code == 200, (path, ok.status_code, ok.get_json())
        for cursor in refused + one_field:
            r = actor.get(path, query_string={"cursor": cursor, "q": "hostile"})
            n += 1
            is_problem = 400 <= r.status_code < 500 and r.mimetype == PROBLEM
            if not is_problem and (cursor in refused or r.status_code != 200):
                failures.append((template, base64.urlsafe_b64decode(cursor + "===")[:80]
                                 if cursor[:1].isalnum() else cursor[:20], r.status_code))
    assert not failures, f"{len(failures)} of {n} forged cursors not refused: {failures[:20]}"


@pytest.mark.parametrize("since", [2 ** 64, 10 ** 30, -1, "1e5", "NaN"])
def test_since_beyond_64_bits_is_4xx(world, since):
    r = world["actor"].get("/api/v1/notifications", query_string={"since": str(since)})
    assert (r.status_code, r.mimetype) == (422, PROBLEM), (since, r.get_json())


SURROGATE = '"\\ud800"'


@pytest.mark.parametrize("path,template", [
    ("/api/v1/auth/login", '{"login": %s, "password": "x"}'),
    ("/api/v1/auth/login", '{"login": "someone", "password": %s}'),
    ("/api/v1/auth/register", '{"username": "abcdef", "email": "a@example.test", "password": %s}'),
    ("/api/v1/auth/register", '{"username": "abcdefg", "email": "a@example.test", '
                              '"password": "a long enough password", "display_name": %s}'),
    ("/api/v1/posts", '{"text": %s}'),
    ("/api/v1/posts", '{"text": "ok", %s: 1}'),
    ("/api/v1/me/lists", '{"name": %s}'),
    ("/api/v1/groups", '{"name": %s}'),
    ("/api/v1/auth/password-reset", '{"email": %s}'),
])
def test_lone_surrogate_in_any_json_string_is_400(client, world, path, template):
    actor = world["actor"]
    before = _post_count(client.application, actor.uid)
    r = client.post(path, data=template % SURROGATE, content_type="application/json", headers=actor.headers)
    assert r.status_code == 400 and r.mimetype == PROBLEM, (path, r.status_code, r.get_json())
    assert r.get_json()["type"] == "/problems/malformed-request"
    assert _post_count(client.application, actor.uid) == before  # nothing half-written


def _post_count(app, uid):
    with app.app_context():
        return stores.mongo().posts.count_documents({"author_id": uid})


@pytest.mark.parametrize("depth", [100_000, 1_000, 33])
def test_deeply_nested_json_is_400(client, world, depth):
    for body in ("[" * depth + "]" * depth, '{"text": ' + '{"a": ' * depth + "1" + "}" * depth + "}"):
        for path in ("/api/v1/posts", "/api/v1/auth/login"):
            r = client.post(path, data=body, content_type="application/json", headers=world["actor"].headers)
            assert r.status_code == 400 and r.mimetype == PROBLEM, (path, depth, r.status_code)


def test_ordinary_nesting_still_works(world):
    r = world["actor"].post("/api/v1/posts", json={"text": "flat enough 🙂 \u00e9"})
    assert r.status_code == 201 and r.get_json()["text"] == "flat enough 🙂 \u00e9"


def test_long_uri_and_header_are_problem_json(client, world):
    r = client.get("/api/v1/search/users?q=" + "a" * 5000, headers=world["actor"].headers)
    assert r.status_code == 414 and r.mimetype == PROBLEM
    r = client.get("/api/v1/me", headers={**world["actor"].headers, "X-Junk": "j" * 9000})
    assert r.status_code == 431 and r.mimetype == PROBLEM
    assert client.get("/api/v1/me", headers=world["actor"].headers).status_code == 200


def test_graph_restart_reconnects(stack, client, world):
    """Restart the graph server under a running app: the next requests either
    reconnect (200) or answer 503 problem+json, never a 500."""
    actor = world["actor"]
    assert actor.get(f"/api/v1/users/{actor.username}/followers").status_code == 200
    stack.stop_one("graph")
    try:
        r = actor.get(f"/api/v1/users/{actor.username}/followers")
        assert r.status_code == 503 and r.mimetype == PROBLEM and "Retry-After" in r.headers
    finally:
        stack.restart_one("graph")
    statuses = [actor.get(f"/api/v1/users/{actor.username}/followers").status_code for _ in range(3)]
    assert statuses == [200, 200, 200], statuses
    r = actor.post("/api/v1/posts", json={"text": "after the restart"})
    assert r.status_code == 201, r.get_json()
