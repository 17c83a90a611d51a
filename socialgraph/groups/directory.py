"""Groups: membership and roles in the graph, content in MongoDB.

Graph (``cypher/groups/``):

- ``(:Group {uid, name, name_lower, description, privacy, cover_key, created_at})``
- ``(:User)-[:MEMBER_OF {role: 'admin'|'moderator'|'member', owner, since, notify}]->(:Group)``;
  exactly one member has ``owner: true`` and the owner is always an admin,
  so a group never ends without an admin.
- ``(:User)-[:REQUESTED_JOIN {created_at}]->(:Group)``,
  ``(:User)-[:INVITED_TO {by, created_at}]->(:Group)``,
  ``(:User)-[:BANNED_FROM {by, created_at}]->(:Group)``.

Privacy:

- ``public``: anyone sees the group and its content and joins at once.
- ``private``: anyone sees the group (name, description, member count);
  content (posts, comments, members, events) is for members only; joining is
  by request (approved by an admin or moderator) or invitation.
- ``secret``: does not exist for non-members (404, absent from search and
  suggestions) except for users holding an invitation; invitation only.

Non-members asking for private or secret content get 404, never 403, so the
answer leaks nothing. Roles: admins edit the group, change roles and remove
or ban anyone but the owner; moderators approve join requests, pin posts and
remove or ban plain members; members post, comment, invite and RSVP.

MongoDB: group posts are ``posts`` documents with ``group_id`` and
``visibility: "group"`` (made by :func:`socialgraph.content.posts.create_post`, so
comments and reactions work as on profile posts) plus ``pinned_at`` for
announcements; ``group_events`` and ``event_rsvps`` hold events.
"""
from __future__ import annotations

import uuid

from flask import current_app

from socialgraph import stores
from socialgraph.content.images import (
    presigned_url,
    put_jpeg,
    reencode_jpeg,
)
from socialgraph.content.visibility import register_group_reader
from socialgraph.core import clock
from socialgraph.core.errors import Forbidden, NotFound, ValidationFailed
from socialgraph.core.pagination import (
    Page,
    as_utc,
    clamp_limit,
    decode_cursor,
    encode_cursor,
)
from socialgraph.graph.people import resolve_uid
from socialgraph.graph.relations import blocked_either_way
from socialgraph.stores import readcache

PRIVACY = ("public", "private", "secret")
ROLES = ("admin", "moderator", "member")
RANK = {"member": 1, "moderator": 2, "admin": 3}
RSVP = ("going", "interested", "not_going")
#: how closely a member follows a group: every post, highlights (default), nothing
NOTIFY_LEVELS = ("all", "highlights", "off")
MAX_NAME = 100
MAX_DESCRIPTION = 2000
#: covers are stored under ``groups/<group_uid>/cover.jpg``
COVER_KEY = "groups/{group_id}/cover.jpg"


def _graph():
    return stores.graph()


def _db():
    return stores.mongo()


# -- reading a group and the caller's standing ---------------------------------
def _load(group_id: str, viewer: str | None) -> dict:
    """Graph row of ``get_group`` or :class:`NotFound`; secret groups are
    :class:`NotFound` for anyone who is neither a member nor invited."""
    rows = _graph().read("groups/get_group", group_id=str(group_id), viewer=viewer)
    if not rows:
        raise NotFound("group not found")
    row = rows[0]
    if row["grp"]["privacy"] == "secret" and not row["role"] and not row["invited"]:
        raise NotFound("group not found")
    return row


def _present(row: dict) -> dict:
    g = row["grp"]
    out = {"id": g["uid"], "name": g["name"], "description": g.get("description") or "",
           "privacy": g["privacy"], "created_at": as_utc(g.get("created_at")),
           "cover_url": presigned_url(g.get("cover_key")), "member_count": row.get("member_count", 0)}
    if "role" in row:
        out["viewer"] = {"role": row.get("role"), "owner": bool(row.get("owner")),
                         "invited": bool(row.get("invited")), "requested": bool(row.get("requested")),
                         "banned": bool(row.get("banned")),
                         "notifications": row.get("notify") if row.get("role") else None}
    return out


def can_read_group_content(viewer: str | None, group_id: str) -> bool:
    """Whether ``viewer`` (uid or ``None``) may read posts, comments, members
    and events of ``group_id``: anyone for a public group, members only for
    private and secret groups; ``False`` for an unknown group.

    The one check every read path of group content uses (also
    ``socialgraph.content.visibility`` for posts carrying a ``group_id``).
    """
    rows = _graph().read("groups/get_group", group_id=str(group_id), viewer=viewer)
    if not rows:
        return False
    row = rows[0]
    return row["grp"]["privacy"] == "public" or bool(row["role"])


def _readable(group_id: str, viewer: str | None) -> dict:
    """The group row if ``viewer`` may read its content, else :class:`NotFound`."""
    row = _load(group_id, viewer)
    if row["grp"]["privacy"] != "public" and not row["role"]:
        raise NotFound("group not found")
    return row


def _member(group_id: str, actor: str, min_role: str = "member") -> dict:
    """The group row if ``actor`` is a member with at least ``min_role``.

    Raises :class:`NotFound` (unknown group, or private/secret and not a
    member) and :class:`Forbidden` (public group and not a member, or a
    lower role).
    """
    row = _load(group_id, actor)
    if not row["role"]:
        if row["grp"]["privacy"] != "public":
            raise NotFound("group not found")
        raise Forbidden("only members of this group can do this")
    if RANK[row["role"]] < RANK[min_role]:
        raise Forbidden(f"only a group {min_role} or above can do this")
    return row


def _user(username: str) -> str:
    return resolve_uid(username)


def _visible_user(actor: str, username: str) -> str:
    """uid of ``username``; users blocked either way are :class:`NotFound`."""

    uid = _user(username)
    if uid in blocked_either_way(actor):
        raise NotFound(f"no user named {username!r}")
    return uid


def _standing(group_id: str, uid: str) -> dict:
    rows = _graph().read("groups/get_member", group_id=group_id, user=uid)
    if not rows:
        raise NotFound("group not found")
    return rows[0]


# -- create, edit, list ------------------------------------------------------
def _check_fields(name: str | None, description: str | None, privacy: str | None) -> None:
    errors = []
    if name is not None and not (1 <= len(name.strip()) <= MAX_NAME):
        errors.append({"field": "name", "message": f"1 to {MAX_NAME} characters"})
    if description is not None and len(description) > MAX_DESCRIPTION:
        errors.append({"field": "description", "message": f"at most {MAX_DESCRIPTION} characters"})
    if privacy is not None and privacy not in PRIVACY:
        errors.append({"field": "privacy", "message": "one of " + ", ".join(PRIVACY)})
    if errors:
        raise ValidationFailed("invalid group", errors=errors)


def create_group(owner: str, name: str, description: str = "", privacy: str = "public") -> dict:
    """Create a group owned by ``owner`` (its first admin). Returns the group
    (:func:`get_group` shape). Raises :class:`ValidationFailed`."""
    _check_fields(name, description, privacy)
    uid = uuid.uuid4().hex
    name = name.strip()
    rows = _graph().write("groups/create_group", owner=owner, uid=uid, group_name=name, name_lower=name.lower(),
                          description=description or "", privacy=privacy, cover_key=None,
                          created_at=clock.now())
    if not rows:
        raise NotFound("user not found")
    forget_member_groups(owner)
    return get_group(uid, owner)


def get_group(group_id: str, viewer: str | None = None) -> dict:
    """``{id, name, description, privacy, created_at, cover_url, member_count,
    viewer: {role, owner, invited, requested, banned}}``. Secret groups are
    :class:`NotFound` for non-members without an invitation."""
    return _present(_load(group_id, viewer))


def update_group(group_id: str, actor: str, name: str | None = None, description: str | None = None,
                 privacy: str | None = None) -> dict:
    """Edit name, description and/or privacy (admins only). Raises
    :class:`NotFound`, :class:`Forbidden`, :class:`ValidationFailed`."""
    _member(group_id, actor, "admin")
    _check_fields(name, description, privacy)
    name = name.strip() if name is not None else None
    _graph().write("groups/update_group", group_id=group_id, group_name=name,
                   name_lower=name.lower() if name else None, description=description,
                   privacy=privacy, cover_key=None)
    return get_group(group_id, actor)


def set_cover(group_id: str, actor: str, data: bytes) -> dict:
    """Replace the cover image (admins only): verified and re-encoded by
    :func:`socialgraph.content.images.reencode_jpeg`, stored at ``groups/<id>/cover.jpg``."""

    _member(group_id, actor, "admin")
    jpeg = reencode_jpeg(data, field="cover")
    key = COVER_KEY.format(group_id=group_id)
    put_jpeg(key, jpeg)
    _graph().write("groups/update_group", group_id=group_id, group_name=None, name_lower=None, description=None,
                   privacy=None, cover_key=key)
    return get_group(group_id, actor)


def search_groups(viewer: str | None, q: str | None = None, cursor: str | None = None,
                  limit: int | None = None) -> Page:
    """Groups whose name contains ``q`` (case-insensitive; all groups without
    ``q``), by name; secret groups only for their members. Keyset page of
    :func:`get_group`-shaped items without ``viewer``."""
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "name", "uid")
    rows = _graph().read("groups/search_groups", q=(q or "").strip().lower() or None, viewer=viewer,
                         after_name=str(key["name"]) if key else None,
                         after_uid=str(key["uid"]) if key else None, limit=limit + 1)
    items = [_present(r) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor({"name": last["name_lower"], "uid": last["grp"]["uid"]})
    return Page(items, next_cursor)


def user_groups(uid: str) -> list[dict]:
    """Groups ``uid`` belongs to, with ``viewer.role``/``viewer.owner``, by name."""
    return [_present({**r, "invited": False, "requested": False, "banned": False})
            for r in _graph().read("groups/list_user_groups", uid=uid)]




































































# -- suggestions ------------------------------------------------------------------
def suggest_groups(uid: str, limit: int = 10) -> list[dict]:
    """Groups ``uid``'s friends belong to (never secret), most friends first:
    group shape plus ``friends_in_group``."""
    rows = _graph().read("groups/suggest_groups", uid=uid, limit=max(1, min(int(limit), 50)))
    return [{**_present(r), "friends_in_group": r["friends"]} for r in rows]


def suggest_people(uid: str, limit: int = 10) -> list[dict]:
    """Friend suggestions from shared groups (``cypher/groups/suggest_people_from_groups``):
    ``[{uid, username, display_name, groups_in_common}]``."""
    rows = _graph().read("groups/suggest_people_from_groups", uid=uid, limit=max(1, min(int(limit), 50)))
    return [dict(r) for r in rows]















register_group_reader(can_read_group_content)


MEMBER_GROUPS_KEY = "sg:groups:{uid}"


def member_group_ids(uid: str) -> list[str]:
    """uids of the groups ``uid`` belongs to (home feed): a Redis copy
    (``sg:groups:<uid>``, ``FOLLOWING_CACHE_SECONDS``) dropped by
    :func:`forget_member_groups` on every membership change, else one graph query."""

    return readcache.read_through(
        MEMBER_GROUPS_KEY.format(uid=uid), int(current_app.config["FOLLOWING_CACHE_SECONDS"]),
        lambda: [r["uid"] for r in _graph().read("groups/list_member_group_uids", uid=uid)])


def forget_member_groups(*uids: str) -> None:
    """After a membership write (join, approve, leave, removal, ban, creation)."""

    readcache.invalidate(*[MEMBER_GROUPS_KEY.format(uid=u) for u in uids])
