"""Doctor checks across stores: accounts and graph users, empty nodes,
authors of content, media objects and their documents.

- ``accounts``: a sign-up's graph user (``source: signup``) without an
  account (repair: remove the node, which nobody can sign in to), and an
  active account without a graph user (repair: make the node again from the
  account). Imported users have no account by design; accounts being
  deleted (and graph users whose deletion is still running), and sign-ups younger than :data:`GRACE_SECONDS` (a registration
  in flight), are left alone. A ``pending`` account older than that is a
  registration whose process died between its two writes (repair: remove
  it; the user never got a 201).
- ``empty-nodes``: nodes without any property, and User nodes without a uid
  (repair: remove them).
- ``authors``: posts and comments whose author is not a graph user (repair:
  remove them, as the author's erasure would have; comment counters are
  fixed by ``counters``, which runs after this check).
- ``media``: objects under ``media/`` that no media document references
  (older than :data:`GRACE_SECONDS`, so an upload in flight is not one;
  repair: remove the object), and media documents whose objects are missing
  (repair: the item becomes ``failed`` with an error the owner reads).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Iterable

from flask import current_app

from socialgraph import stores
from socialgraph.content import posts as content_posts
from socialgraph.core import clock
from socialgraph.operations.doctor import Finding, register_check

#: seconds a half-made write may be in flight before it counts as a finding
GRACE_SECONDS = 600
BATCH = 500


def _existing(uids: list[str]) -> set[str]:
    if not uids:
        return set()
    return {r["uid"] for r in stores.graph().read("operations/list_existing_uids", uids=uids)}


# -- accounts <-> graph users -------------------------------------------------
def check_accounts(progress) -> Iterable[Finding]:
    db = stores.mongo()
    g = stores.graph()
    cutoff = clock.now() - timedelta(seconds=GRACE_SECONDS)
    total = db.accounts.estimated_document_count() + g.read("operations/count_signup_users")[0]["n"]
    done = 0
    last = None
    while True:  # accounts -> graph
        page = list(db.accounts.find({} if last is None else {"_id": {"$gt": last}},
                                     {"username": 1, "status": 1, "created_at": 1}, sort=[("_id", 1)], limit=BATCH))
        if not page:
            break
        last = page[-1]["_id"]
        have = _existing([d["_id"] for d in page])
        for d in page:
            if d["_id"] in have or d.get("status") == "deleting" or _recent(d, cutoff):
                continue
            if d.get("status") == "pending":
                yield Finding("accounts", f"account {d['_id']} ({d['username']}): registration never finished",
                              repair=lambda uid=d["_id"]: stores.mongo().accounts.delete_one(
                                  {"_id": uid, "status": "pending"}))
            else:
                yield Finding("accounts", f"account {d['_id']} ({d['username']}) has no graph user",
                              repair=lambda d=d: stores.graph().write(
                                  "operations/merge_signup_user", uid=d["_id"], username=d["username"],
                                  created_at=d.get("created_at") or clock.now()))
        done += len(page)
        progress(done, total)
    after = ""
    while True:  # graph sign-ups -> accounts
        rows = g.read("operations/list_signup_users", after=after, limit=BATCH)
        if not rows:
            break
        after = rows[-1]["uid"]
        uids = [r["uid"] for r in rows]
        have = {d["_id"] for d in db.accounts.find({"_id": {"$in": uids}}, {"_id": 1})}
        have |= {d["_id"] for d in db.deletions.find({"_id": {"$in": uids}, "status": {"$ne": "done"}}, {"_id": 1})}
        for r in rows:
            if r["uid"] not in have:
                yield Finding("accounts", f"graph user {r['uid']} ({r['username']}) has no account",
                              repair=lambda uid=r["uid"]: stores.graph().write("graph/users/delete_user", uid=uid))
        done += len(rows)
        progress(done, total)


def _recent(doc: dict, cutoff) -> bool:
    created = doc.get("created_at")
    return created is not None and created > cutoff


# -- empty nodes ----------------------------------------------------------------
def check_empty_nodes(progress) -> Iterable[Finding]:
    rows = stores.graph().read("operations/list_propertyless_nodes", limit=10000)
    progress(len(rows), len(rows))
    for r in rows:
        label = ":".join(r.get("labels") or []) or "no label"
        yield Finding("empty-nodes", f"node {r['id']} ({label}) has no properties",
                      repair=lambda i=r["id"]: stores.graph().write("operations/delete_node_by_element_id", id=i))


# -- authors of posts and comments ------------------------------------------
def check_authors(progress) -> Iterable[Finding]:
    db = stores.mongo()
    total = db.posts.estimated_document_count() + db.comments.estimated_document_count()
    done = 0
    for coll in ("posts", "comments"):
        last = None
        while True:
            page = list(db[coll].find({} if last is None else {"_id": {"$gt": last}},
                                      {"author_id": 1, "post_id": 1, "deleted": 1, "group_id": 1},
                                      sort=[("_id", 1)], limit=BATCH))
            if not page:
                break
            last = page[-1]["_id"]
            authors = {d["author_id"] for d in page if d.get("author_id")}
            have = _existing(sorted(authors))
            for d in page:
                if not d.get("author_id") or d["author_id"] in have:
                    continue
                what = "post" if coll == "posts" else "comment"
                yield Finding("authors", f"{what} {d['_id']}: author {d['author_id']} does not exist",
                              repair=(lambda oid=d["_id"]: _remove_post(oid)) if coll == "posts"
                              else (lambda oid=d["_id"]: _remove_comment(oid)))
            done += len(page)
            progress(done, total)


def _remove_post(oid) -> None:
    stores.mongo().posts.delete_one({"_id": oid})
    content_posts.purge_post(str(oid))


def _remove_comment(oid) -> None:
    db = stores.mongo()
    db.reactions.delete_many({"target": f"comment:{oid}"})
    db.comments.delete_one({"_id": oid})


# -- media objects <-> documents ----------------------------------------------
MEDIA_PREFIX = "media/"


def _referenced(doc: dict) -> set[str]:
    keys = {v["key"] for v in (doc.get("variants") or {}).values() if v.get("key")}
    if doc.get("status") in ("processing", "awaiting_upload") and doc.get("key"):
        keys.add(doc["key"])
    return keys


def check_media(progress) -> Iterable[Finding]:
    db = stores.mongo()
    s3 = stores.objects()
    bucket = current_app.config["S3_BUCKET"]
    cutoff = clock.now() - timedelta(seconds=GRACE_SECONDS)
    total = db.media.estimated_document_count()
    referenced: set[str] = set()
    done = 0
    present: dict[str, object] = {}
    for obj in s3.list_objects(bucket, prefix=MEDIA_PREFIX, recursive=True):
        present[obj.object_name] = obj.last_modified
    for doc in db.media.find({}, {"key": 1, "variants": 1, "status": 1, "created_at": 1}):
        keys = _referenced(doc)
        referenced |= keys
        done += 1
        if done % BATCH == 0:
            progress(done, max(total, done))
        if doc.get("status") in ("awaiting_upload", "failed") or _recent(doc, cutoff):
            continue
        missing = sorted(k for k in keys if k not in present)
        if missing:
            yield Finding("media", f"media {doc['_id']} ({doc.get('status')}): object(s) missing: {', '.join(missing)}",
                          repair=lambda oid=doc["_id"]: stores.mongo().media.update_one(
                              {"_id": oid}, {"$set": {"status": "failed", "variants": {},
                                                      "error": "the file was lost; upload it again"}}))
    progress(done, max(total, done))
    for key, modified in sorted(present.items()):
        if key in referenced or (modified is not None and modified > cutoff):
            continue
        yield Finding("media", f"object {key} has no media document",
                      repair=lambda k=key: stores.objects().remove_object(bucket, k))


register_check("accounts", check_accounts)
register_check("empty-nodes", check_empty_nodes)
register_check("authors", check_authors)
register_check("media", check_media)
