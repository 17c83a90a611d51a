"""Idempotent creation of the stores' schema: graph constraints and indexes,
MongoDB indexes and the media bucket. Run at start-up and by
``socialgraph db init``; running it twice changes nothing.
"""
from __future__ import annotations

import logging

from pymongo import ASCENDING, DESCENDING, IndexModel

from socialgraph import stores

log = logging.getLogger(__name__)

#: collection -> indexes. Names are explicit so that re-creation is a no-op.
MONGO_INDEXES: dict[str, list[IndexModel]] = {
    "accounts": [
        IndexModel([("username", ASCENDING)], unique=True, name="username_unique"),
        IndexModel([("email", ASCENDING)], unique=True, name="email_unique"),
    ],
    "posts": [
        IndexModel([("author_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
                   name="author_timeline"),
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)], name="recent"),
        IndexModel([("hashtags", ASCENDING), ("created_at", DESCENDING)], name="hashtag_timeline"),
        IndexModel([("source_key", ASCENDING)], unique=True, sparse=True, name="source_key_unique"),
        # issue 5: search keywords, shares of a post
        IndexModel([("keywords", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
                   name="keyword_timeline"),
        IndexModel([("share_of", ASCENDING), ("author_id", ASCENDING)], sparse=True, name="shares"),
        IndexModel([("group_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
                   name="group_timeline"),
    ],
    "comments": [
        IndexModel([("post_id", ASCENDING), ("parent_id", ASCENDING), ("created_at", ASCENDING),
                    ("_id", ASCENDING)], name="thread_level"),
        IndexModel([("source_key", ASCENDING)], unique=True, sparse=True, name="source_key_unique"),
        IndexModel([("group_id", ASCENDING), ("created_at", ASCENDING)], name="group_activity"),
    ],
    "reactions": [
        IndexModel([("target", ASCENDING), ("user_id", ASCENDING)], unique=True,
                   name="one_per_user_and_target"),
        IndexModel([("user_id", ASCENDING), ("created_at", DESCENDING)], name="by_user"),
        IndexModel([("target", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
                   name="who_reacted"),
    ],
    # issue 5: media, reports, moderation audit log
    "media": [
        IndexModel([("post_id", ASCENDING)], name="by_post"),
        IndexModel([("owner_id", ASCENDING), ("created_at", DESCENDING)], name="by_owner"),
        IndexModel([("post_id", ASCENDING), ("created_at", ASCENDING)], name="orphans"),
    ],
    "reports": [
        IndexModel([("status", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)], name="queue"),
        IndexModel([("reporter_id", ASCENDING), ("target_type", ASCENDING), ("target_id", ASCENDING),
                    ("status", ASCENDING)], name="by_reporter_target"),
        IndexModel([("target_type", ASCENDING), ("target_id", ASCENDING), ("status", ASCENDING)],
                   name="by_target"),
    ],
    "moderation_log": [IndexModel([("at", DESCENDING), ("_id", DESCENDING)], name="recent")],
    "outbox": [IndexModel([("created_at", ASCENDING)], name="created_at")],
    # groups (socialgraph/groups.py): group posts live in "posts" with group_id
    "group_events": [IndexModel([("group_id", ASCENDING), ("starts_at", ASCENDING), ("_id", ASCENDING)],
                                name="group_calendar")],
    "event_rsvps": [IndexModel([("event_id", ASCENDING), ("user_id", ASCENDING)], unique=True,
                               name="one_per_user_and_event")],
    # stories (socialgraph/stories.py): purge_at carries the TTL (absent while kept in a highlight)
    "stories": [
        IndexModel([("author_id", ASCENDING), ("expires_at", DESCENDING)], name="author_active"),
        IndexModel([("purge_at", ASCENDING)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    "story_views": [
        IndexModel([("story_id", ASCENDING), ("viewer_id", ASCENDING)], unique=True, name="one_per_viewer"),
        IndexModel([("purge_at", ASCENDING)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    "story_replies": [IndexModel([("story_id", ASCENDING), ("created_at", ASCENDING)], name="by_story"),
                      IndexModel([("author_id", ASCENDING), ("created_at", DESCENDING)], name="by_author")],
    "story_media": [IndexModel([("expires_at", ASCENDING)], name="expires_at")],
    "highlights": [IndexModel([("owner_id", ASCENDING), ("created_at", DESCENDING)], name="by_owner"),
                   IndexModel([("story_ids", ASCENDING)], name="by_story")],
    # issue 8: sessions, login attempts, exports, imports, deletions
    "sessions": [
        IndexModel([("uid", ASCENDING), ("created_at", DESCENDING)], name="by_user"),
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expires"),
    ],
    "login_attempts": [
        IndexModel([("uid", ASCENDING), ("at", DESCENDING)], name="by_user"),
        IndexModel([("at", ASCENDING)], expireAfterSeconds=90 * 86400, name="keep_90_days"),
    ],
    "exports": [IndexModel([("uid", ASCENDING), ("created_at", DESCENDING)], name="by_user")],
    "imports": [IndexModel([("uid", ASCENDING), ("created_at", DESCENDING)], name="by_user")],
    "deletions": [IndexModel([("status", ASCENDING)], name="by_status")],
    # issue 6: notifications, direct messages
    "notifications": [
        IndexModel([("user_id", ASCENDING), ("seq", DESCENDING)], name="by_user_seq"),
        IndexModel([("user_id", ASCENDING), ("group_key", ASCENDING), ("read", ASCENDING)], name="open_group"),
    ],
    "conversations": [
        IndexModel([("members", ASCENDING), ("activity_at", DESCENDING), ("_id", DESCENDING)],
                   name="by_member_activity"),
        IndexModel([("direct_key", ASCENDING)], unique=True, sparse=True, name="direct_key_unique"),
        IndexModel([("created_by", ASCENDING)], name="by_creator"),  # account deletion (issue 16)
        IndexModel([("unread_by", ASCENDING)], name="by_unread"),  # the DM unread badge (issue 19)
    ],
    "messages": [IndexModel([("conversation_id", ASCENDING), ("_id", DESCENDING)], name="history")],
    # issue 24: OAuth applications, authorization codes (10 min), tokens (socialgraph.accounts.oauth)
    "oauth_apps": [IndexModel([("created_at", ASCENDING)], name="by_created")],
    "oauth_codes": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expires"),
                    IndexModel([("uid", ASCENDING)], name="by_user")],
    "oauth_tokens": [IndexModel([("refresh_hash", ASCENDING)], sparse=True, name="by_refresh"),
                     IndexModel([("uid", ASCENDING)], name="by_user"),
                     IndexModel([("sid", ASCENDING)], name="by_session"),
                     IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expires")],
    "markers": [IndexModel([("uid", ASCENDING)], name="by_user")],
    # issue 23: the engagement ledger mirrored as INTERACTED_WITH (socialgraph.graph.interactions)
    "interactions": [
        IndexModel([("a", ASCENDING), ("b", ASCENDING)], name="by_pair"),
        IndexModel([("b", ASCENDING)], name="by_other"),
    ],
    # issue 19: Web Push subscriptions (one per session: _id = session id)
    "push_subscriptions": [
        IndexModel([("user_id", ASCENDING)], name="by_user"),
        IndexModel([("endpoint", ASCENDING)], name="by_endpoint"),
    ],
}


def ensure_graph_schema() -> list[str]:
    """Run every ``cypher/schema/*.cypher`` statement; return their names."""
    g = stores.graph()
    names = g.catalog.area("schema")
    for name in names:
        g.run_text(g.catalog[name])
    return names


def ensure_mongo_indexes() -> None:
    db = stores.mongo()
    for collection, indexes in MONGO_INDEXES.items():
        db[collection].create_indexes(indexes)


def ensure_bucket() -> None:
    from flask import current_app

    client = stores.objects()
    bucket = current_app.config["S3_BUCKET"]
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)


def fill_degree_counts(batch: int = 2000) -> int:
    """Store the degree counts (``followers_count``, ``following_count``,
    ``friends_count``) on users that do not have them yet (stored before the
    counts existed, issue 22): batches of ``graph/users/set_degree_counts``.
    Idempotent; returns how many users were filled (0 once done)."""
    g = stores.graph()
    filled = 0
    while True:
        uids = [r["uid"] for r in g.read("graph/users/list_users_without_degree_counts", limit=batch)]
        if not uids:
            return filled
        g.write("graph/users/set_degree_counts", uids=uids)
        filled += len(uids)


def ensure_all() -> None:
    """Create graph schema, Mongo indexes and the media bucket, and fill the
    degree counts of users stored without them (idempotent)."""
    ensure_graph_schema()
    filled = fill_degree_counts()
    if filled:
        log.info("degree counts stored on %d users", filled)
    ensure_mongo_indexes()
    ensure_bucket()
    log.info("schema ensured on graph, documents and object storage")
