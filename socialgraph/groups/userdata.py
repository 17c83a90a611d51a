"""A user's share of groups in the data archive and in account deletion
(ownership or the admin role handed on first; a group left empty is deleted).
"""
from __future__ import annotations

from socialgraph.content import postcache, posts
from socialgraph.content.images import (
    delete_object,
)
from socialgraph.core.areas import register_area
from socialgraph.core.errors import Conflict
from socialgraph.groups.directory import (
    COVER_KEY,
    ROLES,
    _db,
    _graph,
    forget_member_groups,
)
from socialgraph.groups.membership import _other_admins


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
    ``created_by: null``. Requests, invitations and bans of the user go with
    the graph node; bans the user made on others stay, without ``by``. Idempotent (runs before the ``graph`` step)."""
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
    rows = _graph().write("groups/clear_ban_author", uid=uid)
    out["bans_unattributed"] = rows[0]["cleared"] if rows else 0
    return out


def _register_portability() -> None:
    register_area("groups", order=63, export=_export_area, erase=_erase_area)

_register_portability()
