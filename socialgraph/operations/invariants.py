"""``socialgraph doctor`` checks of the invariants concurrent writes must keep
(issue 25), over whatever data the stores hold: duplicate relationships,
blocks beside follows or friendships, groups without exactly one owner or
without an admin, banned members, orphaned comments, reactions on missing
posts or comments, notifications of missing users.

The services keep these rules in their writes (:mod:`socialgraph.graph.pairs`,
the group lock in :mod:`socialgraph.groups.membership`, conditional writes in
:mod:`socialgraph.content.comments` and :mod:`socialgraph.content.reactions`);
these checks find what older code, imports or a crash left behind. Each
finding names the ids involved and carries a repair that makes the same
decision the service would have made (the block wins over a follow, the ban
over a membership, the oldest of two duplicates stays, the longest-standing
admin becomes owner, a missing parent comment comes back as a placeholder).

Every check reads in pages of :data:`PAGE` and reports at most
:data:`MAX_FINDINGS` findings per run (run again after ``--repair``).
"""
from __future__ import annotations

import logging
from typing import Callable, Iterable, Iterator

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.errors import DuplicateKeyError
from redis.exceptions import RedisError

from socialgraph import stores
from socialgraph.graph.blocks import forget as forget_blocks
from socialgraph.graph.caches import forget_following
from socialgraph.graph.people import forget_relation
from socialgraph.groups.directory import forget_member_groups
from socialgraph.messaging.notifications import (
    LAST_SEQ_KEY,
    MAIL_KEY,
    MAIL_SCHEDULED_KEY,
)
from socialgraph.operations.degrees import recount
from socialgraph.operations.doctor import Finding, register_check

log = logging.getLogger(__name__)

#: documents or groups read per round trip
PAGE = 1000
#: findings reported per check and run
MAX_FINDINGS = 1000

#: directed relationship types of which a pair holds at most one
PAIR_TYPES = ("FOLLOWS", "FOLLOW_REQUEST", "FRIEND_REQUEST", "BLOCKS", "MUTES", "CLOSE_FRIEND",
              "MEMBER_OF", "BANNED_FROM", "REQUESTED_JOIN", "INVITED_TO")

RANK = {"admin": 3, "moderator": 2, "member": 1}

Progress = Callable[[int, "int | None"], None]


# -- graph ----------------------------------------------------------------------
def duplicate_relationships(progress: Progress) -> Iterator[Finding]:
    """Two or more relationships of one type between the same pair (two
    FOLLOWS a -> b, two friendships). Repair: keep the oldest."""
    g = stores.graph()
    rows = g.read("operations/invariants/list_duplicate_relationships", types=list(PAIR_TYPES),
                  limit=MAX_FINDINGS)
    rows += g.read("operations/invariants/list_duplicate_friendships", limit=MAX_FINDINGS)
    for i, r in enumerate(rows[:MAX_FINDINGS], 1):
        progress(i, len(rows))
        if r["rel"] == "FRIENDS_WITH":
            fix = (lambda a=r["a"], b=r["b"]: (g.write("operations/invariants/delete_duplicate_friendship", a=a, b=b),
                                               recount(a, b)))
        else:
            fix = (lambda a=r["a"], b=r["b"], rel=r["rel"]:
                   (g.write("operations/invariants/delete_duplicate_relationship", a=a, b=b, rel=rel),
                    recount(a, b)))
        yield Finding("graph.duplicate_relationships", f"{r['n']} {r['rel']} between {r['a']} and {r['b']}", fix)


def blocks_with_ties(progress: Progress) -> Iterator[Finding]:
    """A block beside a follow, friendship, request or close-friend mark
    between the same users. Repair: those go (the block wins)."""
    g = stores.graph()
    rows = g.read("operations/invariants/list_blocks_with_ties", limit=MAX_FINDINGS)
    for i, r in enumerate(rows, 1):
        progress(i, len(rows))
        yield Finding("graph.blocks_with_ties",
                      f"{r['blocker']} blocks {r['blocked']} but {', '.join(sorted(r['ties']))} remain",
                      lambda a=r["blocker"], b=r["blocked"]: _drop_ties(a, b))


def _drop_ties(blocker: str, blocked: str) -> None:
    stores.graph().write("operations/invariants/delete_block_ties", blocker=blocker, blocked=blocked)
    recount(blocker, blocked)  # the stored degree counts of both (socialgraph.operations.degrees)
    forget_relation(blocker, blocked)
    forget_blocks(blocker, blocked)
    forget_following(blocker, blocked)


# -- groups ---------------------------------------------------------------------
def group_leadership(progress: Progress) -> Iterator[Finding]:
    """A group without exactly one owner, or without an admin. Repair: the
    longest-standing owner (else admin, else moderator, else member) becomes
    the one owner and an admin; a group without members is only reported."""
    g = stores.graph()
    after, seen, found = "", 0, 0
    while found < MAX_FINDINGS:
        rows = g.read("operations/invariants/list_group_leadership", after=after, limit=PAGE)
        if not rows:
            break
        for r in rows:
            if r["owners"] == 1 and r["admins"] >= 1:
                continue
            found += 1
            msg = f"group {r['group_id']} has {r['owners']} owner(s) and {r['admins']} admin(s)"
            if not r["members"]:
                yield Finding("groups.leadership", msg + " and no members (delete it or add one)")
            else:
                yield Finding("groups.leadership", msg, lambda gid=r["group_id"]: repair_group_leadership(gid))
        seen += len(rows)
        progress(seen, None)
        after = rows[-1]["group_id"]


def repair_group_leadership(group_id: str) -> str | None:
    """Make ``group_id`` have exactly one owner who is an admin, in the group's
    locking transaction. Returns the owner's uid (None: no members)."""

    def work(tx):
        if not tx.run("groups/lock_group", group_id=group_id):
            return None
        members = tx.run("operations/invariants/list_group_members_by_seniority", group_id=group_id)
        if not members:
            return None
        owners = [m for m in members if m["owner"]]
        heir = owners[0] if owners else max(members, key=lambda m: RANK.get(m["role"], 0))
        # max() keeps the first (longest standing) of the highest rank
        tx.run("operations/invariants/update_group_owner", group_id=group_id, owner=heir["uid"])
        return heir["uid"]

    return stores.graph().transaction(work)


def banned_members(progress: Progress) -> Iterator[Finding]:
    """A user banned from a group and still its member. Repair: the
    membership goes (the ban wins), then the group's leadership is repaired
    if the user was its owner or last admin."""
    g = stores.graph()
    rows = g.read("operations/invariants/list_banned_members", limit=MAX_FINDINGS)
    for i, r in enumerate(rows, 1):
        progress(i, len(rows))
        yield Finding("groups.banned_members", f"{r['uid']} is banned from and a member of group {r['group_id']}",
                      lambda u=r["uid"], gid=r["group_id"]: _unban_member(gid, u))


def _unban_member(group_id: str, uid: str) -> None:
    stores.graph().write("operations/invariants/delete_banned_membership", group_id=group_id, user=uid)
    forget_member_groups(uid)
    if any(r["owners"] != 1 or r["admins"] < 1 for r in _leadership_of(group_id)):
        repair_group_leadership(group_id)


def _leadership_of(group_id: str) -> list[dict]:
    members = stores.graph().read("operations/invariants/list_group_members_by_seniority", group_id=group_id)
    return [{"owners": sum(1 for m in members if m["owner"]),
             "admins": sum(1 for m in members if m["role"] == "admin")}] if members else []


# -- documents ------------------------------------------------------------------
def _pages(coll, flt: dict, projection: dict) -> Iterator[list[dict]]:
    """``coll`` documents matching ``flt`` in ``_id`` order, :data:`PAGE` at a time."""
    last = None
    while True:
        page_flt = dict(flt)
        if last is not None:
            page_flt["_id"] = {"$gt": last}
        docs = list(coll.find(page_flt, projection).sort("_id", 1).limit(PAGE))
        if not docs:
            return
        yield docs
        last = docs[-1]["_id"]


def _existing(coll, ids: Iterable) -> set:
    ids = list(set(ids))
    return {d["_id"] for d in coll.find({"_id": {"$in": ids}}, {"_id": 1})} if ids else set()


def orphaned_comments(progress: Progress) -> Iterator[Finding]:
    """A comment whose post is gone (repair: it goes, with its reactions) or
    whose parent comment is gone (repair: the parent comes back as a
    placeholder, ``deleted: true``, so the thread keeps its shape and the
    reply stays reachable)."""
    db = stores.mongo()
    seen = found = 0
    for docs in _pages(db.comments, {}, {"post_id": 1, "parent_id": 1, "root_id": 1, "depth": 1, "group_id": 1}):
        posts = _existing(db.posts, [d["post_id"] for d in docs])
        parents = _existing(db.comments, [d["parent_id"] for d in docs if d.get("parent_id")])
        for d in docs:
            if d["post_id"] not in posts:
                found += 1
                yield Finding("content.orphaned_comments", f"comment {d['_id']} of missing post {d['post_id']}",
                              lambda cid=d["_id"]: _drop_comment(cid))
            elif d.get("parent_id") and d["parent_id"] not in parents:
                found += 1
                yield Finding("content.orphaned_comments", f"comment {d['_id']} replies to missing comment "
                              f"{d['parent_id']} of post {d['post_id']}", lambda doc=d: _restore_parent(doc))
            if found >= MAX_FINDINGS:
                return
        seen += len(docs)
        progress(seen, None)


def _drop_comment(cid) -> None:
    db = stores.mongo()
    db.reactions.delete_many({"target": f"comment:{cid}"})
    db.comments.delete_one({"_id": cid})


def _restore_parent(doc: dict) -> None:
    """Put a placeholder where ``doc``'s missing parent was (one level up,
    counting the replies it has)."""
    db = stores.mongo()
    pid = doc["parent_id"]
    replies = db.comments.count_documents({"parent_id": pid})
    depth = max(int(doc.get("depth") or 1) - 1, 0)
    root = doc.get("root_id")
    placeholder = {"_id": pid, "post_id": doc["post_id"], "parent_id": None if depth == 0 or root == pid else root,
                   "root_id": None if depth == 0 or root == pid else root, "depth": depth, "author_id": None,
                   "text": "", "created_at": pid.generation_time if hasattr(pid, "generation_time") else None,
                   "edited_at": None, "reply_count": replies, "deleted": True, "counts": {"reactions": {}}}
    if doc.get("group_id"):
        placeholder["group_id"] = doc["group_id"]
    try:
        db.comments.insert_one(placeholder)
    except DuplicateKeyError:
        pass  # came back meanwhile


def reactions_on_missing(progress: Progress) -> Iterator[Finding]:
    """A reaction whose post or comment is gone (or is a placeholder).
    Repair: the reaction goes."""
    db = stores.mongo()
    seen = found = 0
    for docs in _pages(db.reactions, {}, {"target": 1}):
        ids: dict[str, list] = {"post": [], "comment": []}
        parsed = []
        for d in docs:
            kind, _, raw = str(d.get("target") or "").partition(":")
            try:
                oid = ObjectId(raw)
            except (InvalidId, TypeError):
                oid = None
            parsed.append((d, kind, oid))
            if kind in ids and oid is not None:
                ids[kind].append(oid)
        live = {"post": _existing(db.posts, ids["post"]),
                "comment": {c["_id"] for c in db.comments.find({"_id": {"$in": ids["comment"]}, "deleted": False},
                                                               {"_id": 1})} if ids["comment"] else set()}
        for d, kind, oid in parsed:
            if kind in live and oid in live[kind]:
                continue
            found += 1
            yield Finding("content.reactions_on_missing", f"reaction {d['_id']} on missing {d.get('target')}",
                          lambda rid=d["_id"]: db.reactions.delete_one({"_id": rid}))
            if found >= MAX_FINDINGS:
                return
        seen += len(docs)
        progress(seen, None)


def notifications_of_missing_users(progress: Progress) -> Iterator[Finding]:
    """Notifications addressed to a user who has no account. Repair: they go
    (all of that user's), with the user's notification Redis keys."""
    db = stores.mongo()
    reported: set[str] = set()
    seen = 0
    for docs in _pages(db.notifications, {}, {"user_id": 1}):
        uids = {d["user_id"] for d in docs} - reported
        missing = uids - _existing(db.accounts, uids)
        for uid in sorted(missing):
            reported.add(uid)
            yield Finding("messaging.notifications_of_missing_users", f"notifications addressed to missing user {uid}",
                          lambda u=uid: _drop_notifications(u))
            if len(reported) >= MAX_FINDINGS:
                return
        seen += len(docs)
        progress(seen, None)


def _drop_notifications(uid: str) -> None:
    stores.mongo().notifications.delete_many({"user_id": uid})
    try:
        stores.cache().delete(*[k.format(uid=uid) for k in (LAST_SEQ_KEY, MAIL_KEY, MAIL_SCHEDULED_KEY)])
    except RedisError:
        log.warning("could not drop the notification keys of %s", uid)


def _register() -> None:
    register_check("graph.duplicate_relationships", duplicate_relationships)
    register_check("graph.blocks_with_ties", blocks_with_ties)
    register_check("groups.leadership", group_leadership)
    register_check("groups.banned_members", banned_members)
    register_check("content.orphaned_comments", orphaned_comments)
    register_check("content.reactions_on_missing", reactions_on_missing)
    register_check("messaging.notifications_of_missing_users", notifications_of_missing_users)


_register()
