"""Notifications under blocks and account deletion (issue 25, item 6):
blocks apply when notifications are read, not only when they are made, and
jobs for a deleted account write nothing. Races fired from threads released
by a barrier; the outcome read from MongoDB and Redis."""
from __future__ import annotations

from socialgraph import stores
from socialgraph.accounts import deletion
from socialgraph.core import clock
from socialgraph.core.errors import Conflict, NotFound
from socialgraph.graph import blocks
from socialgraph.messaging import notifications
from tests.integration.racing import TRIALS, expected_errors, new_user, race


def test_old_notifications_of_a_blocked_user_are_not_listed(ctx):
    b, b_name = new_user("nb")
    fans = [new_user("nf") for _ in range(4)]
    for uid, _ in fans:
        notifications.handle_event("user.followed", follower=uid, followee=b)
    mention_by, mention_name = fans[0]
    notifications.handle_event("user.mentioned", mentioned_uid=b, by_uid=mention_by, post_id="p1", comment_id="")
    before = notifications.list_notifications(b).items
    grouped = [n for n in before if n["type"] == "follow"][0]
    assert grouped["actors_count"] == 4 and len(before) == 2
    blocked = fans[:3]
    for _, name in blocked:
        blocks.block(b, name)
    after = notifications.list_notifications(b).items
    assert [n["type"] for n in after] == ["follow"]  # the mention by a blocked user is gone
    assert after[0]["actors_count"] == 1
    assert [a["uid"] for a in after[0]["actors"]] == [fans[3][0]]
    assert "others" not in after[0]["summary"]
    assert notifications.unread_count(b) == 1
    assert [n["type"] for n in notifications.since(b, 0)] == ["follow"]
    # blocked the other way round (the actor blocks the recipient) hides it too
    blocks.block(fans[3][0], b_name)
    assert notifications.list_notifications(b).items == []
    assert notifications.unread_count(b) == 0


def test_mention_racing_a_block_is_never_listed(ctx):
    broken = []
    for trial in range(TRIALS):
        a, a_name = new_user("mb")
        b, _ = new_user("mb")
        outs = race(ctx, lambda: notifications.handle_event("user.mentioned", mentioned_uid=b, by_uid=a,
                                                            post_id=f"p{trial}", comment_id=""),
                    lambda: blocks.block(b, a_name))
        expected_errors(outs)
        listed = notifications.list_notifications(b).items
        if any(a in [x["uid"] for x in n["actors"]] for n in listed) or notifications.unread_count(b):
            broken.append(trial)
    assert not broken, f"{len(broken)} of {TRIALS} trials listed a blocked user's mention: {broken}"


def test_notification_jobs_racing_an_account_deletion_write_nothing(ctx):
    """Jobs queued while the account is being deleted run during the
    deletion: afterwards no notification addressed to it and no Redis key."""
    broken = []
    for trial in range(TRIALS):
        victim, _ = new_user("nd")
        actors = [new_user("na")[0] for _ in range(3)]
        db = stores.mongo()
        db.accounts.update_one({"_id": victim}, {"$set": {"status": "deleting"}})
        db.deletions.update_one({"_id": victim}, {"$setOnInsert": {"status": "pending", "steps_done": [],
                                                                   "results": {}, "requested_at": clock.now()}},
                                upsert=True)

        def spam(actor):
            def go():
                for k in range(3):
                    notifications.handle_event("user.mentioned", mentioned_uid=victim, by_uid=actor,
                                               post_id=f"p{k}", comment_id="")
            return go

        outs = race(ctx, lambda: deletion.run_deletion(victim), *[spam(x) for x in actors])
        expected_errors(outs, NotFound, Conflict)
        docs = db.notifications.count_documents({"user_id": victim})
        key = stores.cache().exists(notifications.LAST_SEQ_KEY.format(uid=victim))
        if docs or key:
            broken.append((trial, docs, key))
    assert not broken, f"{len(broken)} of {TRIALS} trials left notifications or keys of a deleted account: {broken}"


def test_notify_drops_events_for_missing_or_deleting_recipients(ctx):
    ghost = "0" * 32
    a, _ = new_user("ng")
    assert notifications.notify(ghost, "follow", a, {}) is None
    assert stores.mongo().notifications.count_documents({"user_id": ghost}) == 0
    assert not stores.cache().exists(notifications.LAST_SEQ_KEY.format(uid=ghost))
    leaving, _ = new_user("ng")
    stores.mongo().accounts.update_one({"_id": leaving}, {"$set": {"status": "deleting"}})
    assert notifications.notify(leaving, "follow", a, {}) is None
    assert stores.mongo().notifications.count_documents({"user_id": leaving}) == 0


def test_a_notification_for_someone_without_an_account_reads_no_block_sets(ctx, graph_reads):
    from socialgraph.graph.relations import CACHE_KEY

    actor, _ = new_user("na")
    author = "imported-author-" + actor  # a graph user without an account (an imported author)
    assert notifications.handle_event("reaction.created", target="post:x", user_id=actor, owner_id=author,
                                      type="like", post_id="x") == []
    assert "graph/relations/list_block_uids" not in graph_reads
    assert stores.cache().get(CACHE_KEY.format(uid=author)) is None  # no copy kept for a reader who never comes
