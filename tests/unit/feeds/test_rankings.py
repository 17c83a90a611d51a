"""Pure functions of feeds, trends, notifications and the WebSocket rate window."""
from __future__ import annotations

import math

from socialgraph.feeds.home import hot_rank
from socialgraph.feeds.trends import post_score, tag_score
from socialgraph.messaging import notifications
from socialgraph.messaging.realtime import RateWindow


def test_hot_rank_lemmy_formula():
    assert math.isclose(hot_rank(0, 0), 10000 * math.log10(3) / 2 ** 1.8)
    assert hot_rank(10, 5) > hot_rank(0, 5)          # engagement raises
    assert hot_rank(10, 5) > hot_rank(10, 50)        # age lowers
    assert hot_rank(-10, 0) == 0                     # log10(max(1, ...)) floors at 0
    assert hot_rank(0, -3) == hot_rank(0, 0)         # clock skew is clamped


def test_mastodon_scores():
    assert tag_score(4, 1) == 0                      # below the threshold of 5 accounts
    assert tag_score(5, 6) == 0                      # fewer than expected
    assert tag_score(10, 0) == (10 - 1) ** 2 / 1     # expected at least 1
    assert post_score(4, 0) == 0
    assert post_score(11, 0) == 100 and post_score(11, 3600) == 50


def test_notification_plan_and_summary():
    rows = notifications.plan("comment.created", {"comment_id": "c", "post_id": "p", "author_id": "x",
                                                  "post_author_id": "owner", "parent_author_id": "owner"})
    assert rows == [("owner", "reply", "x", {"post_id": "p", "comment_id": "c"})]
    assert notifications.plan("reaction.created", {"target": "post:p", "user_id": "u", "owner_id": "u",
                                                   "type": "like"}) == []  # own reaction
    # a comment's reaction leads to its post (and names the comment)
    assert notifications.plan("reaction.created", {"target": "comment:c", "user_id": "u", "owner_id": "o",
                                                   "type": "sad", "post_id": "p"}) == [
        ("o", "reaction", "u", {"target": "comment:c", "reaction": "sad", "post_id": "p", "comment_id": "c"})]
    doc = {"type": "reaction", "actors_count": 7, "object": {"target": "comment:c"}}
    assert notifications._summary(doc, ["a", "b", "c"]) == "a, b and 5 others reacted to your comment"
    assert notifications._summary({**doc, "actors_count": 3}, ["a", "b"]) == "a, b and 1 other reacted to your comment"
    assert notifications._summary({"type": "follow", "actors_count": 2}, ["a", "b"]) == "a and b followed you"


def test_rate_window():
    w = RateWindow(3, 10)
    assert [w.allow(t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert w.allow(10.5) is True
