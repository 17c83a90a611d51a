"""Direct messages: one-to-one and small group conversations in MongoDB.

Documents:

- ``conversations``: ``{_id, kind: "direct"|"group", members: [uid], title,
  created_by, created_at, last_message_at, direct_key ("<uid>:<uid>" sorted,
  direct only; unique), read: {uid: last read message id}, unread_by: [uid]}``
- ``messages``: ``{_id, conversation_id, sender_id, text, created_at}``

Unread messages: ``unread_by`` lists the members with something unread (a
multikey index answers "how many conversations have unread messages" in one
count, whatever the number of conversations); how many messages are unread
in one conversation is counted from ``messages`` past the member's read
marker, capped at :data:`UNREAD_CAP`, and only for members listed in
``unread_by``. A send adds the recipients after the message is written; a
read receipt removes the reader and then adds them back if a message after
their marker exists (:func:`_settle_unread`), so in any interleaving of a
send and a read the list ends right.

Rules: only members read or write a conversation (others get 404); a user
who blocks the sender, or is blocked by them, is treated as absent (404,
and their messages are hidden from each other in groups); who may message
a user is decided by :func:`can_message` (the ``messages_from`` property of
the recipient's graph node: ``everyone`` (default), ``friends``, ``nobody``).
Sending is limited to ``MESSAGE_RATE_PER_MINUTE`` per user (Redis fixed
window) and ``MESSAGE_MAX_CHARS`` characters. New messages, typing and read
receipts go to the members' sockets (:mod:`socialgraph.messaging.realtime`).
"""
from __future__ import annotations

from bson import ObjectId
from flask import current_app
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from socialgraph import stores
from socialgraph.core import clock, events
from socialgraph.core.areas import register_area
from socialgraph.core.errors import Forbidden, NotFound, RateLimited, ValidationFailed
from socialgraph.core.pagination import (
    Page,
    clamp_limit,
    datetime_to_ms,
    decode_cursor,
    encode_cursor,
    ms_to_datetime,
)
from socialgraph.graph.people import resolve_uid, short_profiles
from socialgraph.graph.privacy import access
from socialgraph.graph.relations import blocked_either_way
from socialgraph.messaging import hub
from socialgraph.stores.documents import parse_id

RATE_KEY = "sg:msg:rate:{uid}:{window}"
#: unread messages counted per conversation at most (clients show "99+")
UNREAD_CAP = 100


def _db():
    return stores.mongo()


def can_message(sender: str, recipient: str) -> None:
    """Raise unless ``sender`` may message ``recipient``.

    :class:`NotFound` when either blocks the other (as if the user did not
    exist); :class:`Forbidden` when the recipient's ``messages_from`` is
    ``nobody``, or ``friends`` and they are not friends. The rule itself is
    :func:`socialgraph.graph.privacy.access` (one place for every privacy setting).
    """

    acc = access(sender, recipient)  # NotFound for unknown users and blocks either way
    if acc.blocked:
        raise NotFound("no such user")
    if not acc.message:
        raise Forbidden("this user does not accept messages from you")


def _unread_filter(doc: dict, viewer: str, hidden: set[str]) -> dict:
    """Messages of conversation ``doc`` that ``viewer`` has not read: after
    their read marker, by someone else who is not blocked either way."""
    flt: dict = {"conversation_id": doc["_id"], "sender_id": {"$nin": sorted({viewer, *hidden})}}
    marker = (doc.get("read") or {}).get(viewer)
    if marker:
        flt["_id"] = {"$gt": ObjectId(marker)}
    return flt


def _unread_count(doc: dict, viewer: str, hidden: set[str] | None = None) -> int:
    """Unread messages of ``viewer`` in ``doc`` (0..:data:`UNREAD_CAP`); no query
    unless ``viewer`` is in ``unread_by``."""
    if viewer not in (doc.get("unread_by") or []):
        return 0
    hidden = blocked_either_way(viewer) if hidden is None else hidden
    return _db().messages.count_documents(_unread_filter(doc, viewer, hidden), limit=UNREAD_CAP)


def _settle_unread(conv: dict, uid: str) -> None:
    """After ``uid``'s read marker moved (a read receipt, or their own message):
    take them out of ``unread_by``, then put them back if a message past the
    marker exists (one that arrived meanwhile). See the module docstring."""
    db = _db()
    db.conversations.update_one({"_id": conv["_id"]}, {"$pull": {"unread_by": uid}})
    fresh = db.conversations.find_one({"_id": conv["_id"]}, {"read": 1})
    if fresh is None:
        return
    if db.messages.find_one(_unread_filter({**conv, **fresh}, uid, blocked_either_way(uid)), {"_id": 1}):
        db.conversations.update_one({"_id": conv["_id"]}, {"$addToSet": {"unread_by": uid}})


def unread_summary(actor: str) -> dict:
    """``{"conversations": n}``: how many of ``actor``'s conversations have
    unread messages (one count on the ``unread_by`` index)."""
    return {"conversations": _db().conversations.count_documents({"unread_by": actor, "members": actor})}


def _present_conv(doc: dict, viewer: str, hidden: set[str] | None = None) -> dict:
    profiles = short_profiles(doc["members"])
    return {
        "id": str(doc["_id"]), "kind": doc["kind"], "title": doc.get("title"),
        "members": [{"uid": m, "username": profiles.get(m, {}).get("username"),
                     "display_name": profiles.get(m, {}).get("display_name"),
                     "avatar_id": profiles.get(m, {}).get("avatar_id")} for m in doc["members"]],
        "created_at": doc["created_at"], "last_message_at": doc.get("last_message_at"),
        "last_read_message_id": (doc.get("read") or {}).get(viewer),
        "unread_count": _unread_count(doc, viewer, hidden),
    }


def _event_audience(conv: dict, actor: str) -> list[str]:
    """The members who may get a conversation event caused by ``actor``
    (message, read receipt, typing): everyone else in it except those who
    block ``actor`` or whom ``actor`` blocks. Every event goes through this."""
    hidden = blocked_either_way(actor)
    return [m for m in conv["members"] if m != actor and m not in hidden]


def _present_msg(doc: dict) -> dict:
    return {"id": str(doc["_id"]), "conversation_id": str(doc["conversation_id"]),
            "sender_id": doc["sender_id"], "text": doc["text"], "created_at": doc["created_at"]}


def start_conversation(actor: str, usernames: list[str], title: str | None = None) -> dict:
    """Open a conversation of ``actor`` with ``usernames`` (1 = direct, reused if it exists).

    Raises :class:`ValidationFailed` (nobody, oneself only, too many members),
    :class:`NotFound` (unknown or blocked user), :class:`Forbidden` (does not accept messages).
    """

    names = list(dict.fromkeys(u.strip().lower() for u in usernames if u and u.strip()))
    limit = current_app.config["CONVERSATION_MAX_MEMBERS"]
    if not names:
        raise ValidationFailed("name at least one member", errors=[{"field": "members", "message": "empty"}])
    if len(names) + 1 > limit:
        raise ValidationFailed("too many members", errors=[
            {"field": "members", "message": f"at most {limit} members including you"}])
    others = []
    for name in names:
        uid = resolve_uid(name)
        if uid != actor:
            can_message(actor, uid)
            others.append(uid)
    if not others:
        raise ValidationFailed("you cannot message yourself", errors=[{"field": "members", "message": "is yourself"}])
    now = clock.now()
    db = _db()
    if len(others) == 1:
        pair = sorted([actor, others[0]])
        key = f"{pair[0]}:{pair[1]}"
        doc = db.conversations.find_one({"direct_key": key})
        if doc is None:
            doc = {"kind": "direct", "members": pair, "title": None, "created_by": actor, "created_at": now,
                   "last_message_at": None, "activity_at": now, "direct_key": key, "read": {}}
            try:
                doc["_id"] = db.conversations.insert_one(doc).inserted_id
            except DuplicateKeyError:
                doc = db.conversations.find_one({"direct_key": key})
        return _present_conv(doc, actor)
    doc = {"kind": "group", "members": [actor] + others, "title": (title or "").strip()[:100] or None,
           "created_by": actor, "created_at": now, "last_message_at": None, "activity_at": now, "read": {}}
    doc["_id"] = db.conversations.insert_one(doc).inserted_id
    return _present_conv(doc, actor)


def _member_conv(actor: str, conversation_id: str) -> dict:
    doc = _db().conversations.find_one({"_id": parse_id(conversation_id, "conversation"), "members": actor})
    if doc is None:
        raise NotFound("conversation not found")
    return doc


def get_conversation(actor: str, conversation_id: str) -> dict:
    """One conversation of ``actor``. Raises :class:`NotFound` for non-members."""
    return _present_conv(_member_conv(actor, conversation_id), actor)


def list_conversations(actor: str, cursor: str | None = None, limit: int | None = None) -> Page:
    """``actor``'s conversations, most recently created/active first; cursor = (activity ms, id)."""
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "at", "id")
    flt: dict = {"members": actor}
    if key:
        at, oid = ms_to_datetime(key["at"]), parse_id(str(key["id"]), "cursor")
        flt = {"$and": [flt, {"$or": [{"activity_at": {"$lt": at}}, {"activity_at": at, "_id": {"$lt": oid}}]}]}
    docs = list(_db().conversations.find(flt).sort([("activity_at", -1), ("_id", -1)]).limit(limit + 1))
    next_cursor = None
    if len(docs) > limit:
        last = docs[limit - 1]
        next_cursor = encode_cursor({"at": datetime_to_ms(last["activity_at"]), "id": str(last["_id"])})
    hidden = blocked_either_way(actor)
    return Page([_present_conv(d, actor, hidden) for d in docs[:limit]], next_cursor)


def cursor_below(actor: str, conversation_id: str) -> str:
    """The :func:`list_conversations` cursor below one of ``actor``'s
    conversations (Mastodon's ``max_id``). Raises :class:`NotFound`."""
    conv = _member_conv(actor, conversation_id)
    return encode_cursor({"at": datetime_to_ms(conv["activity_at"]), "id": str(conv["_id"])})


def _rate_limit(actor: str) -> None:
    per_minute = current_app.config["MESSAGE_RATE_PER_MINUTE"]
    window = int(clock.now().timestamp() // 60)
    r = stores.cache()
    key = RATE_KEY.format(uid=actor, window=window)
    pipe = r.pipeline(transaction=True)
    pipe.incr(key)
    pipe.expire(key, 120)
    count, _ = pipe.execute()
    if count > per_minute:
        raise RateLimited(f"at most {per_minute} messages per minute; slow down", retry_after=60)


def send_message(actor: str, conversation_id: str, text: str) -> dict:
    """Send ``text`` to a conversation of ``actor`` and deliver it to the members' sockets.

    Raises :class:`NotFound` (not a member; direct partner blocked either way),
    :class:`Forbidden` (partner does not accept messages), :class:`ValidationFailed`
    (empty or longer than ``MESSAGE_MAX_CHARS``), :class:`RateLimited` (flooding).
    """
    max_chars = current_app.config["MESSAGE_MAX_CHARS"]
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("message is empty", errors=[{"field": "text", "message": "must not be empty"}])
    if len(text) > max_chars:
        raise ValidationFailed("message is too long", errors=[
            {"field": "text", "message": f"at most {max_chars} characters"}])
    conv = _member_conv(actor, conversation_id)
    others = [m for m in conv["members"] if m != actor]
    if conv["kind"] == "direct":
        can_message(actor, others[0])
        recipients = others
    else:
        recipients = _event_audience(conv, actor)
    _rate_limit(actor)
    now = clock.now()
    doc = {"conversation_id": conv["_id"], "sender_id": actor, "text": text, "created_at": now}
    doc["_id"] = _db().messages.insert_one(doc).inserted_id
    update: dict = {"$set": {"last_message_at": now, "activity_at": now, f"read.{actor}": str(doc["_id"])}}
    if recipients:
        update["$addToSet"] = {"unread_by": {"$each": recipients}}
    _db().conversations.update_one({"_id": conv["_id"]}, update)
    if actor in (conv.get("unread_by") or []):
        _settle_unread(conv, actor)  # answering reads the conversation
    shown = _present_msg(doc)
    for uid in recipients + [actor]:
        hub.publish(uid, {"type": "message", "message": shown})
    if conv["kind"] == "direct":  # engagement between the two (socialgraph.graph.interactions)
        events.publish("message.sent", message_id=str(doc["_id"]), conversation_id=str(conv["_id"]),
                       sender_id=actor, recipient_id=others[0])
    return shown


def history(actor: str, conversation_id: str, cursor: str | None = None, limit: int | None = None) -> Page:
    """Messages of a conversation, newest first (cursor = message id); messages of
    users blocked either way are left out. Raises :class:`NotFound`."""

    conv = _member_conv(actor, conversation_id)
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "id")
    flt: dict = {"conversation_id": conv["_id"]}
    hidden = blocked_either_way(actor)
    if hidden:
        flt["sender_id"] = {"$nin": sorted(hidden)}
    if key:
        flt["_id"] = {"$lt": parse_id(str(key["id"]), "cursor")}
    docs = list(_db().messages.find(flt).sort([("_id", -1)]).limit(limit + 1))
    next_cursor = encode_cursor({"id": str(docs[limit - 1]["_id"])}) if len(docs) > limit else None
    return Page([_present_msg(d) for d in docs[:limit]], next_cursor)


def mark_read(actor: str, conversation_id: str, message_id: str) -> dict:
    """Read receipt: ``actor`` has read up to ``message_id``; members are told
    (``{"type": "read", ...}``), and so are the reader's own sockets (their
    other tabs clear the unread badge). Never moves backwards; the reader's
    unread count drops to what is past the marker. Raises :class:`NotFound`."""
    conv = _member_conv(actor, conversation_id)
    msg = _db().messages.find_one({"_id": parse_id(message_id, "message"), "conversation_id": conv["_id"]})
    if msg is None:
        raise NotFound("message not found")
    current = (conv.get("read") or {}).get(actor)
    if current is None or ObjectId(current) < msg["_id"]:
        _db().conversations.find_one_and_update({"_id": conv["_id"]}, {"$set": {f"read.{actor}": message_id}},
                                                return_document=ReturnDocument.AFTER)
        event = {"type": "read", "conversation_id": conversation_id, "user_id": actor, "message_id": message_id}
        if actor in (conv.get("unread_by") or []):
            _settle_unread(conv, actor)
        for uid in _event_audience(conv, actor) + [actor]:  # never to a member blocked either way
            hub.publish(uid, event)
        current = message_id
    elif actor in (conv.get("unread_by") or []):
        _settle_unread(conv, actor)
    return {"conversation_id": conversation_id, "last_read_message_id": current}


def typing(actor: str, conversation_id: str) -> None:
    """Tell the other online members that ``actor`` is typing. Raises :class:`NotFound`."""

    conv = _member_conv(actor, conversation_id)
    hub.publish_if_online(_event_audience(conv, actor),
                          {"type": "typing", "conversation_id": conversation_id, "user_id": actor})


# -- data portability (socialgraph.portability.service) ---------------------------------
def _export_area(ctx) -> None:
    """``messages.json``: the user's conversations (members by username) and
    the messages they sent, oldest first. Others' messages are theirs and stay out."""

    db = _db()
    convs = list(db.conversations.find({"members": ctx.uid}).sort([("created_at", 1), ("_id", 1)]))
    names = short_profiles(sorted({m for c in convs for m in c["members"]}))
    ctx.add_json("messages.json", {
        "conversations": [{"id": str(c["_id"]), "kind": c["kind"], "title": c.get("title"),
                           "members": [(names.get(m) or {}).get("username") for m in c["members"]],
                           "created_at": c["created_at"], "last_message_at": c.get("last_message_at")}
                          for c in convs],
        "messages": [{"id": str(m["_id"]), "conversation_id": str(m["conversation_id"]), "text": m["text"],
                      "created_at": m["created_at"]}
                     for m in db.messages.find({"sender_id": ctx.uid}).sort([("created_at", 1), ("_id", 1)])],
    })


def _erase_area(uid: str) -> dict:
    """The user's messages go; the user leaves every conversation (their read
    marker and unread mark with them); a conversation left without members goes with its
    messages; the conversations the user started keep ``created_by: null``
    and a direct conversation loses its ``direct_key`` (both held the uid).
    Idempotent: the user stays a member until the last update."""
    db = _db()
    deleted = db.messages.delete_many({"sender_id": uid}).deleted_count
    db.conversations.update_many({"members": uid, "kind": "direct"}, {"$unset": {"direct_key": ""}})
    db.conversations.update_many({"created_by": uid}, {"$set": {"created_by": None}})
    left = db.conversations.update_many({"members": uid}, {"$pull": {"members": uid, "unread_by": uid},
                                                           "$unset": {f"read.{uid}": ""}}).modified_count
    empty = [c["_id"] for c in db.conversations.find({"members": []}, {"_id": 1})]
    if empty:
        db.messages.delete_many({"conversation_id": {"$in": empty}})
        db.conversations.delete_many({"_id": {"$in": empty}})
    return {"messages": deleted, "conversations_left": left, "conversations_deleted": len(empty)}


def _register_portability() -> None:
    register_area("messages", order=60, export=_export_area, erase=_erase_area)


_register_portability()
