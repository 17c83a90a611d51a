"""Reports, the moderation queue and its audit log (MongoDB).

Documents:

- ``reports``: ``{_id, reporter_id, target_type: "post"|"comment"|"user",
  target_id (post/comment id or user uid), target_owner_id, reason, details,
  status: "open"|"dismissed"|"actioned", action, created_at, resolved_at,
  resolved_by}``; one open report per reporter and target.
- ``moderation_log`` (audit log, append-only): ``{_id, actor_id, action,
  report_id, target_type, target_id, target_owner_id, note, at}``.

Moderators are accounts with ``role: "admin"`` in ``accounts``. Actions:
``dismiss`` (nothing changes), ``remove_content`` (the post is deleted with
everything attached, or the comment is deleted/left as a placeholder; every
open report on it is closed), ``suspend_user`` (the owner's account gets
``status: "suspended"``: login is refused and every session ends at once).
"""
from __future__ import annotations

from bson import ObjectId

from socialgraph import stores
from socialgraph.accounts import sessions
from socialgraph.content import comments, posts
from socialgraph.core import clock
from socialgraph.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from socialgraph.core.pagination import (
    Page,
    clamp_limit,
    datetime_to_ms,
    decode_cursor,
    encode_cursor,
    ms_to_datetime,
)
from socialgraph.graph.people import resolve_uid
from socialgraph.graph.relations import blocked_either_way, relationship

REASONS = ("spam", "harassment", "hate", "violence", "nudity", "self_harm", "misinformation", "illegal", "other")
TARGET_TYPES = ("post", "comment", "user")
ACTIONS = ("dismiss", "remove_content", "suspend_user")


def _db():
    return stores.mongo()


def _oid(value: str, what: str) -> ObjectId:
    try:
        return ObjectId(value)
    except Exception:
        raise NotFound(f"{what} not found")


def _resolve_target(reporter: str, target_type: str, target_id: str) -> tuple[str, str]:
    """``(canonical target id, owner uid)`` of something the reporter can see."""

    if target_type == "post":
        doc = posts._visible_doc(target_id, reporter)
        return str(doc["_id"]), doc["author_id"]
    if target_type == "comment":
        c = _db().comments.find_one({"_id": _oid(target_id, "comment")})
        if c is None or c.get("deleted") or c["author_id"] in blocked_either_way(reporter):
            raise NotFound("comment not found")
        try:
            posts._visible_doc(str(c["post_id"]), reporter)
        except NotFound:  # the same answer as an unknown comment: the post's audience is not disclosed
            raise NotFound("comment not found") from None
        return str(c["_id"]), c["author_id"]
    uid = resolve_uid(target_id)
    if uid == reporter:
        raise ValidationFailed("you cannot report yourself", errors=[{"field": "target_id", "message": "is you"}])
    if relationship(reporter, uid).blocked_by:
        # who blocked the reporter does not exist for them (as on their profile):
        # the answer of an unknown username, so the block is not disclosed
        raise NotFound(f"no user named {target_id!r}")
    return uid, uid


def report(reporter: str, target_type: str, target_id: str, reason: str, details: str | None = None) -> dict:
    """File a report on a post, comment (ids) or user (username).

    Returns the report (:func:`present`). Raises :class:`ValidationFailed`
    (unknown type or reason, oneself), :class:`NotFound` (target gone or
    not visible to the reporter: content across a block either way, a user who
    blocked the reporter; the same problem as an unknown target, so a block
    is not disclosed), :class:`Conflict` (already reported and open). A user
    the reporter blocked can still be reported (block and report).
    """
    if target_type not in TARGET_TYPES:
        raise ValidationFailed("unknown target", errors=[{"field": "target_type", "message": "one of " + ", ".join(TARGET_TYPES)}])
    if reason not in REASONS:
        raise ValidationFailed("unknown reason", errors=[{"field": "reason", "message": "one of " + ", ".join(REASONS)}])
    tid, owner = _resolve_target(reporter, target_type, target_id)
    if _db().reports.find_one({"reporter_id": reporter, "target_type": target_type, "target_id": tid,
                               "status": "open"}, {"_id": 1}):
        raise Conflict("you already reported this; it is waiting for review")
    doc = {"reporter_id": reporter, "target_type": target_type, "target_id": tid, "target_owner_id": owner,
           "reason": reason, "details": (details or "").strip() or None, "status": "open", "action": None,
           "created_at": clock.now(), "resolved_at": None, "resolved_by": None}
    doc["_id"] = _db().reports.insert_one(doc).inserted_id
    return present(doc)


def present(d: dict) -> dict:
    """API shape: ``{id, reporter_id, target_type, target_id, target_owner_id,
    reason, details, status, action, created_at, resolved_at, resolved_by}``."""
    out = {k: d.get(k) for k in ("reporter_id", "target_type", "target_id", "target_owner_id", "reason",
                                 "details", "status", "action", "created_at", "resolved_at", "resolved_by")}
    out["id"] = str(d["_id"])
    return out


def require_admin(uid: str) -> None:
    """Raises :class:`Forbidden` unless ``uid`` is an active account with role ``admin``."""
    acc = _db().accounts.find_one({"_id": uid}, {"role": 1, "status": 1})
    if not acc or acc.get("role") != "admin" or acc.get("status") != "active":
        raise Forbidden("moderators only")


def _page(coll, flt: dict, cursor, limit, ascending: bool, at_field: str) -> Page:
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "at", "id")
    if key:
        at, oid = ms_to_datetime(key["at"]), _oid(str(key["id"]), "cursor")
        op = "$gt" if ascending else "$lt"
        flt = {"$and": [flt, {"$or": [{at_field: {op: at}}, {at_field: at, "_id": {op: oid}}]}]}
    order = 1 if ascending else -1
    docs = list(coll.find(flt).sort([(at_field, order), ("_id", order)]).limit(limit + 1))
    nxt = None
    if len(docs) > limit:
        last = docs[limit - 1]
        nxt = encode_cursor({"at": datetime_to_ms(last[at_field]), "id": str(last["_id"])})
    return Page(docs[:limit], nxt)


def queue(admin: str, status: str = "open", cursor: str | None = None, limit: int | None = None) -> Page:
    """The moderation queue: reports with ``status``, oldest first. Admins only
    (:class:`Forbidden`)."""
    require_admin(admin)
    if status not in ("open", "dismissed", "actioned"):
        raise ValidationFailed("unknown status", errors=[{"field": "status", "message": "open, dismissed or actioned"}])
    page = _page(_db().reports, {"status": status}, cursor, limit, True, "created_at")
    return Page([present(d) for d in page.items], page.next_cursor)


def act(admin: str, report_id: str, action: str, note: str | None = None) -> dict:
    """Resolve an open report with ``action`` and write the audit log entry.

    Returns the updated report. Raises :class:`Forbidden` (not admin),
    :class:`NotFound`, :class:`Conflict` (already resolved),
    :class:`ValidationFailed` (unknown action; ``remove_content`` on a user).
    """

    require_admin(admin)
    if action not in ACTIONS:
        raise ValidationFailed("unknown action", errors=[{"field": "action", "message": "one of " + ", ".join(ACTIONS)}])
    rep = _db().reports.find_one({"_id": _oid(report_id, "report")})
    if rep is None:
        raise NotFound("report not found")
    if rep["status"] != "open":
        raise Conflict("this report is already resolved")
    if action == "remove_content" and rep["target_type"] == "user":
        raise ValidationFailed("a user is not content; suspend instead",
                               errors=[{"field": "action", "message": "use suspend_user for user reports"}])
    now = clock.now()
    if action == "remove_content":
        try:
            if rep["target_type"] == "post":
                posts.delete_post(rep["target_id"], admin, moderator=True)
            else:
                comments.delete_comment(rep["target_id"], admin, moderator=True)
        except NotFound:
            pass  # already gone: the report is still resolved
    elif action == "suspend_user":
        suspend(rep["target_owner_id"])
    status = "dismissed" if action == "dismiss" else "actioned"
    same = {"_id": rep["_id"]} if action == "dismiss" else {
        "target_type": rep["target_type"], "target_id": rep["target_id"], "status": "open"}
    if action == "suspend_user":
        same = {"target_owner_id": rep["target_owner_id"], "status": "open"}
    _db().reports.update_many(same, {"$set": {"status": status, "action": action, "resolved_at": now,
                                              "resolved_by": admin}})
    _db().moderation_log.insert_one({
        "actor_id": admin, "action": action, "report_id": str(rep["_id"]), "target_type": rep["target_type"],
        "target_id": rep["target_id"], "target_owner_id": rep["target_owner_id"],
        "note": (note or "").strip() or None, "at": now})
    return present(_db().reports.find_one({"_id": rep["_id"]}))


def suspend(uid: str) -> None:
    """Suspend an account: ``status: "suspended"``, all sessions end now."""
    res = _db().accounts.update_one({"_id": uid}, {"$set": {"status": "suspended", "suspended_at": clock.now()}})
    if not res.matched_count:
        raise NotFound("account not found")
    sessions.revoke_all_sessions(uid, reason="suspended")


def audit_log(admin: str, cursor: str | None = None, limit: int | None = None) -> Page:
    """The audit log, newest first: ``{id, actor_id, action, report_id,
    target_type, target_id, target_owner_id, note, at}``. Admins only."""
    require_admin(admin)
    page = _page(_db().moderation_log, {}, cursor, limit, False, "at")
    items = [{**{k: v for k, v in d.items() if k != "_id"}, "id": str(d["_id"])} for d in page.items]
    return Page(items, page.next_cursor)
