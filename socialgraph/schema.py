"""Idempotent creation of the stores' schema: graph constraints and indexes,
MongoDB indexes and the media bucket. Run at start-up and by
``socialgraph db init``; running it twice changes nothing.
"""
from __future__ import annotations

import logging

from pymongo import ASCENDING, DESCENDING, IndexModel

from . import extensions

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
    ],
    "comments": [
        IndexModel([("post_id", ASCENDING), ("parent_id", ASCENDING), ("created_at", ASCENDING),
                    ("_id", ASCENDING)], name="thread_level"),
        IndexModel([("source_key", ASCENDING)], unique=True, sparse=True, name="source_key_unique"),
    ],
    "reactions": [
        IndexModel([("target", ASCENDING), ("user_id", ASCENDING)], unique=True,
                   name="one_per_user_and_target"),
        IndexModel([("user_id", ASCENDING), ("created_at", DESCENDING)], name="by_user"),
    ],
    "outbox": [IndexModel([("created_at", ASCENDING)], name="created_at")],
    # issue 6: notifications, direct messages
    "notifications": [
        IndexModel([("user_id", ASCENDING), ("seq", DESCENDING)], name="by_user_seq"),
        IndexModel([("user_id", ASCENDING), ("group_key", ASCENDING), ("read", ASCENDING)], name="open_group"),
    ],
    "conversations": [
        IndexModel([("members", ASCENDING), ("activity_at", DESCENDING), ("_id", DESCENDING)],
                   name="by_member_activity"),
        IndexModel([("direct_key", ASCENDING)], unique=True, sparse=True, name="direct_key_unique"),
    ],
    "messages": [IndexModel([("conversation_id", ASCENDING), ("_id", DESCENDING)], name="history")],
}


def ensure_graph_schema() -> list[str]:
    """Run every ``cypher/schema/*.cypher`` statement; return their names."""
    g = extensions.graph()
    names = g.catalog.area("schema")
    for name in names:
        g.run_text(g.catalog[name])
    return names


def ensure_mongo_indexes() -> None:
    db = extensions.mongo()
    for collection, indexes in MONGO_INDEXES.items():
        db[collection].create_indexes(indexes)


def ensure_bucket() -> None:
    from flask import current_app

    client = extensions.objects()
    bucket = current_app.config["S3_BUCKET"]
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)


def ensure_all() -> None:
    """Create graph schema, Mongo indexes and the media bucket (idempotent)."""
    ensure_graph_schema()
    ensure_mongo_indexes()
    ensure_bucket()
    log.info("schema ensured on graph, documents and object storage")
