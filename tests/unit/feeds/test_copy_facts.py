"""What the warm home page remembers of a post copy's document line
(``socialgraph.feeds.home._copy_facts``, issue 22): the same answers as the
visibility rule it stands for, for its author and for a follower, and a
bounded memo. No servers."""
from __future__ import annotations

import itertools

import orjson
import pytest

from socialgraph.content.visibility import visible_with
from socialgraph.feeds import home

NOBODY = {"following": frozenset(), "friends": frozenset(), "close_friend_of": frozenset()}
CASES = list(itertools.product(["public", "followers", "friends", "close_friends", "only_me", "other", None],
                               [False, True], [None, "g1"], [[], ["m1"]], [None, "s1"]))


@pytest.mark.parametrize("visibility,private,group,media,share", CASES)
def test_the_facts_are_the_rules_answers(visibility, private, group, media, share):
    doc = {"_id": "p1", "author_id": "au", "text": "x", "author_private": private, "group_id": group,
           "media_ids": media, "share_of": share, **({"visibility": visibility} if visibility else {})}
    author, general, own, followed = home._copy_facts(orjson.dumps(doc))
    assert author == "au"
    assert general == bool(media or share or visibility in ("friends", "close_friends"))
    assert own is visible_with("au", doc, audience=NOBODY, blocked=set())
    follower = {**NOBODY, "following": {"au", "x"}}
    assert followed is visible_with("rd", doc, audience=follower, blocked={"z"})
    if not general:  # what the page shows: own posts, and followed authors' posts the rule lets through
        assert followed is (group is None and (visibility or "public") in ("public", "followers"))


def test_the_memo_is_bounded_and_keyed_by_the_exact_bytes():
    assert home._copy_facts.cache_info().maxsize == 4096
    a = orjson.dumps({"_id": "p", "author_id": "au", "visibility": "public"})
    b = orjson.dumps({"_id": "p", "author_id": "au", "visibility": "only_me"})
    assert home._copy_facts(a)[3] is True and home._copy_facts(b)[3] is False
    with pytest.raises(orjson.JSONDecodeError):
        home._copy_facts(b"{not json")
