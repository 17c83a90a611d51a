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
    ("GET", "/api/v1/comments/{comment_id}"): ((200, 200, 404, 200, 200), None),
    ("PATCH", "/api/v1/comments/{comment_id}"): ((200, 403, 404, 403, 401), TEXT),
    ("DELETE", "/api/v1/comments/{comment_id}"): ((204, 403, 404, 403, 401), None),
    ("PUT", "/api/v1/comments/{comment_id}/reaction"): ((200, 200, 404, 200, 401), LIKE),
    ("DELETE", "/api/v1/comments/{comment_id}/reaction"): ((200, 200, 404, 200, 401), None),
    # the caller's own things: anyone else's id is a 404
    ("DELETE", "/api/v1/me/sessions/{session_id}"): ((204, 404, 404, 404, 401), None),
    ("GET", "/api/v1/me/exports/{export_id}"): ((200, 404, 404, 404, 401), None),
    ("GET", "/api/v1/me/imports/{import_id}"): ((200, 404, 404, 404, 401), None),
    # posts: edit history, shares, reaction lists
    ("GET", "/api/v1/posts/{post_id}/history"): ((200, 200, 404, 200, 200), None),
    ("POST", "/api/v1/posts/{post_id}/shares"): ((201, 201, 404, 201, 401), {}),
    ("GET", "/api/v1/posts/{post_id}/reactions"): ((200, 200, 404, 200, 200), None),
    ("GET", "/api/v1/comments/{comment_id}/reactions"): ((200, 200, 404, 200, 200), None),
    # friends (owner = the user named in the path; for /me/friend-requests/{username}
    # the owner has sent a request to stranger and non_member first)
    ("POST", "/api/v1/users/{username}/friend-request"): ((422, 201, 404, 201, 401), None),
    ("DELETE", "/api/v1/users/{username}/friend-request"): ((422, 200, 404, 200, 401), None),  # they requested first
    ("POST", "/api/v1/me/friend-requests/{username}/accept"): ((422, 200, 404, 200, 401), None),
    ("POST", "/api/v1/me/friend-requests/{username}/decline"): ((422, 200, 404, 200, 401), None),
    ("DELETE", "/api/v1/users/{username}/friend"): ((422, 200, 404, 200, 401), None),
    ("POST", "/api/v1/me/follow-requests/{username}/approve"): ((422, 409, 404, 409, 401), None),  # nothing pending
    ("POST", "/api/v1/me/follow-requests/{username}/reject"): ((422, 409, 404, 409, 401), None),
    ("GET", "/api/v1/users/{username}/friends"): ((200, 200, 404, 200, 200), None),
    ("GET", "/api/v1/users/{username}/mutual-friends"): ((422, 200, 404, 200, 401), None),
    ("GET", "/api/v1/users/{username}/connection"): ((422, 200, 404, 200, 401), None),
    ("PUT", "/api/v1/me/close-friends/{username}"): ((422, 200, 404, 200, 401), None),
    ("DELETE", "/api/v1/me/close-friends/{username}"): ((422, 200, 404, 200, 401), None),
    ("DELETE", "/api/v1/me/suggestions/{username}"): ((422, 204, 404, 204, 401), None),
    # the owner's named lists ({username} = ctx.target): nobody else's business
    ("DELETE", "/api/v1/me/lists/{list_id}"): ((204, 404, 404, 404, 401), None),
    ("GET", "/api/v1/me/lists/{list_id}/members"): ((200, 404, 404, 404, 401), None),
    ("PUT", "/api/v1/me/lists/{list_id}/members/{username}"): ((200, 404, 404, 404, 401), None),
    ("DELETE", "/api/v1/me/lists/{list_id}/members/{username}"): ((200, 404, 404, 404, 401), None),
    # media: an upload not attached to a post is the owner's alone
    ("POST", "/api/v1/media/{media_id}/complete"): ((409, 404, 404, 404, 401), None),  # nothing was PUT
    ("GET", "/api/v1/media/{media_id}"): ((200, 404, 404, 404, 404), None),
    ("PATCH", "/api/v1/media/{media_id}"): ((200, 404, 404, 404, 401), {"description": "matrix alt text"}),
    ("DELETE", "/api/v1/media/{media_id}"): ((204, 404, 404, 404, 401), None),
    # hashtags are public
    ("GET", "/api/v1/tags/{tag}"): ((200, 200, 200, 200, 200), None),
    ("GET", "/api/v1/tags/{tag}/posts"): ((200, 200, 200, 200, 200), None),
    # moderation: admins only (none of the roles is one)
    ("POST", "/api/v1/moderation/reports/{report_id}/actions"): ((403, 403, 403, 403, 401), {"action": "dismiss"}),
    # groups: a private group owned by owner; stranger is a plain member, blocked and
    # non_member are outsiders ({username} = ctx.target, a member or a join requester)
    ("GET", "/api/v1/groups/{group_id}"): ((200, 200, 200, 200, 200), None),
    ("PATCH", "/api/v1/groups/{group_id}"): ((200, 403, 404, 404, 401), {"description": "matrix"}),
    ("PUT", "/api/v1/groups/{group_id}/cover"): ((200, 403, 404, 404, 401), "cover"),
    ("POST", "/api/v1/groups/{group_id}/join"): ((200, 200, 200, 200, 401), None),
    ("DELETE", "/api/v1/groups/{group_id}/join"): ((200, 200, 200, 200, 401), None),
    ("POST", "/api/v1/groups/{group_id}/leave"): ((409, 204, 404, 404, 401), None),
    ("PUT", "/api/v1/groups/{group_id}/notifications"): ((200, 200, 404, 404, 401), {"level": "all"}),
    ("POST", "/api/v1/groups/{group_id}/invitations"): ((201, 201, 404, 404, 401), "invite"),
    ("DELETE", "/api/v1/groups/{group_id}/invitation"): ((200, 200, 200, 200, 401), None),
    ("GET", "/api/v1/groups/{group_id}/join-requests"): ((200, 403, 404, 404, 401), None),
    ("POST", "/api/v1/groups/{group_id}/join-requests/{username}/approve"): ((200, 403, 404, 404, 401), None),
    ("POST", "/api/v1/groups/{group_id}/join-requests/{username}/reject"): ((200, 403, 404, 404, 401), None),
    ("GET", "/api/v1/groups/{group_id}/members"): ((200, 200, 404, 404, 404), None),
    ("DELETE", "/api/v1/groups/{group_id}/members/{username}"): ((204, 403, 404, 404, 401), None),
    ("PUT", "/api/v1/groups/{group_id}/members/{username}/role"): ((200, 403, 404, 404, 401), {"role": "moderator"}),
    ("PUT", "/api/v1/groups/{group_id}/bans/{username}"): ((200, 403, 404, 404, 401), None),
    ("DELETE", "/api/v1/groups/{group_id}/bans/{username}"): ((200, 403, 404, 404, 401), None),
    ("POST", "/api/v1/groups/{group_id}/ownership"): ((200, 403, 404, 404, 401), "target"),
    ("POST", "/api/v1/groups/{group_id}/posts"): ((201, 201, 404, 404, 401), TEXT),
    ("GET", "/api/v1/groups/{group_id}/posts"): ((200, 200, 404, 404, 404), None),
    ("DELETE", "/api/v1/groups/{group_id}/posts/{post_id}"): ((204, 403, 404, 404, 401), None),
    ("PUT", "/api/v1/groups/{group_id}/posts/{post_id}/pin"): ((200, 403, 404, 404, 401), None),
    ("DELETE", "/api/v1/groups/{group_id}/posts/{post_id}/pin"): ((200, 403, 404, 404, 401), None),
    ("GET", "/api/v1/groups/{group_id}/announcements"): ((200, 200, 404, 404, 404), None),
    ("POST", "/api/v1/groups/{group_id}/events"): ((201, 201, 404, 404, 401), "event"),
    ("GET", "/api/v1/groups/{group_id}/events"): ((200, 200, 404, 404, 404), None),
    ("GET", "/api/v1/groups/{group_id}/events/{event_id}"): ((200, 200, 404, 404, 404), None),
    ("PUT", "/api/v1/groups/{group_id}/events/{event_id}/rsvp"): ((200, 200, 404, 404, 401), {"status": "going"}),
    ("GET", "/api/v1/groups/{group_id}/activity"): ((200, 403, 404, 404, 401), None),
    # stories (audience everyone): outside it, or blocked, is 404; viewers are the author's;
    # highlights are on the profile: others may see them (403 to change), blocked users may not
    ("GET", "/api/v1/stories/{story_id}"): ((200, 200, 404, 200, 401), None),
    ("DELETE", "/api/v1/stories/{story_id}"): ((204, 403, 404, 403, 401), None),
    ("GET", "/api/v1/stories/{story_id}/viewers"): ((200, 403, 404, 403, 401), None),
    ("PUT", "/api/v1/stories/{story_id}/reaction"): ((422, 200, 404, 200, 401), {"emoji": "🔥"}),
    ("POST", "/api/v1/stories/{story_id}/replies"): ((422, 201, 404, 201, 401), TEXT),
    ("GET", "/api/v1/users/{username}/stories"): ((200, 200, 404, 200, 401), None),
    ("GET", "/api/v1/users/{username}/highlights"): ((200, 200, 404, 200, 200), None),
    ("PATCH", "/api/v1/highlights/{highlight_id}"): ((200, 403, 404, 403, 401), {"title": "renamed"}),
    ("DELETE", "/api/v1/highlights/{highlight_id}"): ((204, 403, 404, 403, 401), None),
    # notifications and conversations of others do not exist (stranger is in the
    # conversation, non_member is not)
    ("POST", "/api/v1/notifications/{notification_id}/read"): ((200, 404, 404, 404, 401), None),
    ("GET", "/api/v1/conversations/{conversation_id}"): ((200, 200, 404, 404, 401), None),
    ("GET", "/api/v1/conversations/{conversation_id}/messages"): ((200, 200, 404, 404, 401), None),
    ("POST", "/api/v1/conversations/{conversation_id}/messages"): ((201, 201, 404, 404, 401), TEXT),
    ("POST", "/api/v1/conversations/{conversation_id}/read"): ((200, 200, 404, 404, 401), "message"),
    ("POST", "/api/v1/conversations/{conversation_id}/typing"): ((204, 204, 404, 404, 401), None),
    # profile pictures are public images (an <img> sends no token), blocked viewers included;
    # the owner here has no cover photo
    ("GET", "/api/v1/avatars/{uid}/{size}"): ((200, 200, 200, 200, 200), None),
    ("GET", "/api/v1/covers/{uid}/{size}"): ((404, 404, 404, 404, 404), None),
}


class Ctx:
    """The callers of a run; ``target`` is a third party some rows act on
    (a group member to remove, a user to add to a list); it defaults to the stranger."""

    def __init__(self, app, client, owner, stranger, blocked, non_member, target=None):
        self.app, self.client = app, client
        self.owner, self.stranger, self.blocked, self.non_member = owner, stranger, blocked, non_member
        self.target = target or stranger
        self.group_id = None
        self.deleting = False


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


def _list(ctx):
    return ctx.owner.post("/api/v1/me/lists", json={"name": "matrix list"}).get_json()["id"]


def _media(ctx):
    r = ctx.owner.post("/api/v1/media/uploads", json={"size": 1000, "content_type": "image/png"})
    return r.get_json()["media"]["id"]


def _report(ctx):
    r = ctx.owner.post("/api/v1/reports", json={"target_type": "user", "target_id": ctx.stranger.username,
                                                 "reason": "spam"})
    return r.get_json()["id"]


def _join_by_invitation(ctx, gid, user):
    ctx.owner.post(f"/api/v1/groups/{gid}/invitations", json={"username": user.username})
    assert user.post(f"/api/v1/groups/{gid}/join").get_json()["status"] == "member"


def _group(ctx):
    """A private group of the owner; the stranger is a plain member."""
    gid = ctx.owner.post("/api/v1/groups", json={"name": "matrix group", "privacy": "private"}).get_json()["id"]
    _join_by_invitation(ctx, gid, ctx.stranger)
    ctx.group_id = gid
    return gid


def _group_post(ctx):
    return ctx.owner.post(f"/api/v1/groups/{ctx.group_id}/posts", json=TEXT).get_json()["id"]


def _event(ctx):
    return ctx.owner.post(f"/api/v1/groups/{ctx.group_id}/events", json=_event_body(ctx)).get_json()["id"]


def _event_body(ctx):
    from datetime import datetime, timedelta, timezone

    return {"title": "matrix event", "starts_at": (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()}


def _story(ctx):
    return ctx.owner.post("/api/v1/stories", json={"text": "matrix story"}).get_json()["id"]


def _highlight(ctx):
    sid = _story(ctx)
    return ctx.owner.post("/api/v1/highlights", json={"title": "matrix", "story_ids": [sid]}).get_json()["id"]


def _notification(ctx):
    """A notification of the owner: the target follows them."""
    ctx.target.put(f"/api/v1/users/{ctx.owner.username}/follow")
    return ctx.owner.get("/api/v1/notifications").get_json()["items"][0]["id"]


def _conversation(ctx):
    """A conversation of the owner with the stranger (non_member is not in it)."""
    return ctx.owner.post("/api/v1/conversations", json={"members": [ctx.stranger.username]}).get_json()["id"]


#: path parameter -> factory of a fresh object owned by ctx.owner (returns the value for the path)
OBJECTS = {
    "slug": lambda ctx: "not-found",
    "username": lambda ctx: ctx.owner.username,
    "post_id": _post,
    "comment_id": _comment,
    "session_id": _session,
    "export_id": _export,
    "import_id": _import,
    "list_id": _list,
    "media_id": _media,
    "tag": lambda ctx: "matrixtag",
    "report_id": _report,
    "group_id": _group,
    "event_id": _event,
    "story_id": _story,
    "highlight_id": _highlight,
    "notification_id": _notification,
    "conversation_id": _conversation,
    "uid": lambda ctx: ctx.owner.uid,
    "size": lambda ctx: "96",
}


def path_values(ctx, path: str, names: list[str]) -> dict[str, str]:
    """Values of the path parameters of one operation, in order; parameters
    that live inside another object (a post or a member of a group, a member
    of a list) are made inside it."""
    values: dict[str, str] = {}
    for name in names:
        if name == "post_id" and "group_id" in values:
            values[name] = _group_post(ctx)
        elif name == "username" and "group_id" in values:
            if "/join-requests/" in path:
                assert ctx.target.post(f"/api/v1/groups/{values['group_id']}/join").status_code == 200
            else:
                _join_by_invitation(ctx, values["group_id"], ctx.target)
            values[name] = ctx.target.username
        elif name == "username" and "list_id" in values:
            if path.endswith("/members/{username}"):
                ctx.owner.put(f"/api/v1/me/lists/{values['list_id']}/members/{ctx.target.username}")
            values[name] = ctx.target.username
        elif name == "username" and path.startswith("/api/v1/me/friend-requests/"):
            for other in (ctx.stranger, ctx.non_member, ctx.blocked):
                ctx.owner.post(f"/api/v1/users/{other.username}/friend-request")
            values[name] = ctx.owner.username
        elif name == "username" and path == "/api/v1/users/{username}/friend-request" and ctx.deleting:
            for other in (ctx.stranger, ctx.non_member):
                other.post(f"/api/v1/users/{ctx.owner.username}/friend-request")
            values[name] = ctx.owner.username
        elif name == "username" and path == "/api/v1/users/{username}/friend":
            for other in (ctx.stranger, ctx.non_member):
                ctx.owner.post(f"/api/v1/users/{other.username}/friend-request")
                other.post(f"/api/v1/me/friend-requests/{ctx.owner.username}/accept")
            values[name] = ctx.owner.username
        else:
            values[name] = OBJECTS[name](ctx)
    return values


def request_kwargs(ctx, body, values: dict[str, str]) -> dict:
    """Keyword arguments of ``client.open`` for a row's body; a few bodies
    depend on the objects (named by a string)."""
    if body == "cover":
        from tests.mediafiles import png

        return {"data": {"image": (io.BytesIO(png()), "c.png")}, "content_type": "multipart/form-data"}
    if body == "invite":
        return {"json": {"username": ctx.target.username}}
    if body == "target":
        _join_by_invitation(ctx, values["group_id"], ctx.target)
        return {"json": {"username": ctx.target.username}}
    if body == "event":
        return {"json": _event_body(ctx)}
    if body == "message":
        cid = values["conversation_id"]
        mid = ctx.owner.post(f"/api/v1/conversations/{cid}/messages", json=TEXT).get_json()["id"]
        return {"json": {"message_id": mid}}
    return {"json": body}


def reset_relationships(app, users: dict) -> None:
    """Back to the base state: only owner -> blocked blocks, no friendships or requests."""
    from socialgraph.graph import friends
    from socialgraph.graph import blocks

    owner = users["owner"]
    with app.app_context():
        for role in ("stranger", "blocked", "non_member", "target"):
            other = users[role]
            blocks.unblock(other.uid, owner.username)
            blocks.unmute(other.uid, owner.username)
            for actor, name in ((owner.uid, other.username), (other.uid, owner.username)):
                for fn in (friends.cancel_request, friends.unfriend):
                    try:
                        fn(actor, name)
                    except Exception:
                        pass
        blocks.block(owner.uid, users["blocked"].username)


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
    assert not missing, "add these to tests/api/http/test_authorization_matrix.py MATRIX:\n" + "\n".join(missing)
    ops = {(m, p) for m, p, _ in object_operations(spec)}
    stale = [k for k in MATRIX if k not in ops]
    assert not stale, f"rows for endpoints that no longer exist: {stale}"
    params = {n for _, _, names in object_operations(spec) for n in names}
    assert params <= set(OBJECTS), f"no object factory for {params - set(OBJECTS)}"


def test_a_new_endpoint_without_a_row_is_reported(spec):
    fake = {"paths": {**spec["paths"], "/api/v1/widgets/{widget_id}": {"get": {"parameters": [
        {"in": "path", "name": "widget_id", "required": True, "schema": {"type": "string"}}]}}}}
    assert missing_rows(fake) == ["GET /api/v1/widgets/{widget_id}"]


def test_authorisation_matrix(app, client, make_user, spec):
    users = {role: make_user(role[:5]) for role in ("owner", "stranger", "blocked", "non_member", "target")}
    ctx = Ctx(app, client, **users)
    assert users["owner"].put(f"/api/v1/users/{users['blocked'].username}/block").status_code == 200
    failures = []
    for method, path, names in object_operations(spec):
        expected, body = MATRIX[(method, path)]
        ctx.deleting = method == "DELETE"
        values = path_values(ctx, path, names)
        url = path.format(**values)
        for role in RUN_ORDER:
            headers = users[role].headers if role != "anonymous" else {}
            r = client.open(url, method=method, headers=headers, **request_kwargs(ctx, body, values))
            want = expected[ROLES.index(role)]
            if r.status_code != want:
                failures.append(f"{method} {path} as {role}: {r.status_code} (expected {want}) {r.get_json()}")
        if any(w in path for w in ("/block", "/mute", "friend")):
            reset_relationships(app, users)
    assert not failures, "\n".join(failures)
