"""The authorisation matrix, generated from the OpenAPI document.

Every operation whose path has a parameter (an object id: post, comment,
session, export, import, user, ...) must have a row in :data:`MATRIX`, or
``test_every_object_endpoint_has_a_row`` fails. Each row says what each
caller gets, in the order of :data:`ROLES`:

- ``owner``: the user who owns the object (for ``{username}``: that user);
- ``stranger``: another signed-in user with no relationship to the owner;
- ``blocked``: a signed-in user the owner has blocked (a block answers as if
  the object did not exist: 404);
- ``non_member``: a signed-in user who is not a member of the group or
  conversation the object belongs to; for objects outside any membership it
  gets what a stranger gets;
- ``anonymous``: no token.

How to add a row (e.g. for a new ``GET /api/v1/groups/{group_id}``):

1. add ``("GET", "/api/v1/groups/{group_id}"): ((owner, stranger, blocked,
   non_member, anonymous), body_or_None)`` to :data:`MATRIX`;
2. if the path parameter is new, add a factory to :data:`OBJECTS` that makes
   a fresh object owned by ``ctx.owner`` (and, for memberships, not joined
   by ``ctx.non_member``) and returns its id.

Roles are tried in the order anonymous, blocked, non_member, stranger,
owner, on a fresh object per row, so a destructive call by the owner comes last.
"""
from __future__ import annotations

import io
import json
import zipfile

import pytest

ROLES = ("owner", "stranger", "blocked", "non_member", "anonymous")
RUN_ORDER = ("anonymous", "blocked", "non_member", "stranger", "owner")

TEXT = {"text": "matrix text"}
LIKE = {"type": "like"}

#: (method, path) -> ((owner, stranger, blocked, non_member, anonymous), json body)
MATRIX: dict[tuple[str, str], tuple[tuple[int, int, int, int, int], dict | None]] = {
    ("GET", "/api/v1/problems/{slug}"): ((200, 200, 200, 200, 200), None),
    # users (owner = the user named in the path)
    ("GET", "/api/v1/users/{username}"): ((200, 200, 404, 200, 200), None),
    ("PUT", "/api/v1/users/{username}/follow"): ((422, 200, 404, 200, 401), None),
    ("DELETE", "/api/v1/users/{username}/follow"): ((200, 200, 404, 200, 401), None),
    ("GET", "/api/v1/users/{username}/followers"): ((200, 200, 404, 200, 200), None),
    ("GET", "/api/v1/users/{username}/following"): ((200, 200, 404, 200, 200), None),
    ("GET", "/api/v1/users/{username}/posts"): ((200, 200, 404, 200, 200), None),
    # a blocked user may block or mute back (as on Mastodon)
    ("PUT", "/api/v1/users/{username}/block"): ((422, 200, 200, 200, 401), None),
    ("DELETE", "/api/v1/users/{username}/block"): ((422, 200, 200, 200, 401), None),
    ("PUT", "/api/v1/users/{username}/mute"): ((422, 200, 200, 200, 401), None),
    ("DELETE", "/api/v1/users/{username}/mute"): ((422, 200, 200, 200, 401), None),
    # posts and comments
    ("GET", "/api/v1/posts/{post_id}"): ((200, 200, 404, 200, 200), None),
    ("PATCH", "/api/v1/posts/{post_id}"): ((200, 403, 404, 403, 401), TEXT),
    ("DELETE", "/api/v1/posts/{post_id}"): ((204, 403, 404, 403, 401), None),
    ("GET", "/api/v1/posts/{post_id}/comments"): ((200, 200, 404, 200, 200), None),
    ("POST", "/api/v1/posts/{post_id}/comments"): ((201, 201, 404, 201, 401), TEXT),
    ("PUT", "/api/v1/posts/{post_id}/reaction"): ((200, 200, 404, 200, 401), LIKE),
    ("DELETE", "/api/v1/posts/{post_id}/reaction"): ((200, 200, 404, 200, 401), None),
    ("PATCH", "/api/v1/comments/{comment_id}"): ((200, 403, 404, 403, 401), TEXT),
    ("DELETE", "/api/v1/comments/{comment_id}"): ((204, 403, 404, 403, 401), None),
    ("PUT", "/api/v1/comments/{comment_id}/reaction"): ((200, 200, 404, 200, 401), LIKE),
    ("DELETE", "/api/v1/comments/{comment_id}/reaction"): ((200, 200, 404, 200, 401), None),
    # the caller's own things: anyone else's id is a 404
    ("DELETE", "/api/v1/me/sessions/{session_id}"): ((204, 404, 404, 404, 401), None),
    ("GET", "/api/v1/me/exports/{export_id}"): ((200, 404, 404, 404, 401), None),
    ("GET", "/api/v1/me/imports/{import_id}"): ((200, 404, 404, 404, 401), None),
}


class Ctx:
    def __init__(self, app, client, owner, stranger, blocked, non_member):
        self.app, self.client = app, client
        self.owner, self.stranger, self.blocked, self.non_member = owner, stranger, blocked, non_member


def _post(ctx):
    return ctx.owner.post("/api/v1/posts", json={"text": "owner's post"}).get_json()["id"]


def _comment(ctx):
    pid = _post(ctx)
    return ctx.owner.post(f"/api/v1/posts/{pid}/comments", json={"text": "owner's comment"}).get_json()["id"]


def _session(ctx):
    from flask_jwt_extended import decode_token

    r = ctx.client.post("/api/v1/auth/login", json={"login": ctx.owner.username, "password": ctx.owner.password})
    with ctx.app.app_context():
        return decode_token(r.get_json()["access_token"])["sid"]


def _export(ctx):
    return ctx.owner.post("/api/v1/me/exports").get_json()["id"]


def _import(ctx):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": "socialgraph-export", "version": 1}))
    r = ctx.client.post("/api/v1/me/imports", headers=ctx.owner.headers, content_type="multipart/form-data",
                        data={"archive": (io.BytesIO(buf.getvalue()), "a.zip")})
    return r.get_json()["id"]


#: path parameter -> factory of a fresh object owned by ctx.owner (returns the value for the path)
OBJECTS = {
    "slug": lambda ctx: "not-found",
    "username": lambda ctx: ctx.owner.username,
    "post_id": _post,
    "comment_id": _comment,
    "session_id": _session,
    "export_id": _export,
    "import_id": _import,
}


def object_operations(spec: dict) -> list[tuple[str, str, list[str]]]:
    """``(METHOD, path, [path parameter names])`` of every operation with a path parameter."""
    out = []
    for path, ops in spec["paths"].items():
        shared = [p["name"] for p in ops.get("parameters", []) if p.get("in") == "path"]
        for method, op in ops.items():
            if method == "parameters":
                continue
            names = shared + [p["name"] for p in op.get("parameters", []) if p.get("in") == "path"]
            if names:
                out.append((method.upper(), path, names))
    return out


def missing_rows(spec: dict) -> list[str]:
    return [f"{m} {p}" for m, p, _ in object_operations(spec) if (m, p) not in MATRIX]


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


def test_every_object_endpoint_has_a_row(spec):
    missing = missing_rows(spec)
    assert not missing, "add these to tests/api/test_authorization_matrix.py MATRIX:\n" + "\n".join(missing)
    ops = {(m, p) for m, p, _ in object_operations(spec)}
    stale = [k for k in MATRIX if k not in ops]
    assert not stale, f"rows for endpoints that no longer exist: {stale}"
    params = {n for _, _, names in object_operations(spec) for n in names}
    assert params <= set(OBJECTS), f"no object factory for {params - set(OBJECTS)}"


def test_a_new_endpoint_without_a_row_is_reported(spec):
    fake = {"paths": {**spec["paths"], "/api/v1/groups/{group_id}": {"get": {"parameters": [
        {"in": "path", "name": "group_id", "required": True, "schema": {"type": "string"}}]}}}}
    assert missing_rows(fake) == ["GET /api/v1/groups/{group_id}"]


def test_authorisation_matrix(app, client, make_user, spec):
    from socialgraph import relations

    users = {role: make_user(role[:5]) for role in ("owner", "stranger", "blocked", "non_member")}
    ctx = Ctx(app, client, **users)
    assert users["owner"].put(f"/api/v1/users/{users['blocked'].username}/block").status_code == 200
    failures = []
    for method, path, names in object_operations(spec):
        expected, body = MATRIX[(method, path)]
        values = {n: OBJECTS[n](ctx) for n in names}
        url = path.format(**values)
        for role in RUN_ORDER:
            headers = users[role].headers if role != "anonymous" else {}
            r = client.open(url, method=method, json=body, headers=headers)
            want = expected[ROLES.index(role)]
            if r.status_code != want:
                failures.append(f"{method} {path} as {role}: {r.status_code} (expected {want}) {r.get_json()}")
        if "/block" in path or "/mute" in path:  # back to the base state: only owner -> blocked
            with app.app_context():
                for role in ("stranger", "blocked", "non_member"):
                    relations.unblock(users[role].uid, users["owner"].username)
                    relations.unmute(users[role].uid, users["owner"].username)
                relations.block(users["owner"].uid, users["blocked"].username)
    assert not failures, "\n".join(failures)
