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
from collections import Counter
from datetime import timedelta

from flask import current_app
from pymongo import ReturnDocument

from socialgraph import stores
from socialgraph.content import postcache, posts
from socialgraph.content.images import (
    delete_object,
    presigned_url,
    put_jpeg,
    reencode_jpeg,
)
from socialgraph.content.posts import parse_id
from socialgraph.content.visibility import register_group_reader
from socialgraph.core import clock, events
from socialgraph.core.areas import register_area
from socialgraph.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from socialgraph.core.pagination import (
    Page,
    as_utc,
    clamp_limit,
    datetime_to_ms,
    decode_cursor,
    encode_cursor,
    ms_to_datetime,
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


# -- membership ----------------------------------------------------------------
def join(group_id: str, actor: str) -> dict:
    """Join a group: public groups and holders of an invitation become members
    at once (``{"status": "member"}``); a private group records a join request
    (``{"status": "requested"}``, event ``group.join_requested``).

    Raises :class:`NotFound` (unknown or secret without invitation),
    :class:`Forbidden` (banned).
    """
    row = _load(group_id, actor)
    if row["banned"]:
        raise Forbidden("you are banned from this group")
    if row["role"]:
        return {"status": "member", "role": row["role"]}
    if row["grp"]["privacy"] == "public" or row["invited"]:
        _graph().write("groups/create_membership", group_id=group_id, user=actor, role="member",
                       since=clock.now())
        forget_member_groups(actor)
        return {"status": "member", "role": "member"}
    rows = _graph().write("groups/create_join_request", group_id=group_id, user=actor, created_at=clock.now())
    if rows and rows[0]["created"]:
        events.publish("group.join_requested", group_id=group_id, requester=actor)
    return {"status": "requested", "role": None}


def cancel_request(group_id: str, actor: str) -> dict:
    """Withdraw one's own join request (idempotent)."""
    _load(group_id, actor)
    rows = _graph().write("groups/delete_join_request", group_id=group_id, user=actor)
    return {"deleted": bool(rows and rows[0]["deleted"])}


def decline_invitation(group_id: str, actor: str) -> dict:
    """Decline one's own invitation (idempotent)."""
    _load(group_id, actor)
    rows = _graph().write("groups/delete_invitation", group_id=group_id, user=actor)
    return {"deleted": bool(rows and rows[0]["deleted"])}


def invite(group_id: str, actor: str, username: str) -> dict:
    """A member invites ``username`` (event ``group.invited``). Returns
    ``{"invited": True, "created": bool}``.

    Raises :class:`NotFound` (group, or user unknown or blocked either way),
    :class:`Forbidden` (not a member), :class:`Conflict` (already a member or
    banned), :class:`ValidationFailed` (oneself).
    """
    _member(group_id, actor)
    invitee = _visible_user(actor, username)
    if invitee == actor:
        raise ValidationFailed("you are already in this group", errors=[{"field": "username", "message": "is yourself"}])
    standing = _standing(group_id, invitee)
    if standing["role"]:
        raise Conflict(f"{username} is already a member")
    if standing["banned"]:
        raise Conflict(f"{username} is banned from this group")
    rows = _graph().write("groups/create_invitation", group_id=group_id, invitee=invitee, by=actor,
                          created_at=clock.now())
    created = bool(rows and rows[0]["created"])
    if created:
        events.publish("group.invited", group_id=group_id, inviter=actor, invitee=invitee)
    return {"invited": True, "created": created}


def list_join_requests(group_id: str, actor: str, cursor: str | None = None, limit: int | None = None) -> Page:
    """Pending join requests, oldest first (moderators and admins):
    ``[{uid, username, display_name, requested_at}]``."""
    _member(group_id, actor, "moderator")
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "at", "uid")
    rows = _graph().read("groups/list_join_requests", group_id=group_id, limit=limit + 1,
                         after_at=ms_to_datetime(key["at"]) if key else None,
                         after_uid=str(key["uid"]) if key else None)
    items = [{"uid": r["uid"], "username": r["username"], "display_name": r["display_name"],
              "requested_at": as_utc(r["at"])} for r in rows[:limit]]
    nxt = None
    if len(rows) > limit:
        last = rows[limit - 1]
        nxt = encode_cursor({"at": datetime_to_ms(last["at"]), "uid": last["uid"]})
    return Page(items, nxt)


def decide_join_request(group_id: str, actor: str, username: str, approve: bool) -> dict:
    """Approve (member, event ``group.join_approved``) or reject a join request
    (moderators and admins). Raises :class:`NotFound` when there is no such
    request."""
    _member(group_id, actor, "moderator")
    uid = _user(username)
    standing = _standing(group_id, uid)
    if not standing["requested"]:
        raise NotFound(f"no join request from {username!r}")
    if approve:
        _graph().write("groups/create_membership", group_id=group_id, user=uid, role="member",
                       since=clock.now())
        forget_member_groups(uid)
        events.publish("group.join_approved", group_id=group_id, user_id=uid, approver=actor)
        return {"status": "member"}
    _graph().write("groups/delete_join_request", group_id=group_id, user=uid)
    return {"status": "rejected"}


def list_members(group_id: str, viewer: str | None, role: str | None = None, cursor: str | None = None,
                 limit: int | None = None) -> Page:
    """Members, newest first: ``[{uid, username, display_name, role, owner,
    since}]``; ``role`` filters. Private/secret: members only (else 404).
    Users blocked either way with the viewer are left out."""

    _readable(group_id, viewer)
    if role is not None and role not in ROLES:
        raise ValidationFailed("unknown role", errors=[{"field": "role", "message": "one of " + ", ".join(ROLES)}])
    hidden = blocked_either_way(viewer)
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "at", "uid")
    rows = _graph().read("groups/list_members", group_id=group_id, role=role, limit=limit + 1,
                         after_at=ms_to_datetime(key["at"]) if key else None,
                         after_uid=str(key["uid"]) if key else None)
    items = [{"uid": r["uid"], "username": r["username"], "display_name": r["display_name"], "role": r["role"],
              "owner": r["owner"], "since": as_utc(r["at"])} for r in rows[:limit] if r["uid"] not in hidden]
    nxt = None
    if len(rows) > limit:
        last = rows[limit - 1]
        nxt = encode_cursor({"at": datetime_to_ms(last["at"]), "uid": last["uid"]})
    return Page(items, nxt)


def _check_outranks(actor_row: dict, target: dict, what: str) -> None:
    """Admins act on anyone but the owner; moderators on plain members only."""
    if target["owner"]:
        raise Forbidden(f"the owner cannot be {what}")
    if actor_row["role"] == "admin":
        return
    if RANK[target["role"]] >= RANK[actor_row["role"]]:
        raise Forbidden(f"a {actor_row['role']} cannot act on a {target['role']}; only admins can")


def remove_member(group_id: str, actor: str, username: str) -> None:
    """Remove a member (admins: anyone but the owner; moderators: plain members).

    Raises :class:`NotFound` (not a member), :class:`Forbidden` (rank),
    :class:`Conflict` (the group's last admin).
    """
    row = _member(group_id, actor, "moderator")
    uid = _user(username)
    if uid == actor:
        raise ValidationFailed("use leave to leave a group", errors=[{"field": "username", "message": "is yourself"}])
    target = _standing(group_id, uid)
    if not target["role"]:
        raise NotFound(f"{username!r} is not a member")
    _check_outranks(row, target, "removed")
    rows = _graph().write("groups/delete_membership", group_id=group_id, user=uid)
    forget_member_groups(uid)
    if not rows or not rows[0]["deleted"]:
        raise Conflict("the group's last admin cannot be removed")


def ban(group_id: str, actor: str, username: str) -> dict:
    """Ban a user (membership, request and invitation go; they cannot rejoin or
    be invited until unbanned). Same rank rules as :func:`remove_member`; a
    non-member can be banned too."""
    row = _member(group_id, actor, "moderator")
    uid = _user(username)
    if uid == actor:
        raise ValidationFailed("you cannot ban yourself", errors=[{"field": "username", "message": "is yourself"}])
    target = _standing(group_id, uid)
    if target["role"]:
        _check_outranks(row, target, "banned")
        if target["role"] == "admin" and not _other_admins(group_id, uid):
            raise Conflict("the group's last admin cannot be banned")
    _graph().write("groups/create_ban", group_id=group_id, user=uid, by=actor, created_at=clock.now())
    forget_member_groups(uid)
    return {"banned": True}


def unban(group_id: str, actor: str, username: str) -> dict:
    """Lift a ban (moderators and admins). ``{"banned": False, "deleted": bool}``."""
    _member(group_id, actor, "moderator")
    rows = _graph().write("groups/delete_ban", group_id=group_id, user=_user(username))
    return {"banned": False, "deleted": bool(rows and rows[0]["deleted"])}


def _other_admins(group_id: str, uid: str) -> int:
    rows = _graph().read("groups/list_members", group_id=group_id, role="admin", after_at=None,
                         after_uid=None, limit=2)
    return len([r for r in rows if r["uid"] != uid])


def set_role(group_id: str, actor: str, username: str, role: str) -> dict:
    """Promote or demote a member to ``role`` (admins only). The owner's role
    cannot change (transfer ownership instead). Returns the member entry."""
    _member(group_id, actor, "admin")
    if role not in ROLES:
        raise ValidationFailed("unknown role", errors=[{"field": "role", "message": "one of " + ", ".join(ROLES)}])
    uid = _user(username)
    target = _standing(group_id, uid)
    if not target["role"]:
        raise NotFound(f"{username!r} is not a member")
    if target["owner"]:
        raise Conflict("the owner is always an admin; transfer ownership first")
    if target["role"] == "admin" and role != "admin" and not _other_admins(group_id, uid):
        raise Conflict("a group needs at least one admin")
    _graph().write("groups/update_member_role", group_id=group_id, user=uid, role=role)
    return {"uid": uid, "username": username, "role": role, "owner": False}


def leave(group_id: str, actor: str) -> None:
    """Leave a group. The owner must transfer ownership first, and the last
    admin cannot leave (:class:`Conflict`); :class:`NotFound` for non-members."""
    row = _load(group_id, actor)
    if not row["role"]:
        raise NotFound("you are not a member of this group")
    if row["owner"]:
        raise Conflict("the owner cannot leave; transfer ownership to another member first")
    if row["role"] == "admin" and not _other_admins(group_id, actor):
        raise Conflict("the last admin cannot leave; make another member admin first")
    rows = _graph().write("groups/delete_membership", group_id=group_id, user=actor)
    forget_member_groups(actor)
    if not rows or not rows[0]["deleted"]:
        raise Conflict("the last admin cannot leave; make another member admin first")


def transfer_ownership(group_id: str, actor: str, username: str) -> dict:
    """The owner hands the group to another member, who becomes an admin; the
    old owner stays an admin. Raises :class:`Forbidden` (not the owner),
    :class:`NotFound` (target not a member)."""
    row = _member(group_id, actor, "member")
    if not row["owner"]:
        raise Forbidden("only the owner can transfer ownership")
    uid = _user(username)
    if uid == actor:
        raise ValidationFailed("you already own this group", errors=[{"field": "username", "message": "is yourself"}])
    rows = _graph().write("groups/transfer_ownership", group_id=group_id, from_uid=actor, to_uid=uid)
    if not rows:
        raise NotFound(f"{username!r} is not a member")
    return get_group(group_id, actor)


def set_notifications(group_id: str, actor: str, level: str) -> dict:
    """How closely the member follows the group (``all``: notified of every new
    post; ``highlights``, the default; ``off``). Returns ``{"notifications": level}``."""
    if level not in NOTIFY_LEVELS:
        raise ValidationFailed("unknown level", errors=[{"field": "level", "message": "one of " + ", ".join(NOTIFY_LEVELS)}])
    _member(group_id, actor)
    _graph().write("groups/update_member_notifications", group_id=group_id, user=actor, level=level)
    return {"notifications": level}


def close_followers(group_id: str, exclude: str | None = None) -> list[str]:
    """uids of members following ``group_id`` closely (level ``all``), without
    ``exclude``: the recipients of ``group.post_created`` notifications."""
    return [r["uid"] for r in _graph().read("groups/list_close_followers", group_id=group_id, exclude=exclude)]


# -- posts -----------------------------------------------------------------------
def create_group_post(group_id: str, author: str, text: str) -> dict:
    """A member posts in the group (event ``group.post_created``); the post has
    the profile post shape plus ``group_id``."""

    _member(group_id, author)
    post = posts.create_post(author, text, group_id=group_id)
    events.publish("group.post_created", group_id=group_id, post_id=post["id"], author_id=author)
    return post


def group_posts(group_id: str, viewer: str | None, cursor: str | None = None, limit: int | None = None) -> Page:
    """The group's posts, newest first (authors blocked either way left out)."""

    _readable(group_id, viewer)
    query: dict = {"group_id": group_id}
    hidden = blocked_either_way(viewer)
    if hidden:
        query["author_id"] = {"$nin": sorted(hidden)}
    return posts.page_posts(query, cursor, limit, viewer, group_ids=[group_id])


def _group_post(group_id: str, post_id: str) -> dict:
    doc = _db().posts.find_one({"_id": posts.parse_id(post_id), "group_id": group_id})
    if doc is None:
        raise NotFound("post not found")
    return doc


def delete_group_post(group_id: str, post_id: str, actor: str) -> None:
    """Delete a group post: its author, or a moderator/admin of the group."""
    row = _member(group_id, actor)
    doc = _group_post(group_id, post_id)
    if doc["author_id"] != actor and RANK[row["role"]] < RANK["moderator"]:
        raise Forbidden("only the author or a moderator can delete this post")
    _db().posts.delete_one({"_id": doc["_id"]})
    postcache.forget(doc["_id"])
    events.publish("post.deleted", post_id=str(doc["_id"]), author_id=doc["author_id"])


def pin_post(group_id: str, post_id: str, actor: str, pinned: bool = True) -> dict:
    """Pin (announcement) or unpin a group post (moderators and admins)."""

    _member(group_id, actor, "moderator")
    doc = _group_post(group_id, post_id)
    _db().posts.update_one({"_id": doc["_id"]}, {"$set": {"pinned_at": clock.now() if pinned else None}})
    postcache.forget(doc["_id"])
    return {**posts.get_post(post_id, actor), "pinned": pinned}


def announcements(group_id: str, viewer: str | None) -> list[dict]:
    """Pinned posts of the group, most recently pinned first (at most 20)."""

    _readable(group_id, viewer)
    docs = list(_db().posts.find({"group_id": group_id, "pinned_at": {"$ne": None}})
                .sort([("pinned_at", -1), ("_id", -1)]).limit(20))
    return [{**p, "pinned": True} for p in posts.present_posts(docs, viewer)]


# -- events and RSVP -----------------------------------------------------------------
def _event_doc(group_id: str, event_id: str) -> dict:
    doc = _db().group_events.find_one({"_id": parse_id(event_id, "event"), "group_id": group_id})
    if doc is None:
        raise NotFound("event not found")
    return doc


def _present_events(docs: list[dict], viewer: str | None) -> list[dict]:
    mine = {}
    if viewer and docs:
        mine = {r["event_id"]: r["status"] for r in
                _db().event_rsvps.find({"event_id": {"$in": [d["_id"] for d in docs]}, "user_id": viewer})}
    return [{"id": str(d["_id"]), "group_id": d["group_id"], "title": d["title"],
             "description": d.get("description", ""), "place": d.get("place", ""),
             "starts_at": d["starts_at"], "ends_at": d.get("ends_at"), "created_by": d["created_by"],
             "created_at": d["created_at"],
             "rsvp_counts": {s: max(0, (d.get("rsvp_counts") or {}).get(s, 0)) for s in RSVP},
             "viewer_rsvp": mine.get(d["_id"])} for d in docs]


def create_event(group_id: str, actor: str, title: str, starts_at, place: str = "", description: str = "",
                 ends_at=None) -> dict:
    """A member creates an event (time as aware datetimes, UTC; ``ends_at``
    after ``starts_at``). Returns ``{id, group_id, title, description, place,
    starts_at, ends_at, created_by, created_at, rsvp_counts: {going,
    interested, not_going}, viewer_rsvp}``."""
    _member(group_id, actor)
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationFailed("the event ends before it starts",
                               errors=[{"field": "ends_at", "message": "must be after starts_at"}])
    doc = {"group_id": group_id, "title": title.strip(), "description": description or "", "place": place or "",
           "starts_at": starts_at, "ends_at": ends_at, "created_by": actor, "created_at": clock.now(),
           "rsvp_counts": {s: 0 for s in RSVP}}
    if not doc["title"]:
        raise ValidationFailed("title is empty", errors=[{"field": "title", "message": "must not be empty"}])
    doc["_id"] = _db().group_events.insert_one(doc).inserted_id
    return _present_events([doc], actor)[0]


def list_events(group_id: str, viewer: str | None, include_past: bool = False) -> list[dict]:
    """Events of the group by start time; upcoming (not yet ended) only unless
    ``include_past`` (at most 100)."""
    _readable(group_id, viewer)
    flt: dict = {"group_id": group_id}
    if not include_past:
        now = clock.now()
        flt["$or"] = [{"ends_at": {"$gt": now}}, {"ends_at": None, "starts_at": {"$gt": now - timedelta(hours=12)}}]
    docs = list(_db().group_events.find(flt).sort([("starts_at", 1), ("_id", 1)]).limit(100))
    return _present_events(docs, viewer)


def get_event(group_id: str, event_id: str, viewer: str | None) -> dict:
    _readable(group_id, viewer)
    return _present_events([_event_doc(group_id, event_id)], viewer)[0]


def rsvp(group_id: str, event_id: str, actor: str, status: str | None) -> dict:
    """Set (``going``/``interested``/``not_going``) or clear (``None``) the
    member's RSVP; counts kept on the event with ``$inc``. Returns the event."""
    _member(group_id, actor)
    if status is not None and status not in RSVP:
        raise ValidationFailed("unknown RSVP", errors=[{"field": "status", "message": "one of " + ", ".join(RSVP)}])
    doc = _event_doc(group_id, event_id)
    db = _db()
    if status is None:
        old = db.event_rsvps.find_one_and_delete({"event_id": doc["_id"], "user_id": actor})
        inc = {f"rsvp_counts.{old['status']}": -1} if old else {}
    else:
        old = db.event_rsvps.find_one_and_update(
            {"event_id": doc["_id"], "user_id": actor},
            {"$set": {"status": status, "at": clock.now(), "group_id": group_id}}, upsert=True)
        inc = {}
        if old is None or old["status"] != status:
            inc[f"rsvp_counts.{status}"] = 1
            if old is not None:
                inc[f"rsvp_counts.{old['status']}"] = -1
    if inc:
        doc = db.group_events.find_one_and_update({"_id": doc["_id"]}, {"$inc": inc},
                                                  return_document=ReturnDocument.AFTER)
    return _present_events([doc], actor)[0]


# -- activity -----------------------------------------------------------------------
def activity(group_id: str, actor: str, weeks: int = 4) -> dict:
    """Member activity for admins: per ISO week (Monday 00:00 UTC) of the last
    ``weeks`` (1..52, the current week included): posts, comments and active
    members (distinct authors of posts or comments), newest week first.

    ``{"weeks": [{"week_start": datetime, "posts": n, "comments": n,
    "active_members": n}], "member_count": n}``. Raises :class:`Forbidden`
    for non-admins.
    """
    row = _member(group_id, actor, "admin")
    weeks = max(1, min(int(weeks), 52))
    now = clock.now()
    this_week = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    start = this_week - timedelta(weeks=weeks - 1)
    posts, comments = Counter(), Counter()
    authors: dict = {}
    db = _db()
    proj = {"author_id": 1, "created_at": 1}
    for coll, counter in ((db.posts, posts), (db.comments, comments)):
        for d in coll.find({"group_id": group_id, "created_at": {"$gte": start}}, proj):
            at = as_utc(d["created_at"])
            idx = (at - start).days // 7
            if 0 <= idx < weeks:
                counter[idx] += 1
                authors.setdefault(idx, set()).add(d["author_id"])
    out = [{"week_start": start + timedelta(weeks=i), "posts": posts[i], "comments": comments[i],
            "active_members": len(authors.get(i, ()))} for i in reversed(range(weeks))]
    return {"weeks": out, "member_count": row["member_count"]}


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



# -- data portability (socialgraph.portability.service) ---------------------------------
def _export_area(ctx) -> None:
    """``groups.json``: ``{memberships: [{group_id, name, privacy, role, owner}],
    events_created: [{id, group_id, title, starts_at, ...}], rsvps: [{event_id,
    group_id, status, at}]}`` (group posts are in ``outbox.json``)."""
    db = _db()
    ctx.add_json("groups.json", {
        "memberships": [{"group_id": r["grp"]["uid"], "name": r["grp"]["name"], "privacy": r["grp"]["privacy"],
                         "role": r["role"], "owner": r["owner"]}
                        for r in _graph().read("groups/list_user_groups", uid=ctx.uid)],
        "events_created": [{"id": str(e["_id"]), "group_id": e["group_id"], "title": e["title"],
                            "description": e.get("description"), "place": e.get("place"),
                            "starts_at": e.get("starts_at"), "ends_at": e.get("ends_at"),
                            "created_at": e.get("created_at")}
                           for e in db.group_events.find({"created_by": ctx.uid}).sort("created_at", 1)],
        "rsvps": [{"event_id": str(r["event_id"]), "group_id": r.get("group_id"), "status": r["status"],
                   "at": r.get("at")} for r in db.event_rsvps.find({"user_id": ctx.uid}).sort("at", 1)],
    })


def _successor(group_id: str, uid: str) -> str | None:
    """Another member to hand a group to: an admin, else a moderator, else the newest member."""
    for role in ROLES:
        rows = _graph().read("groups/list_members", group_id=group_id, role=role, after_at=None,
                             after_uid=None, limit=2)
        others = [r["uid"] for r in rows if r["uid"] != uid]
        if others:
            return others[0]
    return None


def _delete_group(group_id: str) -> None:
    """A group without members goes with its posts, events, RSVPs and cover."""

    db = _db()
    for p in db.posts.find({"group_id": group_id}, {"_id": 1}):
        posts.purge_post(str(p["_id"]))
        db.posts.delete_one({"_id": p["_id"]})
        postcache.forget(p["_id"])
    db.event_rsvps.delete_many({"group_id": group_id})
    db.group_events.delete_many({"group_id": group_id})
    delete_object(COVER_KEY.format(group_id=group_id))
    _graph().write("groups/delete_group", group_id=group_id)


def _erase_area(uid: str) -> dict:
    """Take the user out of every group without leaving one without an admin
    (the rule of :func:`leave`): an owner hands the group to another admin,
    else a moderator, else a member (:func:`transfer_ownership` makes them an
    admin); a last admin promotes a successor; a group with no other member is
    deleted. RSVPs go (counts decremented); events the user created stay with
    ``created_by: null``. Requests, invitations and bans go with the graph
    node. Idempotent (runs before the ``graph`` step)."""
    db = _db()
    out = {"left": 0, "handed_over": 0, "groups_deleted": 0, "rsvps": 0}
    for row in _graph().read("groups/list_user_groups", uid=uid):
        gid = row["grp"]["uid"]
        heir = _successor(gid, uid)
        if heir is None:
            _delete_group(gid)
            out["groups_deleted"] += 1
            continue
        if row["owner"]:
            _graph().write("groups/transfer_ownership", group_id=gid, from_uid=uid, to_uid=heir)
            out["handed_over"] += 1
        elif row["role"] == "admin" and not _other_admins(gid, uid):
            _graph().write("groups/update_member_role", group_id=gid, user=heir, role="admin")
            out["handed_over"] += 1
        rows = _graph().write("groups/delete_membership", group_id=gid, user=uid)
        forget_member_groups(uid)
        if not rows or not rows[0]["deleted"]:
            raise Conflict(f"could not take {uid} out of group {gid}")
        out["left"] += 1
    while True:
        r = db.event_rsvps.find_one_and_delete({"user_id": uid})
        if r is None:
            break
        db.group_events.update_one({"_id": r["event_id"]}, {"$inc": {f"rsvp_counts.{r['status']}": -1}})
        out["rsvps"] += 1
    db.group_events.update_many({"created_by": uid}, {"$set": {"created_by": None}})
    return out


def _register_portability() -> None:
    register_area("groups", order=63, export=_export_area, erase=_erase_area)


_register_portability()


register_group_reader(can_read_group_content)
