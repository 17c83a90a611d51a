"""No user-controlled value reaches Cypher or a Mongo filter except as a parameter.

Generated from the OpenAPI document: every string field of every JSON
request body gets a MongoDB operator object (``{"$ne": null}`` and
``{"$gt": ""}``) and must be refused (422 naming the field), never matched
as an operator. Cypher fragments in text fields, usernames and path ids are
stored or looked up literally, and the graph is unchanged afterwards.
"""
from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.api.http.test_authorization_matrix import Ctx, path_values

OPERATORS = ({"$ne": None}, {"$gt": ""}, {"$regex": ".*"})
CYPHER = ["x' OR 1=1 //", "\"}) MATCH (n) DETACH DELETE n //", "a`) DETACH DELETE n RETURN (`",
          "' UNION MATCH (n) RETURN n.password_hash AS uid //", "$uid", "{uid: $uid}"]


def _resolve(spec, schema):
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def json_bodies(spec):
    """``(METHOD, path, path params, {field: schema}, required fields)`` of JSON request bodies."""
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method == "parameters":
                continue
            content = (op.get("requestBody") or {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = _resolve(spec, content["application/json"]["schema"])
            names = [p["name"] for p in op.get("parameters", []) + ops.get("parameters", []) if p.get("in") == "path"]
            yield method.upper(), path, names, schema.get("properties", {}), schema.get("required", [])


def _plausible(name, prop):
    if prop.get("enum"):
        return prop["enum"][0]
    if prop.get("format") == "email":
        return "someone@example.test"
    if "password" in name:
        return "a long enough password"
    if name == "code":
        return "123456"
    return "abcdefghijkl"


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


def test_operator_objects_in_every_json_text_field_are_refused(app, client, make_user, spec):
    owner, other = make_user("inj"), make_user("inj")
    ctx = Ctx(app, client, owner, other, other, other)
    tried, failures = 0, []
    for method, path, names, props, required in json_bodies(spec):
        url = None
        for field, prop in props.items():
            if _resolve(spec, prop).get("type") != "string":
                continue
            for op in OPERATORS:
                url = url or path.format(**path_values(ctx, path, names))  # refused before any change
                body = {k: _plausible(k, _resolve(spec, p)) for k, p in props.items() if k in required}
                body[field] = op
                r = client.open(url, method=method, json=body, headers=owner.headers)
                tried += 1
                fields = {e.get("field") for e in (r.get_json() or {}).get("errors", [])}
                if r.status_code != 422 or field not in fields:
                    failures.append(f"{method} {path} {field}={op}: {r.status_code} {r.get_json()}")
    assert tried > 40 and not failures, "\n".join(failures)
    # the account was not touched by any of it
    assert client.post("/api/v1/auth/login", json={"login": owner.username, "password": owner.password}).status_code == 200


def test_operator_login_does_not_match_any_account(client, make_user):
    make_user("inj")
    for body in ({"login": {"$ne": None}, "password": {"$ne": None}},
                 {"login": {"$gt": ""}, "password": "a long enough password"}):
        r = client.post("/api/v1/auth/login", json=body)
        assert r.status_code == 422 and "access_token" not in r.get_data(as_text=True)
    r = client.post("/api/v1/auth/password-reset", json={"email": {"$ne": None}})
    assert r.status_code == 422
    # query strings: an operator-looking key is just an unknown parameter
    r = client.get("/api/v1/feeds/discover", query_string={"cursor[$ne]": "x", "limit": 5})
    assert r.status_code == 200


def test_cypher_fragments_are_data(app, client, make_user):
    from socialgraph import stores

    user = make_user("cyp")
    with app.app_context():
        before = stores.graph().read("accounts/count_user", uid=user.uid)[0]
    for frag in CYPHER:
        seg = quote(frag.replace("/", "-"), safe="")  # one path segment
        # in usernames (path): just an unknown user
        for url in (f"/api/v1/users/{seg}", f"/api/v1/users/{seg}/followers", f"/api/v1/users/{seg}/posts"):
            r = client.get(url)
            assert r.status_code == 404, (url, r.status_code)
        assert user.put(f"/api/v1/users/{seg}/follow").status_code == 404
        assert user.put(f"/api/v1/users/{seg}/block").status_code == 404
        # in ids: not found
        assert client.get(f"/api/v1/posts/{seg}").status_code == 404
        assert client.get(f"/api/v1/posts/{seg}/comments").status_code == 404
        # in text fields: stored literally
        r = user.patch("/api/v1/me", json={"display_name": frag[:80], "bio": frag})
        assert r.status_code == 200 and r.get_json()["bio"] == frag
        r = user.post("/api/v1/posts", json={"text": frag})
        assert r.status_code == 201 and r.get_json()["text"] == frag
        # in registration: refused by the username rule, or stored literally as display name
        r = client.post("/api/v1/auth/register", json={"username": frag, "email": "c@example.test",
                                                       "password": "a long enough password"})
        assert r.status_code == 422
        r = client.post("/api/v1/auth/login", json={"login": frag, "password": "a long enough password"})
        assert r.status_code == 401
    assert client.get(f"/api/v1/users/{user.username}").get_json()["bio"] == CYPHER[-1]
    with app.app_context():
        after = stores.graph().read("accounts/count_user", uid=user.uid)[0]
        assert after == before and after["nodes"] == 1
        assert stores.graph().read("graph/users/get_uid_by_username", username=user.username)
