"""Notifications from domain events: grouping, read state, pagination, resume,
blocks and mutes, preferences and the email digest."""
from __future__ import annotations

from socialgraph import stores
from socialgraph.core import events
from socialgraph.messaging import notifications


def notes(user, **params):
    r = user.get("/api/v1/notifications", query_string={"limit": 100, **params})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def test_reactions_are_grouped_and_read_state_kept(make_user):
    owner = make_user("own")
    fans = [make_user(f"f{i}") for i in range(4)]
    pid = owner.post("/api/v1/posts", json={"text": "like me"}).get_json()["id"]
    for f in fans:
        assert f.put(f"/api/v1/posts/{pid}/reaction", json={"type": "like"}).status_code == 200
    fans[0].put(f"/api/v1/posts/{pid}/reaction", json={"type": "love"})  # a change by the same actor
    items = [n for n in notes(owner) if n["type"] == "reaction"]
    assert len(items) == 1
    n = items[0]
    assert n["actors_count"] == 4 and n["object"]["target"] == f"post:{pid}" and n["read"] is False
    assert [a["username"] for a in n["actors"]] == [fans[3].username, fans[2].username, fans[1].username]
    assert n["summary"] == f"{fans[3].username}, {fans[2].username} and 2 others reacted to your post"
    assert owner.get("/api/v1/notifications/unread-count").get_json()["unread"] == 1

    # someone else cannot read or mark it (404, as if it did not exist)
    assert fans[0].post(f"/api/v1/notifications/{n['id']}/read").status_code == 404
    assert notes(fans[0]) == []
    r = owner.post(f"/api/v1/notifications/{n['id']}/read")
    assert r.status_code == 200 and r.get_json()["read"] is True
    # after reading, a new reaction starts a new group
    late = make_user("late")
    late.put(f"/api/v1/posts/{pid}/reaction", json={})
    items = [n for n in notes(owner) if n["type"] == "reaction"]
    assert len(items) == 2 and items[0]["actors_count"] == 1 and items[0]["summary"].startswith(late.username)
    assert owner.post("/api/v1/notifications/read-all").get_json()["marked"] == 1
    assert notes(owner, unread=True) == []


def test_comments_replies_follows_and_other_events(make_user, ctx):
    owner, c1, c2 = make_user("own"), make_user("c1"), make_user("c2")
    pid = owner.post("/api/v1/posts", json={"text": "thread"}).get_json()["id"]
    cid = c1.post(f"/api/v1/posts/{pid}/comments", json={"text": "first"}).get_json()["id"]
    c2.post(f"/api/v1/posts/{pid}/comments", json={"text": "reply", "parent_id": cid})
    c1.put(f"/api/v1/users/{owner.username}/follow")
    types = {n["type"]: n for n in notes(owner)}
    assert types["comment"]["actors_count"] == 2 and types["comment"]["object"]["post_id"] == pid
    assert types["follow"]["summary"] == f"{c1.username} followed you"
    assert [n["type"] for n in notes(c1)] == ["reply"]
    # events of other areas, published as their producers will
    events.publish("user.mentioned", mentioned_uid=owner.uid, by_uid=c2.uid, post_id=pid, comment_id="")
    events.publish("post.shared", post_id=pid, share_id="s1", user_id=c2.uid, owner_id=owner.uid)
    events.publish("friend.requested", requester=c2.uid, target=owner.uid)
    events.publish("friend.accepted", requester=owner.uid, target=c1.uid)
    events.publish("group.invited", group_id="g1", inviter=c1.uid, invitee=owner.uid)
    events.publish("story.viewed", story_id="st1", viewer=c1.uid, author_id=owner.uid)
    events.publish("story.viewed", story_id="st1", viewer=c2.uid, author_id=owner.uid)
    events.publish("follow.requested", requester=c2.uid, target=owner.uid)
    # a retried job does not duplicate
    events.publish("follow.requested", requester=c2.uid, target=owner.uid)
    got = notes(owner)
    kinds = [n["type"] for n in got]
    assert kinds[:7] == ["follow_request", "story_view", "group_invite", "friend_accepted", "friend_request",
                         "share", "mention"]
    assert got[1]["actors_count"] == 2 and got[3]["summary"] == f"{c1.username} accepted your friend request"
    # cursor pagination walks everything once, newest change first
    seen, cursor = [], None
    while True:
        r = owner.get("/api/v1/notifications", query_string={"limit": 2} | ({"cursor": cursor} if cursor else {}))
        seen += [n["seq"] for n in r.get_json()["items"]]
        cursor = r.get_json()["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen, reverse=True) == [n["seq"] for n in got]
    # resume: everything after a seq, oldest first
    since = owner.get("/api/v1/notifications", query_string={"since": got[3]["seq"]}).get_json()["items"]
    assert [n["seq"] for n in since] == [got[2]["seq"], got[1]["seq"], got[0]["seq"]]


def test_blocked_and_muted_actors_do_not_notify(make_user, ctx):
    owner, blocked, muted = make_user("own"), make_user("bl"), make_user("mu")
    pid = owner.post("/api/v1/posts", json={"text": "x"}).get_json()["id"]
    owner.put(f"/api/v1/users/{muted.username}/mute")
    muted.put(f"/api/v1/posts/{pid}/reaction", json={})
    muted.post(f"/api/v1/posts/{pid}/comments", json={"text": "hello?"})
    blocked.put(f"/api/v1/users/{owner.username}/follow")
    owner.put(f"/api/v1/users/{blocked.username}/block")
    events.publish("user.mentioned", mentioned_uid=owner.uid, by_uid=blocked.uid, post_id=pid, comment_id="")
    # the follow from before the block is hidden too: blocks apply when notifications are read (issue 25)
    assert notes(owner) == []
    assert owner.get("/api/v1/notifications/unread-count").get_json()["unread"] == 0
    owner.post("/api/v1/notifications/read-all")
    events.publish("user.followed", follower=blocked.uid, followee=owner.uid)
    assert notes(owner, unread=True) == []


def test_preferences_and_email_digest(make_user, mailbox, ctx):
    owner, fans = make_user("own"), [make_user("f") for _ in range(3)]
    r = owner.patch("/api/v1/notifications/preferences",
                    json={"preferences": {"reaction": {"email": True, "in_app": False}, "comment": {"email": True}}})
    assert r.status_code == 200
    prefs = r.get_json()["preferences"]
    assert prefs["reaction"] == {"in_app": False, "realtime": True, "email": True, "push": True}
    assert prefs["follow"] == {"in_app": True, "realtime": True, "email": False, "push": True}
    bad = owner.patch("/api/v1/notifications/preferences", json={"preferences": {"nope": {"email": True}}})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "nope"

    pid = owner.post("/api/v1/posts", json={"text": "mail me"}).get_json()["id"]
    for f in fans:
        f.put(f"/api/v1/posts/{pid}/reaction", json={})
    fans[0].post(f"/api/v1/posts/{pid}/comments", json={"text": "hey"})
    kinds = [n["type"] for n in notes(owner)]
    assert "reaction" not in kinds and "comment" in kinds  # in_app off for reactions
    # one digest job was scheduled for the burst; run it as the worker would
    from rq.registry import ScheduledJobRegistry

    lane = stores.tasks().queue(stores.tasks().queue_name_for("jobs.notifications.send_email_digest"))
    registry = ScheduledJobRegistry(queue=lane)
    jobs = [j for j in registry.get_job_ids() if (lane.fetch_job(j) or None)
            and lane.fetch_job(j).args == (owner.uid,)]
    assert len(jobs) == 1
    from jobs.notifications import send_email_digest

    assert send_email_digest(owner.uid)
    assert send_email_digest(owner.uid) is None  # nothing pending: no second mail
    msgs = [m for m in mailbox.messages_to(owner.email) if "Confirm" not in m["Subject"]]
    assert len(msgs) == 1 and msgs[0]["Subject"] == "4 new notifications"
    body = msgs[0].get_content()
    assert fans[2].username in body and "commented on your post" in body
    # the link opens the web client's notifications page, not the API's JSON
    assert "/#/notifications\n" in body and "/api/v1/notifications" not in body
    assert notifications.unread_count(owner.uid) == 1
