"""The Mastodon mapping on the real stores (services called in an app context):
threads as replies, favourites and reblogs, visibility, notifications,
blocks and privacy exactly as the native services decide them."""
from __future__ import annotations

import pytest

from socialgraph.content import comments, posts, reactions
from socialgraph.core.errors import Forbidden, NotFound, ValidationFailed
from socialgraph.graph import blocks, follows
from socialgraph.mastodon import status_service as svc
from socialgraph.mastodon import timeline_service as tl
from socialgraph.messaging import notifications
from tests.integration.racing import new_user


@pytest.fixture(autouse=True)
def _request(ctx):
    """Entities hold absolute URLs of the Mastodon origin: a request context, as in a view."""
    with ctx.test_request_context("/"):
        yield


def test_a_thread_is_a_post_with_replies_in_reading_order(ctx):
    alice, _ = new_user("ma")
    bob, _ = new_user("mb")
    post = svc.create_status(alice, "root", media_ids=[], visibility="public", sensitive=False,
                             spoiler_text=None, in_reply_to_id=None)
    c1 = svc.create_status(bob, "first", media_ids=[], visibility=None, sensitive=False, spoiler_text=None,
                           in_reply_to_id=post["id"])
    c2 = svc.create_status(alice, "second", media_ids=[], visibility=None, sensitive=False, spoiler_text=None,
                           in_reply_to_id=post["id"])
    r11 = svc.create_status(alice, "reply to first", media_ids=[], visibility=None, sensitive=False,
                            spoiler_text=None, in_reply_to_id=c1["id"])
    assert (c1["in_reply_to_id"], c1["in_reply_to_account_id"]) == (post["id"], alice)
    assert (r11["in_reply_to_id"], r11["in_reply_to_account_id"]) == (c1["id"], bob)
    ctx_post = svc.context(post["id"], bob)
    assert ctx_post["ancestors"] == []
    assert [s["id"] for s in ctx_post["descendants"]] == [c1["id"], r11["id"], c2["id"]]
    ctx_reply = svc.context(r11["id"], bob)
    assert [s["id"] for s in ctx_reply["ancestors"]] == [post["id"], c1["id"]]
    assert ctx_reply["descendants"] == []
    assert [s["id"] for s in svc.context(c1["id"], alice)["descendants"]] == [r11["id"]]
    assert svc.get_status(post["id"], bob)["replies_count"] == 3


def test_favourite_is_like_and_other_reactions_are_emoji(ctx):
    alice, _ = new_user("ma")
    bob, _ = new_user("mb")
    post = posts.create_post(alice, "react to me")
    shown = svc.react(bob, post["id"], "like")
    assert (shown["favourited"], shown["favourites_count"], shown["pleroma"]["emoji_reactions"]) == (True, 1, [])
    shown = svc.react(bob, post["id"], svc.reaction_type("\u2764"))  # love replaces like (one per user)
    assert (shown["favourited"], shown["favourites_count"]) == (False, 0)
    assert shown["pleroma"]["emoji_reactions"] == [{"name": "\u2764\ufe0f", "count": 1, "me": True}]
    assert svc.unreact(bob, post["id"], "like")["pleroma"]["emoji_reactions"][0]["count"] == 1  # not a like
    assert [r["name"] for r in svc.emoji_reactions(post["id"], alice)] == ["\u2764\ufe0f"]
    assert svc.unreact(bob, post["id"], "love")["pleroma"]["emoji_reactions"] == []
    with pytest.raises(ValidationFailed):
        svc.reaction_type("\U0001F984")


def test_reblog_is_a_repost_and_only_for_public_posts(ctx):
    alice, _ = new_user("ma")
    bob, bob_name = new_user("mb")
    post = posts.create_post(alice, "share me")
    wrapper = svc.reblog(bob, post["id"])
    assert (wrapper["reblog"]["id"], wrapper["account"]["id"], wrapper["reblog"]["reblogged"]) == (post["id"], bob, True)
    assert svc.reblog(bob, post["id"])["id"] == post["id"]  # a second reblog answers the original
    assert [a["id"] for a in svc.reblogged_by(post["id"], alice, 40)] == [bob]
    original = svc.unreblog(bob, post["id"])
    assert (original["id"], original["reblogged"], original["reblogs_count"]) == (post["id"], False, 0)
    friends_only = posts.create_post(alice, "for friends", visibility="followers")
    follows.follow(bob, posts.get_post(friends_only["id"], alice)["author"]["username"])
    with pytest.raises(Forbidden):
        svc.reblog(bob, friends_only["id"])


def test_narrow_audiences_show_as_private_with_our_audience(ctx):
    alice, alice_name = new_user("ma")
    bob, _ = new_user("mb")
    follows.follow(bob, alice_name)
    for audience in ("followers", "friends", "close_friends", "only_me"):
        s = svc.create_status(alice, audience, media_ids=[], visibility="public", sensitive=False,
                              spoiler_text=None, in_reply_to_id=None, audience=audience)
        assert (s["visibility"], s["socialgraph"]["audience"]) == ("private", audience)
    private = svc.create_status(alice, "followers", media_ids=[], visibility="private", sensitive=False,
                                spoiler_text=None, in_reply_to_id=None)
    assert svc.get_status(private["id"], bob)["socialgraph"]["audience"] == "followers"
    only_me = svc.create_status(alice, "mine", media_ids=[], visibility="public", sensitive=False,
                                spoiler_text=None, in_reply_to_id=None, audience="only_me")
    with pytest.raises(NotFound):
        svc.get_status(only_me["id"], bob)
    with pytest.raises(ValidationFailed):
        svc.create_status(alice, "x", media_ids=[], visibility="limited", sensitive=False, spoiler_text=None,
                          in_reply_to_id=None)


def test_blocks_hide_statuses_threads_and_notifications(ctx):
    alice, alice_name = new_user("ma")
    bob, bob_name = new_user("mb")
    post = posts.create_post(alice, "before the block")
    reply = comments.add_comment(post["id"], bob, "a reply by bob")
    reactions.react("post", post["id"], bob, "like")
    assert [n["type"] for n in tl.notification_list(alice, {"limit": 20})] == ["favourite", "mention"]
    blocks.block(alice, bob_name)
    for who, sid in ((bob, post["id"]), (alice, reply["id"])):
        with pytest.raises(NotFound):
            svc.get_status(sid, who)
    assert svc.context(post["id"], alice)["descendants"] == []
    assert tl.notification_list(alice, {"limit": 20}) == []
    assert tl.grouped_notifications(alice, {"limit": 20})["notification_groups"] == []


def test_polling_newer_notifications_leaves_out_blocked_actors(ctx):
    """``since_id`` / ``min_id`` polling (native and Mastodon) applies blocks and mutes as the list does."""
    alice, _ = new_user("ma")
    bob, bob_name = new_user("mb")
    carol, _ = new_user("mc")
    post = posts.create_post(alice, "poll me")
    first = posts.create_post(alice, "older")
    reactions.react("post", first["id"], carol, "like")
    oldest = notifications.list_notifications(alice).items[0]["id"]
    reactions.react("post", post["id"], bob, "like")
    comments.add_comment(post["id"], carol, "carol was here")
    blocks.block(alice, bob_name)
    newer = notifications.newer_than(alice, oldest, 20)
    assert [n["type"] for n in newer] == ["comment"]
    assert [a["uid"] for n in newer for a in n["actors"]] == [carol]


def test_home_timeline_pages_by_max_id_since_id_and_min_id(ctx):
    alice, alice_name = new_user("ma")
    bob, _ = new_user("mb")
    follows.follow(bob, alice_name)
    ids = [posts.create_post(alice, f"post {i}")["id"] for i in range(5)]
    newest_first = list(reversed(ids))
    first = tl.home_timeline(bob, {"limit": 2})[0]
    assert [s["id"] for s in first] == newest_first[:2]
    second = tl.home_timeline(bob, {"limit": 2, "max_id": first[-1]["id"]})[0]
    assert [s["id"] for s in second] == newest_first[2:4]
    assert [s["id"] for s in tl.home_timeline(bob, {"limit": 2, "since_id": ids[1]})[0]] == newest_first[:2]
    assert [s["id"] for s in tl.home_timeline(bob, {"limit": 2, "min_id": ids[1]})[0]] == [ids[3], ids[2]]
    assert [s["id"] for s in tl.account_statuses(alice, bob, {"limit": 3})] == newest_first[:3]


def test_list_timeline_is_the_members_visible_posts(ctx):
    from socialgraph.graph import lists

    owner, _ = new_user("ml")
    alice, alice_name = new_user("ma")
    bob, bob_name = new_user("mb")
    carol, _ = new_user("mc")
    listed = lists.create_list(owner, "people")
    lists.add_member(owner, listed["id"], alice_name)
    lists.add_member(owner, listed["id"], bob_name)
    a = posts.create_post(alice, "alice public")
    posts.create_post(alice, "alice followers only", visibility="followers")  # owner does not follow
    b = posts.create_post(bob, "bob public")
    posts.create_post(carol, "carol is not listed")
    assert [s["id"] for s in tl.list_timeline(owner, listed["id"], {"limit": 20})] == [b["id"], a["id"]]
    blocks.block(owner, bob_name)
    assert [s["id"] for s in tl.list_timeline(owner, listed["id"], {"limit": 20})] == [a["id"]]
    with pytest.raises(NotFound):
        tl.list_timeline(alice, listed["id"], {"limit": 20})


def test_home_timeline_says_rebuilding_for_a_returning_user(ctx):
    from socialgraph import stores
    from socialgraph.feeds import home

    alice, alice_name = new_user("ma")
    bob, _ = new_user("mb")
    follows.follow(bob, alice_name)
    pid = posts.create_post(alice, "while you were away")["id"]
    home.forget_feed(bob)
    stores.cache().set(home.REBUILD_KEY.format(uid=bob), 1, ex=60)  # a worker is rebuilding it
    items, rebuilding = tl.home_timeline(bob, {"limit": 20})
    assert ([s["id"] for s in items], rebuilding) == ([pid], True)
    home.rebuild_feed(bob)
    items, rebuilding = tl.home_timeline(bob, {"limit": 20})
    assert ([s["id"] for s in items], rebuilding) == ([pid], False)
