"""Post documents by id, read through a Redis copy (``sg:post:<id>``).

Every list of posts (home feed above all) ends in "fetch these ids"; with the
copies a page is served from Redis alone in the common case. A copy holds
the fields :func:`socialgraph.content.posts.present_posts` and the visibility rule
read (not ``keywords`` or the edit ``history``), as JSON, for
``POST_CACHE_SECONDS`` (default 900 s). Every write to a post document calls
:func:`forget` after the store write (edit, delete, counts of comments,
reactions and shares, pins, imports of user data); the version check of
:mod:`socialgraph.stores.readcache` keeps a concurrent reader from storing the old
document again.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from bson import ObjectId
from flask import current_app
from redis.exceptions import RedisError

from socialgraph import stores
from socialgraph.stores import readcache

log = logging.getLogger(__name__)

KEY = "sg:post:{id}"
FIELDS = ("author_id", "text", "hashtags", "mentions", "visibility", "author_private", "sensitive", "content_warning", "kind",
          "media_ids", "share_of", "counts", "group_id", "created_at", "edited_at", "pinned_at")
_DATES = ("created_at", "edited_at", "pinned_at")
_OIDS = ("share_of",)


def _dumps(doc: dict) -> str:
    out = {"_id": str(doc["_id"])}
    for f in FIELDS:
        if f not in doc:
            continue
        v = doc[f]
        if f in _DATES and v is not None:
            v = v.isoformat()
        elif f in _OIDS and v is not None:
            v = str(v)
        elif f == "media_ids":
            v = [str(m) for m in v or []]
        out[f] = v
    return json.dumps(out, separators=(",", ":"))


def _loads(raw: bytes) -> dict:
    doc = json.loads(raw)
    doc["_id"] = ObjectId(doc["_id"])
    for f in _DATES:
        if doc.get(f):
            d = datetime.fromisoformat(doc[f])
            doc[f] = d if d.tzinfo else d.replace(tzinfo=timezone.utc)
    for f in _OIDS:
        if doc.get(f):
            doc[f] = ObjectId(doc[f])
    doc["media_ids"] = [ObjectId(m) for m in doc.get("media_ids") or []]
    return doc


def get_posts(ids: list) -> dict[str, dict]:
    """``post id (str) -> document`` for those of ``ids`` (str or ObjectId) that
    exist: copies from Redis, the rest from MongoDB in one ``$in`` find (then
    copied). Documents carry the fields of :data:`FIELDS` (all of them when
    read from MongoDB). Falls back to MongoDB alone when Redis is away."""
    keys_of = {str(i): KEY.format(id=i) for i in ids}
    if not keys_of:
        return {}
    sids = list(keys_of)
    try:
        copies, versions = readcache.get_many([keys_of[s] for s in sids])
    except RedisError:
        copies, versions = [None] * len(sids), None
    out: dict[str, dict] = {}
    missing: dict[str, str] = {}
    for sid, raw, v in zip(sids, copies, versions or ["0"] * len(sids)):
        if raw:
            out[sid] = _loads(raw)
        else:
            missing[sid] = v
    if missing:
        oids = []
        for sid in missing:
            try:
                oids.append(ObjectId(sid))
            except Exception:  # noqa: BLE001 - not an id: not a post
                continue
        found = {str(d["_id"]): d for d in stores.mongo().posts.find({"_id": {"$in": oids}})}
        out.update(found)
        if versions is not None:
            readcache.put_many(((keys_of[s], missing[s], _dumps(d)) for s, d in found.items()),
                               int(current_app.config["POST_CACHE_SECONDS"]))
    return out


def get_post(post_id) -> dict | None:
    """One document by id (see :func:`get_posts`), or None."""
    return get_posts([post_id]).get(str(post_id))


def forget(*post_ids) -> None:
    """After a write to these posts' documents: drop their copies (versioned)."""
    readcache.invalidate(*[KEY.format(id=p) for p in post_ids if p is not None])
