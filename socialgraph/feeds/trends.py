"""Trending hashtags and posts, computed by a scheduled RQ job.

The scoring follows Mastodon's trends (``app/models/trends/tags.rb`` and
``app/models/trends/statuses.rb``), "observed vs expected uses with decay":

Hashtags -- ``observed`` = distinct accounts that used the tag in the last
24 h, ``expected`` = distinct accounts in the 24 h before that (at least 1)::

    score = 0                                   if observed < expected or observed < TAG_THRESHOLD
          = (observed - expected) ** 2 / expected   otherwise
    max_score, max_at = the highest score seen and when (forgotten after 2 days)
    trend = max_score * 0.5 ** ((now - max_at) / 2 h)

Posts (last 48 h) -- ``expected = 1``, ``observed`` = reactions + comments::

    score = 0 if observed < POST_THRESHOLD else (observed - 1) ** 2
    trend = score * 0.5 ** (age / 1 h)

Constants are Mastodon's defaults (threshold 5, tag half-life 2 h, cooldown
2 days, post half-life 1 h). Results are kept in MongoDB ``trends``
(``{_id: "tags"|"posts", items, state, computed_at}``) and read by the API.
``jobs.trends.compute_trends`` re-schedules itself every
``TRENDS_INTERVAL_SECONDS`` (RQ ``enqueue_in``; the worker runs the scheduler).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from socialgraph import stores
from socialgraph.content.posts import present_posts
from socialgraph.content.visibility import is_public
from socialgraph.core import clock
from socialgraph.graph.relations import hidden_authors

TAG_THRESHOLD = 5
POST_THRESHOLD = 5
TAG_HALFLIFE_S = 2 * 3600
TAG_COOLDOWN_S = 2 * 86400
POST_HALFLIFE_S = 3600
LIMIT = 20


def tag_score(observed: int, expected: int) -> float:
    """Mastodon's per-period tag score (see module docstring)."""
    expected = max(expected, 1)
    if observed < expected or observed < TAG_THRESHOLD:
        return 0.0
    return (observed - expected) ** 2 / expected


def post_score(engagement: int, age_seconds: float) -> float:
    """Mastodon's status trend score with its 1 h half-life decay."""
    if engagement < POST_THRESHOLD:
        return 0.0
    return (engagement - 1) ** 2 * 0.5 ** (max(age_seconds, 0) / POST_HALFLIFE_S)


def compute() -> dict:
    """Recompute tag and post trends; returns ``{"tags": n, "posts": n}``."""
    db = stores.mongo()
    now = clock.now()
    day = now - timedelta(days=1)
    # two days of posts, scanned every few minutes: a secondary may serve it (lag is harmless here)
    docs = stores.analytics_mongo().posts.find({"created_at": {"$gt": now - timedelta(days=2)}},
                         {"hashtags": 1, "author_id": 1, "created_at": 1, "counts": 1, "visibility": 1,
                          "author_private": 1, "group_id": 1})
    today: dict[str, set] = defaultdict(set)
    yesterday: dict[str, set] = defaultdict(set)
    post_rows = []
    for d in docs:
        bucket = today if d["created_at"] > day else yesterday
        for tag in d.get("hashtags") or []:
            bucket[tag].add(d["author_id"])
        if is_public(d):
            counts = d.get("counts") or {}
            engagement = int(counts.get("comments", 0)) + sum(
                v for v in (counts.get("reactions") or {}).values() if v > 0)
            s = post_score(engagement, (now - d["created_at"]).total_seconds())
            if s > 0:
                post_rows.append({"post_id": str(d["_id"]), "score": s, "engagement": engagement})

    prev = db.trends.find_one({"_id": "tags"}) or {}
    state = prev.get("state") or {}
    new_state, tag_rows = {}, []
    for tag in set(today) | set(state):
        observed, expected = len(today.get(tag, ())), len(yesterday.get(tag, ()))
        old = state.get(tag) or {}
        max_score, max_at = old.get("max_score", 0.0), old.get("max_at")
        if max_at is None or (now - max_at).total_seconds() > TAG_COOLDOWN_S:
            max_score, max_at = 0.0, None
        score = tag_score(observed, expected)
        if score > max_score:
            max_score, max_at = score, now
        if max_at is None:
            continue
        trend = max_score * 0.5 ** ((now - max_at).total_seconds() / TAG_HALFLIFE_S)
        new_state[tag] = {"max_score": max_score, "max_at": max_at}
        if trend > 0:
            tag_rows.append({"tag": tag, "score": trend, "accounts": observed, "expected": max(expected, 1)})
    tag_rows.sort(key=lambda r: (-r["score"], r["tag"]))
    post_rows.sort(key=lambda r: (-r["score"], r["post_id"]))
    db.trends.replace_one({"_id": "tags"}, {"items": tag_rows[:LIMIT], "state": new_state, "computed_at": now},
                          upsert=True)
    db.trends.replace_one({"_id": "posts"}, {"items": post_rows[:LIMIT], "computed_at": now}, upsert=True)
    return {"tags": len(tag_rows[:LIMIT]), "posts": len(post_rows[:LIMIT])}


def schedule_next(delay: int | None = None) -> str:
    """Schedule the next run (one per time slot, so several workers do not multiply it)."""
    from flask import current_app

    interval = int(delay if delay is not None else current_app.config["TRENDS_INTERVAL_SECONDS"])
    slot = int((clock.now().timestamp() + interval) // max(interval, 1))
    return stores.tasks().enqueue_in(interval, "jobs.trends.compute_trends", job_id=f"sg-trends-{slot}",
                                         unique=True)


def trending_tags() -> dict:
    """``{"items": [{tag, score, accounts, expected}], "computed_at"}``."""
    doc = stores.mongo().trends.find_one({"_id": "tags"}) or {}
    return {"items": doc.get("items", []), "computed_at": doc.get("computed_at")}


def trending_posts(viewer: str | None = None) -> dict:
    """``{"items": [post + "trend_score"], "computed_at"}`` without posts hidden from the viewer."""
    from bson import ObjectId

    doc = stores.mongo().trends.find_one({"_id": "posts"}) or {}
    rows = doc.get("items", [])
    hidden = hidden_authors(viewer)
    found = {str(d["_id"]): d for d in stores.mongo().posts.find(
        {"_id": {"$in": [ObjectId(r["post_id"]) for r in rows]}})}
    docs = [found[r["post_id"]] for r in rows if r["post_id"] in found
            and found[r["post_id"]]["author_id"] not in hidden
            and is_public(found[r["post_id"]])]  # checked again: the author may have gone private
    items = present_posts(docs, viewer)
    scores = {r["post_id"]: r["score"] for r in rows}
    for it in items:
        it["trend_score"] = scores[it["id"]]
    return {"items": items, "computed_at": doc.get("computed_at")}
