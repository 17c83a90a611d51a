"""Notifications: made from domain events, stored in MongoDB, delivered by channel.

Producers publish domain events (:mod:`socialgraph.core.events`); the job
``jobs.notifications.on_event`` turns each into notifications with
:func:`handle_event`. Services never call this module directly.

Document (``notifications``): ``{_id, user_id (recipient), type, group_key,
actor_ids: [uid, newest first], actors_count, object: {post_id?, comment_id?,
target?, story_id?, group_id?, reaction?}, read: bool, created_at, updated_at,
seq}``. ``seq`` is a global, strictly increasing number (Redis ``INCR``) set
on every change that should reach the user again: lists are ordered by it
and a client that reconnects asks for everything after the last ``seq`` it
saw (:func:`since`), so nothing is lost across a disconnect.

Grouping: an unread notification of the same ``group_key`` (type + object,
e.g. ``reaction:post:<id>``) absorbs a new actor ("a, b and 5 others reacted
to your post"), as Mastodon's grouped notifications do (``group_key`` in
Mastodon 4.3 ``NotificationGroup``). A repeated event of the same actor is a
no-op, so the job is idempotent under RQ retries.

Preferences (``notification_prefs``: ``{_id: uid, prefs: {type: {in_app,
realtime, email, push}}}``), default in-app, real-time and push on, email off. Delivery
honours them: in-app = stored, real-time = published to the user's sockets,
email = collected and sent by ``jobs.notifications.send_email_digest`` after
``NOTIFY_DIGEST_SECONDS`` as one mail for the whole burst, push = a Web Push
message to each subscribed browser or app (``jobs.notifications.send_push``,
:mod:`socialgraph.messaging.push`) when the user has a subscription.

Blocks (either way) and mutes suppress notifications from that actor, when
a notification is made and again whenever one is read (:func:`visible`): a
block hides the blocked user's older notifications too, takes them out of
grouped ones ("a, b and 5 others") and hides a notification made at the
very moment of the block. Notifications for an account that is gone or
being deleted are dropped inside the job (:func:`recipient_exists`, asked
before and after the write), so jobs queued during a deletion leave
nothing behind.
"""
from __future__ import annotations

import json
import logging

from bson import ObjectId
from bson.errors import InvalidId
from flask import current_app
from pymongo import ReturnDocument

from socialgraph import stores
from socialgraph.core import clock
from socialgraph.core.areas import register_area
from socialgraph.core.errors import MalformedRequest, NotFound, ValidationFailed
from socialgraph.core.pagination import Page, clamp_limit, decode_cursor, encode_cursor
from socialgraph.graph.people import short_profiles
from socialgraph.graph.relations import hidden_authors
from socialgraph.groups.membership import close_followers
from socialgraph.messaging import hub, push
from socialgraph.stores import mail
from socialgraph.stores.documents import parse_id

log = logging.getLogger(__name__)

SEQ_KEY = "sg:notif:seq"
LAST_SEQ_KEY = "sg:notif:last:{uid}"
MAIL_KEY = "sg:notif:mail:{uid}"
#: tagged with MAIL_KEY's name (``{sg:notif:mail:<uid>}:scheduled``): both are taken in one MULTI
MAIL_SCHEDULED_KEY = "{{sg:notif:mail:{uid}}}:scheduled"
CHANNELS = ("in_app", "realtime", "email", "push")
#: type -> (grouped?, summary verb phrase)
TYPES: dict[str, tuple[bool, str]] = {
    "follow": (True, "followed you"),
    "follow_request": (False, "asked to follow you"),
    "follow_approved": (False, "approved your follow request"),
    "friend_request": (False, "sent you a friend request"),
    "friend_accepted": (False, "accepted your friend request"),
    "reaction": (True, "reacted to your {what}"),
    "comment": (True, "commented on your post"),
    "reply": (True, "replied to your comment"),
    "mention": (False, "mentioned you"),
    "share": (True, "shared your post"),
    "group_invite": (False, "invited you to a group"),
    "story_view": (True, "viewed your story"),
    "story_reaction": (True, "reacted to your story"),
    "story_reply": (False, "replied to your story"),
    "group_join_approved": (False, "approved your request to join a group"),
    "group_post": (True, "posted in a group you follow closely"),
    "export_ready": (False, "your data archive is ready"),
}
DEFAULT_PREFS = {"in_app": True, "realtime": True, "email": False, "push": True}
push.ALERT_TYPES[:] = list(TYPES)


def _db():
    return stores.mongo()


# -- events -> notifications ---------------------------------------------------
def plan(event: str, p: dict) -> list[tuple[str, str, str, dict]]:
    """``(recipient, type, actor, object)`` rows an event produces (pure; see events.py payloads)."""
    rows: list[tuple[str, str, str, dict]] = []
    if event == "user.followed":
        rows.append((p["followee"], "follow", p["follower"], {}))
    elif event == "follow.requested":
        rows.append((p["target"], "follow_request", p["requester"], {}))
    elif event == "follow.approved":
        rows.append((p["requester"], "follow_approved", p["target"], {}))
    elif event == "friend.requested":
        rows.append((p["target"], "friend_request", p["requester"], {}))
    elif event == "friend.accepted":
        rows.append((p["requester"], "friend_accepted", p["target"], {}))
    elif event == "reaction.created":
        obj = {"target": p["target"], "reaction": p.get("type")}
        if p.get("post_id"):  # where the notification leads (the post, also for a comment's reaction)
            obj["post_id"] = p["post_id"]
        if p["target"].startswith("comment:"):
            obj["comment_id"] = p["target"].split(":", 1)[1]
        rows.append((p["owner_id"], "reaction", p["user_id"], obj))
    elif event == "comment.created":
        obj = {"post_id": p["post_id"], "comment_id": p["comment_id"]}
        parent = p.get("parent_author_id") or ""
        if parent:
            rows.append((parent, "reply", p["author_id"], obj))
        if p.get("post_author_id") and p["post_author_id"] != parent:
            rows.append((p["post_author_id"], "comment", p["author_id"], obj))
    elif event == "post.shared":
        rows.append((p["owner_id"], "share", p["user_id"], {"post_id": p["post_id"], "share_id": p.get("share_id")}))
    elif event == "user.mentioned":
        rows.append((p["mentioned_uid"], "mention", p["by_uid"],
                     {"post_id": p.get("post_id"), "comment_id": p.get("comment_id") or None}))
    elif event == "group.invited":
        rows.append((p["invitee"], "group_invite", p["inviter"], {"group_id": p["group_id"]}))
    elif event == "story.viewed":
        rows.append((p["author_id"], "story_view", p["viewer"], {"story_id": p["story_id"]}))
    elif event == "story.reacted":
        rows.append((p["author_id"], "story_reaction", p["viewer"], {"story_id": p["story_id"]}))
    elif event == "story.replied":
        rows.append((p["author_id"], "story_reply", p["viewer"], {"story_id": p["story_id"]}))
    elif event == "group.join_approved":
        rows.append((p["user_id"], "group_join_approved", p.get("approver") or "", {"group_id": p["group_id"]}))
    elif event == "group.post_created":

        for member in close_followers(p["group_id"], exclude=p["author_id"]):
            rows.append((member, "group_post", p["author_id"], {"group_id": p["group_id"], "post_id": p["post_id"]}))
    elif event == "export.ready":
        rows.append((p["user_id"], "export_ready", "", {"export_id": p["export_id"]}))
    return [r for r in rows if r[0] and r[0] != r[2]]


def _group_key(ntype: str, actor: str, obj: dict) -> str:
    grouped, _ = TYPES[ntype]
    target = obj.get("target") or (f"post:{obj['post_id']}" if obj.get("post_id") and ntype in ("comment", "share")
                                   else None) or (f"story:{obj['story_id']}" if obj.get("story_id") else None)
    if ntype == "reply":
        target = f"post:{obj.get('post_id')}"
    if grouped:
        return f"{ntype}:{target or 'user'}"
    # not grouped: one notification per actor and object (idempotent on retries)
    return f"{ntype}:{json.dumps(obj, sort_keys=True)}:{actor}"


def handle_event(event: str, **payload: str) -> list[str]:
    """Create/deliver the notifications of one domain event; returns their ids."""
    out = []
    for recipient, ntype, actor, obj in plan(event, payload):
        nid = notify(recipient, ntype, actor, obj)
        if nid:
            out.append(nid)
    return out


#: account states that still receive notifications (``deleting``: the
#: deletion job is running; a missing account: it has finished)
_LIVE = {"status": {"$ne": "deleting"}}


def recipient_exists(uid: str) -> bool:
    """Whether ``uid`` has an account that is not being deleted (asked of MongoDB)."""
    return _db().accounts.find_one({"_id": uid, **_LIVE}, {"_id": 1}) is not None


def notify(recipient: str, ntype: str, actor: str, obj: dict) -> str | None:
    """Store (grouped) and deliver one notification, honouring blocks, mutes and preferences.

    Returns the notification id, or ``None`` when suppressed, a duplicate, or
    the recipient's account is gone or being deleted. The account is checked
    before and again after the write: if a deletion started in between, the
    notification takes itself out again (the deletion's eraser removes any
    written later), and no Redis key of the recipient is made.

    The account is asked first: a recipient without one (an imported author:
    the mix's reactions and comments are mostly on Stack Exchange posts) costs
    one MongoDB ``find``, never the block and mute sets (a Redis copy, a graph
    query when missing, and the copy kept for a reader who never comes).
    """

    if not recipient_exists(recipient) or actor in hidden_authors(recipient):
        return None
    prefs = get_preferences(recipient)[ntype]
    if not any(prefs.values()):
        return None
    now = clock.now()
    seq = stores.cache().incr(SEQ_KEY)
    key = _group_key(ntype, actor, obj)
    db = _db()
    doc = None
    if prefs["in_app"]:
        doc = db.notifications.find_one_and_update(
            {"user_id": recipient, "group_key": key, "read": False, "actor_ids": {"$ne": actor}},
            {"$push": {"actor_ids": {"$each": [actor], "$position": 0}}, "$inc": {"actors_count": 1},
             "$set": {"updated_at": now, "seq": seq}},
            return_document=ReturnDocument.AFTER)
        if doc is None:
            if db.notifications.find_one({"user_id": recipient, "group_key": key, "read": False,
                                          "actor_ids": actor}, {"_id": 1}):
                return None  # the same event again (retry)
            doc = {"user_id": recipient, "type": ntype, "group_key": key, "actor_ids": [actor],
                   "actors_count": 1, "object": obj, "read": False, "created_at": now, "updated_at": now,
                   "seq": seq}
            doc["_id"] = db.notifications.insert_one(doc).inserted_id
        if not recipient_exists(recipient):  # deleted meanwhile: take this one out again
            _undo(doc, actor)
            return None
    else:
        doc = {"_id": ObjectId(), "user_id": recipient, "type": ntype, "group_key": key, "actor_ids": [actor],
               "actors_count": 1, "object": obj, "read": False, "created_at": now, "updated_at": now,
               "seq": seq, "transient": True}
    stores.cache().set(LAST_SEQ_KEY.format(uid=recipient), seq)
    shown = present([doc])[0]
    if prefs["realtime"]:
        hub.publish(recipient, {"type": "notification", "notification": shown})
    if prefs["email"]:
        queue_email(recipient, shown)
    if prefs["push"] and push.has_subscriptions(recipient):
        stores.tasks().enqueue("jobs.notifications.send_push", recipient, ntype,
                               json.dumps(push_payload(shown), ensure_ascii=False))
    return str(doc["_id"])


def _undo(doc: dict, actor: str) -> None:
    """Take ``actor`` out of the notification ``doc`` just written (the
    recipient's account went meanwhile); the document goes with its last actor."""
    db = _db()
    db.notifications.update_one({"_id": doc["_id"], "actor_ids": actor},
                                {"$pull": {"actor_ids": actor}, "$inc": {"actors_count": -1}})
    db.notifications.delete_one({"_id": doc["_id"], "actor_ids": []})


def push_payload(shown: dict) -> dict:
    """The Web Push message of a notification (what the service worker shows):
    ``{notification_id, type, title, body, icon, url}``; ``url`` opens the
    post or the actor's profile in the web client."""
    obj = shown.get("object") or {}
    actor = (shown.get("actors") or [{}])[0]
    if obj.get("post_id"):
        url = f"/#/post/{obj['post_id']}"
    elif actor.get("username"):
        url = f"/#/u/{actor['username']}"
    else:
        url = "/#/notifications"
    base = current_app.config["PUBLIC_BASE_URL"]
    return {"notification_id": shown.get("id"), "type": shown.get("type"), "title": "socialgraph",
            "body": shown.get("summary") or "", "url": url,
            "icon": f"{base}/api/v1/avatars/{actor['uid']}/96" if actor.get("uid") else None}


# -- presentation and reads ---------------------------------------------------------
def visible(uid: str) -> tuple[set[str], dict]:
    """What ``uid`` may see of their notifications now: ``(hidden actor uids,
    extra MongoDB filter)``. Hidden are users blocked either way and muted
    users (:func:`socialgraph.graph.relations.hidden_authors`, read when the
    notifications are read). The filter keeps notifications with at least
    one actor not hidden; :func:`present` leaves the hidden actors out of
    the ones kept. An account that is gone or being deleted sees nothing."""
    hidden = hidden_authors(uid)
    if not recipient_exists(uid):
        return hidden, {"_id": {"$exists": False}}
    if not hidden:
        return hidden, {}
    return hidden, {"actor_ids": {"$elemMatch": {"$nin": sorted(hidden)}}}



def _summary(doc: dict, names: list[str]) -> str:
    _, verb = TYPES[doc["type"]]
    target = (doc.get("object") or {}).get("target") or ""
    verb = verb.format(what="comment" if target.startswith("comment:") else "post")
    n = doc.get("actors_count", len(names))
    shown = [x or "someone" for x in names[:2]]
    if n <= 1:
        who = shown[0] if shown else "someone"
    elif n == 2:
        who = f"{shown[0]} and {shown[1] if len(shown) > 1 else 'someone'}"
    else:
        others = n - 2
        who = f"{shown[0]}, {shown[1]} and {others} other{'s' if others != 1 else ''}"
    return f"{who} {verb}"


def present(docs: list[dict], hidden: set[str] = frozenset()) -> list[dict]:
    """API shape: ``{id, seq, type, read, summary, actors: [{uid, username,
    display_name}] (up to 3, newest first), actors_count, object, created_at, updated_at}``.

    Actors in ``hidden`` (blocked or muted by the reader, :func:`visible`)
    are left out of ``actors``, ``actors_count`` and the summary."""

    if hidden:
        docs = [_without(d, hidden) for d in docs]
        docs = [d for d in docs if d["actor_ids"]]
    profiles = short_profiles([a for d in docs for a in d["actor_ids"][:3]])
    out = []
    for d in docs:
        actors = [profiles.get(a, {"uid": a, "username": None, "display_name": None}) for a in d["actor_ids"][:3]]
        out.append({
            "id": str(d["_id"]), "seq": d["seq"], "type": d["type"], "read": d["read"],
            "summary": _summary(d, [a["username"] for a in actors]),
            "actors": [{"uid": a["uid"], "username": a["username"], "display_name": a["display_name"],
                        "avatar_id": a.get("avatar_id")}
                       for a in actors],
            "actors_count": d.get("actors_count", 1), "object": d.get("object") or {},
            "created_at": d["created_at"], "updated_at": d["updated_at"],
        })
    return out


def _without(doc: dict, hidden: set[str]) -> dict:
    """``doc`` with the ``hidden`` actors taken out (``actors_count`` lowered by as many)."""
    gone = [a for a in doc["actor_ids"] if a in hidden]
    if not gone:
        return doc
    return {**doc, "actor_ids": [a for a in doc["actor_ids"] if a not in hidden],
            "actors_count": max(doc.get("actors_count", len(doc["actor_ids"])) - len(gone), 0)}


def list_notifications(uid: str, cursor: str | None = None, limit: int | None = None,
                       unread_only: bool = False, types: list[str] | None = None) -> Page:
    """``uid``'s notifications, most recently changed first (by ``seq``); cursor
    pagination. Notifications only from users ``uid`` blocks, is blocked by
    or mutes are left out, and those users are left out of grouped ones.
    ``types``: only these of :data:`TYPES` (``None``: all)."""
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "seq")
    hidden, extra = visible(uid)
    flt: dict = {"user_id": uid, **extra}
    if unread_only:
        flt["read"] = False
    if types is not None:
        flt["type"] = {"$in": [t for t in types if t in TYPES]}
    if key:
        if not isinstance(key["seq"], int):
            raise MalformedRequest("invalid cursor", errors=[{"field": "cursor", "message": "not a cursor"}])
        flt["seq"] = {"$lt": key["seq"]}
    docs = list(_db().notifications.find(flt).sort([("seq", -1)]).limit(limit + 1))
    next_cursor = encode_cursor({"seq": docs[limit - 1]["seq"]}) if len(docs) > limit else None
    return Page(present(docs[:limit], hidden), next_cursor)


def since(uid: str, seq: int, limit: int = 100) -> list[dict]:
    """Notifications of ``uid`` changed after ``seq``, oldest first (resume after
    a disconnect); filtered like :func:`list_notifications`."""
    hidden, extra = visible(uid)
    docs = _db().notifications.find({"user_id": uid, "seq": {"$gt": int(seq)}, **extra}).sort(
        [("seq", 1)]).limit(limit)
    return present(list(docs), hidden)


def last_seq(uid: str) -> int:
    raw = stores.cache().get(LAST_SEQ_KEY.format(uid=uid))
    return int(raw) if raw else 0


def unread_count(uid: str) -> int:
    """Unread notifications of ``uid`` that :func:`list_notifications` would show."""
    _hidden, extra = visible(uid)
    return _db().notifications.count_documents({"user_id": uid, "read": False, **extra})


def mark_read(uid: str, notification_id: str) -> dict:
    """Mark one of ``uid``'s notifications read. Raises :class:`NotFound` (missing or someone else's)."""

    doc = _db().notifications.find_one_and_update(
        {"_id": parse_id(notification_id, "notification"), "user_id": uid},
        {"$set": {"read": True}}, return_document=ReturnDocument.AFTER)
    if doc is None:
        raise NotFound("notification not found")
    return present([doc])[0]


def mark_all_read(uid: str) -> dict:
    """Mark every notification of ``uid`` read; ``{"marked": n}``."""
    res = _db().notifications.update_many({"user_id": uid, "read": False}, {"$set": {"read": True}})
    return {"marked": res.modified_count}


# -- preferences --------------------------------------------------------------------
def get_preferences(uid: str) -> dict[str, dict[str, bool]]:
    """``{type: {in_app, realtime, email}}`` for every type (defaults filled in)."""
    doc = _db().notification_prefs.find_one({"_id": uid}) or {}
    stored = doc.get("prefs") or {}
    return {t: {c: bool((stored.get(t) or {}).get(c, DEFAULT_PREFS[c])) for c in CHANNELS} for t in TYPES}


def set_preferences(uid: str, changes: dict[str, dict[str, bool]]) -> dict:
    """Change some ``{type: {channel: bool}}``. Raises :class:`ValidationFailed` for unknown names."""
    errors = [{"field": t, "message": "unknown notification type"} for t in changes if t not in TYPES]
    errors += [{"field": f"{t}.{c}", "message": "unknown channel (in_app, realtime, email)"}
               for t, v in changes.items() if t in TYPES for c in (v or {}) if c not in CHANNELS]
    if errors:
        raise ValidationFailed("unknown notification preference", errors=errors)
    sets = {f"prefs.{t}.{c}": bool(v) for t, chans in changes.items() for c, v in chans.items()}
    if sets:
        _db().notification_prefs.update_one({"_id": uid}, {"$set": sets}, upsert=True)
    return get_preferences(uid)


# -- email (digest) -------------------------------------------------------------------
def queue_email(uid: str, shown: dict) -> None:
    """Collect ``shown`` for ``uid``'s next email; the first of a burst schedules the digest job."""
    from flask import current_app

    r = stores.cache()
    r.rpush(MAIL_KEY.format(uid=uid), shown["summary"])
    delay = int(current_app.config["NOTIFY_DIGEST_SECONDS"])
    if r.set(MAIL_SCHEDULED_KEY.format(uid=uid), 1, nx=True, ex=delay * 2 + 60):
        stores.tasks().enqueue_in(delay, "jobs.notifications.send_email_digest", uid)


def email_digest(uid: str):
    """The pending notifications of ``uid`` as one email (``None`` if none or no account).

    Takes them off the pending list atomically (a retried job sends nothing twice).
    """
    from flask import current_app

    r = stores.cache()
    pipe = r.pipeline(transaction=True)  # both keys in one cluster slot (MAIL_SCHEDULED_KEY's tag)
    pipe.lrange(MAIL_KEY.format(uid=uid), 0, -1)
    pipe.delete(MAIL_KEY.format(uid=uid))
    pipe.delete(MAIL_SCHEDULED_KEY.format(uid=uid))
    items, _, _ = pipe.execute()
    lines = [i.decode() for i in items]
    account = _db().accounts.find_one({"_id": uid}, {"email": 1, "username": 1})
    if not lines or not account:
        return None
    cfg = current_app.config
    subject = lines[0] if len(lines) == 1 else f"{len(lines)} new notifications"
    body = (f"Hello {account['username']},\n\n" + "\n".join(f"- {l}" for l in lines)
            + f"\n\nSee them at {cfg['PUBLIC_BASE_URL']}/#/notifications\n")  # the web client's page
    return mail.build_message(cfg, account["email"], subject, body)


# -- data portability (socialgraph.portability.service) ---------------------------------
def _export_area(ctx) -> None:
    """``notifications.json``: ``{notifications: [API shape, oldest first], preferences}``."""
    docs = list(_db().notifications.find({"user_id": ctx.uid}).sort("seq", 1))
    ctx.add_json("notifications.json", {"notifications": present(docs), "preferences": get_preferences(ctx.uid)})


def _erase_area(uid: str) -> dict:
    """The user's notifications and preferences go; in other people's
    notifications the user is taken out of the actors (a notification whose
    only actor was the user goes). The Redis keys are in
    ``portability.REDIS_USER_KEYS``. Idempotent."""
    db = _db()
    own = db.notifications.delete_many({"user_id": uid}).deleted_count
    prefs = db.notification_prefs.delete_many({"_id": uid}).deleted_count
    ids = [d["_id"] for d in db.notifications.find({"actor_ids": uid}, {"_id": 1})]
    if ids:
        db.notifications.update_many({"_id": {"$in": ids}}, {"$pull": {"actor_ids": uid},
                                                             "$inc": {"actors_count": -1}})
        db.notifications.delete_many({"_id": {"$in": ids}, "actor_ids": []})
    return {"notifications": own, "preferences": prefs, "as_actor": len(ids)}


def _register_portability() -> None:
    register_area("notifications", order=61, export=_export_area, erase=_erase_area)


_register_portability()


def newer_than(uid: str, notification_id: str, limit: int | None = None, *, adjacent: bool = False,
               types: list[str] | None = None) -> list[dict]:
    """Notifications of ``uid`` changed after the one with ``notification_id``,
    newest first, for a client polling for what is new (Mastodon's
    ``since_id`` and, with ``adjacent``, ``min_id``: the ``limit`` oldest of
    the newer ones, so paging forwards leaves no gap).

    An id that is not one of ``uid``'s notifications (or malformed) counts as
    "older than everything": the newest page is returned.
    """
    limit = clamp_limit(limit)
    try:
        oid = ObjectId(notification_id)
    except (InvalidId, TypeError):
        oid = None
    doc = _db().notifications.find_one({"_id": oid, "user_id": uid}, {"seq": 1}) if oid else None
    hidden, extra = visible(uid)
    flt = {"user_id": uid, "seq": {"$gt": int(doc["seq"]) if doc else -1}, **extra}
    if types is not None:
        flt["type"] = {"$in": [t for t in types if t in TYPES]}
    order = 1 if adjacent else -1
    docs = list(_db().notifications.find(flt).sort([("seq", order)]).limit(limit))
    docs.sort(key=lambda d: d["seq"], reverse=True)
    return present(docs, hidden)


def get_notification(uid: str, notification_id: str) -> dict:
    """One of ``uid``'s notifications as :func:`present` shows it (hidden
    actors left out). Raises :class:`NotFound` (missing, someone else's, or
    only from users ``uid`` blocks, is blocked by or mutes)."""
    hidden, extra = visible(uid)
    doc = _db().notifications.find_one({"_id": parse_id(notification_id, "notification"), "user_id": uid, **extra})
    shown = present([doc], hidden) if doc else []
    if not shown:
        raise NotFound("notification not found")
    return shown[0]


def cursor_below(uid: str, notification_id: str) -> str:
    """The :func:`list_notifications` cursor that pages below the notification
    ``notification_id`` (Mastodon's ``max_id``); an id that is not one of
    ``uid``'s pages below everything (an empty page). Raises
    :class:`MalformedRequest` for a malformed id."""
    try:
        oid = ObjectId(notification_id)
    except (InvalidId, TypeError):
        raise MalformedRequest("invalid id", errors=[{"field": "max_id", "message": "not a notification id"}])
    doc = _db().notifications.find_one({"_id": oid, "user_id": uid}, {"seq": 1})
    return encode_cursor({"seq": int(doc["seq"]) if doc else 0})


def dismiss(uid: str, notification_id: str) -> None:
    """Delete one of ``uid``'s notifications (Mastodon's dismiss). Raises :class:`NotFound`."""
    res = _db().notifications.delete_one({"_id": parse_id(notification_id, "notification"), "user_id": uid})
    if not res.deleted_count:
        raise NotFound("notification not found")


def clear(uid: str) -> dict:
    """Delete every notification of ``uid`` (Mastodon's clear); ``{"deleted": n}``."""
    return {"deleted": _db().notifications.delete_many({"user_id": uid}).deleted_count}
