"""Feed jobs: fan-out on write, rebuilds, and feed updates after graph changes."""
from __future__ import annotations

from socialgraph.feeds import home as feeds

from . import in_app


@in_app
def fanout_post_event(event: str, post_id: str, author_id: str) -> dict:
    """Subscriber of ``post.created``: own feed now, followers in batches."""
    return feeds.fanout_post(post_id, author_id)


@in_app
def fanout_batch(post_id: str, author_id: str, score: int, uids: list[str]) -> int:
    """Push ``post_id`` into the existing feeds of one batch of followers."""
    return feeds.fanout_batch(post_id, author_id, score, uids)


@in_app
def rebuild_feed(uid: str) -> int:
    """Rebuild the home feed set of a returning user."""
    return feeds.rebuild_feed(uid)


@in_app
def on_graph_event(event: str, **p: str) -> int:
    """Subscriber of follow, friendship, unfollow, block, mute and post deletion events."""
    if event == "user.followed":
        return feeds.merge_author(p["follower"], p["followee"])
    if event == "friend.accepted":  # a follow each way came with the friendship
        return feeds.merge_author(p["requester"], p["target"]) + feeds.merge_author(p["target"], p["requester"])
    if event == "user.unfollowed":
        return feeds.remove_author(p["follower"], p["followee"])
    if event == "user.blocked":
        return feeds.remove_author(p["blocker"], p["blocked"]) + feeds.remove_author(p["blocked"], p["blocker"])
    if event == "user.muted":
        return feeds.remove_author(p["muter"], p["muted"])
    if event == "post.deleted":
        return feeds.remove_post(p["post_id"], p["author_id"])
    return 0
