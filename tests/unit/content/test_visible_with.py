"""``visible_with``, the in-memory audience rule of the fan-out home feed,
at its edges (no server: it decides from sets the caller holds)."""
from __future__ import annotations

import pytest

from socialgraph.content.visibility import visible_with

NOBODY = {"following": set(), "friends": set(), "close_friends": set(), "close_friend_of": set()}


@pytest.mark.parametrize("visibility", ["public", "followers", "friends", "close_friends", "only_me"])
def test_own_posts_are_visible_whatever_their_audience(visibility):
    assert visible_with("me", {"author_id": "me", "visibility": visibility}, audience=NOBODY, blocked=set()) is True


def test_a_blocked_author_is_hidden_even_in_public_and_even_if_followed():
    followed = {**NOBODY, "following": {"them"}, "friends": {"them"}}
    for visibility in ("public", "followers", "friends"):
        assert visible_with("me", {"author_id": "them", "visibility": visibility},
                            audience=followed, blocked={"them"}) is False


def test_audiences_need_the_matching_relationship():
    post = {"author_id": "them", "visibility": "followers"}
    assert visible_with("me", post, audience={**NOBODY, "following": {"them"}}, blocked=set()) is True
    assert visible_with("me", post, audience={**NOBODY, "friends": {"them"}}, blocked=set()) is False
    assert visible_with("me", {"author_id": "them", "visibility": "only_me"},
                        audience={**NOBODY, "following": {"them"}, "friends": {"them"}}, blocked=set()) is False
    group_post = {"author_id": "them", "visibility": "public", "group_id": "g1"}
    assert (visible_with("me", group_post, audience=NOBODY, blocked=set(), group_ids=["g1"]),
            visible_with("me", group_post, audience=NOBODY, blocked=set(), group_ids=["g2"])) == (True, False)
