"""Mastodon.py (a client library nobody here wrote) against the running app:
statuses, timelines, favourites, reblogs, reactions, notifications, media,
search, trends, conversations and the streaming API, through its public
methods only. Fixtures: ``tests/api/mastodon/conftest.py`` (OAuth with PKCE).

The methods exercised are listed in ``docs/mastodon.md``; every method of
that list is called at least once here or in ``test_foundation.py``.
"""
from __future__ import annotations

import io
import queue
import time

import pytest
import requests
from mastodon import MastodonAPIError, MastodonNotFoundError, StreamListener

from tests.mediafiles import png


def _follow(follower_api, target_api):
    follower_api.account_follow(target_api.me()["id"])


def test_post_with_an_image_read_home_with_paging_favourite_reblog(mastodon_user, subtests):
    """One status with an image and four fillers; each Mastodon.py reader of
    them a subtest (one wrong answer does not hide the others)."""
    _alice, alice = mastodon_user("ma")
    _bob, bob = mastodon_user("mb")
    _follow(bob, alice)

    media = alice.media_post(io.BytesIO(png(80, 40)), mime_type="image/png", description="a red box",
                             synchronous=True)
    assert (media["type"], media["description"], media["meta"]["original"]["width"]) == ("image", "a red box", 80)
    assert media["url"].startswith("http")
    media = alice.media_update(media["id"], description="a red box, wider than tall")
    assert alice.media(media["id"])["description"] == "a red box, wider than tall"

    posted = alice.status_post("look at #redbox", media_ids=[media["id"]], sensitive=True, spoiler_text="colour")
    with subtests.test("the posted status"):
        assert (posted["visibility"], posted["sensitive"], posted["spoiler_text"]) == ("public", True, "colour")
        assert [m["id"] for m in posted["media_attachments"]] == [media["id"]]
        assert [t["name"] for t in posted["tags"]] == ["redbox"]
        assert posted["account"]["id"] == alice.me()["id"]

    ids = [posted["id"]] + [alice.status_post(f"filler {i}")["id"] for i in range(4)]
    newest_first = list(reversed(ids))
    with subtests.test("home timeline paging: next, previous, since_id"):
        page1 = bob.timeline_home(limit=2)
        assert [s["id"] for s in page1] == newest_first[:2]
        page2 = bob.fetch_next(page1)
        assert [s["id"] for s in page2] == newest_first[2:4]
        page3 = bob.fetch_next(page2)
        assert [s["id"] for s in page3][:1] == newest_first[4:5]
        assert [s["id"] for s in bob.fetch_previous(page2)] == newest_first[:2]
        assert [s["id"] for s in bob.timeline_home(since_id=ids[3])] == [ids[4]]
    with subtests.test("favourite and unfavourite"):
        fav = bob.status_favourite(posted["id"])
        assert (fav["favourited"], fav["favourites_count"]) == (True, 1)
        assert [a["id"] for a in alice.status_favourited_by(posted["id"])] == [bob.me()["id"]]
        assert bob.status_unfavourite(posted["id"])["favourites_count"] == 0
    with subtests.test("reblog and unreblog"):
        reblog = bob.status_reblog(posted["id"])
        assert (reblog["reblog"]["id"], reblog["reblog"]["reblogged"]) == (posted["id"], True)
        assert [a["id"] for a in alice.status_reblogged_by(posted["id"])] == [bob.me()["id"]]
        assert alice.status(posted["id"])["reblogs_count"] == 1
        assert bob.status_unreblog(posted["id"])["reblogged"] is False
    with subtests.test("hashtag, public and local timelines"):
        assert [s["id"] for s in bob.timeline_hashtag("redbox")] == [posted["id"]]
        assert posted["id"] in [s["id"] for s in bob.timeline_public(limit=40)]
        assert posted["id"] in [s["id"] for s in bob.timeline_local(limit=40)]
    with subtests.test("account statuses, with only_media"):
        assert [s["id"] for s in bob.account_statuses(alice.me()["id"], limit=2)] == newest_first[:2]
        assert [s["id"] for s in bob.account_statuses(alice.me()["id"], only_media=True)] == [posted["id"]]
    with subtests.test("several statuses by id, in the order asked"):
        assert [s["id"] for s in bob.statuses([posted["id"], ids[1]])] == [posted["id"], ids[1]]
    with subtests.test("a list timeline"):
        listed = bob.list_create("alice only")
        bob.list_accounts_add(listed["id"], [alice.me()["id"]])
        assert [s["id"] for s in bob.timeline_list(listed["id"], limit=2)] == newest_first[:2]


def test_replies_context_edit_history_delete(mastodon_user):
    _alice, alice = mastodon_user("ma")
    _bob, bob = mastodon_user("mb")
    post = alice.status_post("a thread")
    reply = bob.status_reply(post, "first reply")
    assert (reply["in_reply_to_id"], reply["in_reply_to_account_id"]) == (post["id"], alice.me()["id"])
    deeper = alice.status_post("answer", in_reply_to_id=reply["id"])
    context = bob.status_context(post["id"])
    assert ([s["id"] for s in context["ancestors"]], [s["id"] for s in context["descendants"]]) == (
        [], [reply["id"], deeper["id"]])
    assert [s["id"] for s in bob.status_context(deeper["id"])["ancestors"]] == [post["id"], reply["id"]]

    edited = alice.status_update(post["id"], "a thread, edited", spoiler_text="cw")
    assert (edited["content"], edited["spoiler_text"]) == ("<p>a thread, edited</p>", "cw")
    assert edited["edited_at"] is not None
    history = bob.status_history(post["id"])
    assert [h["content"] for h in history] == ["<p>a thread</p>", "<p>a thread, edited</p>"]
    assert alice.status_source(post["id"])["text"] == "a thread, edited"
    with pytest.raises(MastodonAPIError) as err:  # someone else's status
        bob.status_update(post["id"], "mine now")
    assert err.value.args[1] == 403

    gone = bob.status_delete(reply["id"])
    assert gone["text"] == f"@{alice.me()['username']} first reply"  # status_reply mentions the author
    assert alice.status_delete(post["id"])["text"] == "a thread, edited"
    with pytest.raises(MastodonNotFoundError):
        bob.status(post["id"])


def test_notifications_v1_and_grouped_v2(mastodon_user):
    _alice, alice = mastodon_user("ma")
    _bob, bob = mastodon_user("mb")
    _carol, carol = mastodon_user("mc")
    _follow(bob, alice)
    post = alice.status_post(f"hello @{bob.me()['username']}")
    for api in (bob, carol):
        api.status_favourite(post["id"])
    bob.status_reblog(post["id"])
    bob.status_post("a reply", in_reply_to_id=post["id"])
    notes = alice.notifications()
    assert [n["type"] for n in notes] == ["mention", "reblog", "favourite", "follow"]
    assert notes[2]["account"]["id"] == carol.me()["id"]  # the newest actor of the grouped favourites
    assert notes[0]["status"]["in_reply_to_id"] == post["id"]
    assert bob.notifications(types=["mention"])[0]["status"]["id"] == post["id"]
    assert alice.notifications(id=notes[1]["id"])["type"] == "reblog"
    assert [n["type"] for n in alice.notifications(exclude_types=["follow", "mention"])] == ["reblog", "favourite"]
    older = alice.notifications(limit=2)
    assert [n["id"] for n in alice.fetch_next(older)] == [notes[2]["id"], notes[3]["id"]]
    assert alice.notifications_unread_count()["count"] == 4

    grouped = alice.grouped_notifications()
    favs = [g for g in grouped["notification_groups"] if g["type"] == "favourite"][0]
    assert (favs["notifications_count"], sorted(map(str, favs["sample_account_ids"]))) == (
        2, sorted([str(bob.me()["id"]), str(carol.me()["id"])]))
    assert favs["status_id"] == post["id"] and post["id"] in [s["id"] for s in grouped["statuses"]]
    assert alice.grouped_notification(favs["group_key"])["notification_groups"][0]["group_key"] == favs["group_key"]
    assert len(alice.grouped_notification_accounts(favs["group_key"])) == 2
    assert alice.unread_grouped_notifications_count() == 4
    alice.dismiss_grouped_notification(favs["group_key"])

    alice.notifications_dismiss(notes[0]["id"])
    assert [n["type"] for n in alice.notifications()] == ["reblog", "follow"]
    alice.notifications_clear()
    assert alice.notifications() == []


def test_emoji_reactions_through_the_akkoma_endpoints(mastodon_user, mastodon_base):
    """Mastodon.py has no method for them: the Akkoma/Pleroma endpoints as its clients call them."""
    _alice, alice = mastodon_user("ma")
    _bob, bob = mastodon_user("mb")
    post = alice.status_post("react")
    headers = {"Authorization": f"Bearer {bob.access_token}"}
    url = f"{mastodon_base}/api/v1/pleroma/statuses/{post['id']}/reactions"
    r = requests.put(url + "/\u2764\ufe0f", headers=headers, timeout=30)
    assert r.status_code == 200 and r.json()["pleroma"]["emoji_reactions"] == [
        {"name": "\u2764\ufe0f", "count": 1, "me": True}]
    listed = requests.get(url, headers={"Authorization": f"Bearer {alice.access_token}"}, timeout=30).json()
    assert [(x["name"], x["count"], x["me"], [a["id"] for a in x["accounts"]]) for x in listed] == [
        ("\u2764\ufe0f", 1, False, [bob.me()["id"]])]
    assert [n["type"] for n in alice.notifications()] == ["pleroma:emoji_reaction"]
    assert alice.notifications()[0]["emoji"] == "\u2764\ufe0f"
    bad = requests.put(url + "/\U0001F984", headers=headers, timeout=30)
    assert (bad.status_code, sorted(bad.json())) == (422, ["details", "error"])
    r = requests.delete(url + "/\u2764\ufe0f", headers=headers, timeout=30)
    assert r.status_code == 200 and r.json()["pleroma"]["emoji_reactions"] == []


def test_search_trends_and_privacy_as_native(mastodon_user):
    alice_user, alice = mastodon_user("ma")
    bob_user, bob = mastodon_user("mb")
    word = "zyx" + alice_user.username[-6:]
    post = alice.status_post(f"the word {word} and #{word}")
    hidden = alice.status_post(f"{word} for followers only", visibility="private")
    assert hidden["visibility"] == "private"
    found = bob.search_v2(word)
    assert [s["id"] for s in found["statuses"]] == [post["id"]]  # the follower-only post stays hidden
    assert [t["name"] for t in found["hashtags"]] == [word]
    assert [a["id"] for a in bob.search_v2(alice_user.username, result_type="accounts")["accounts"]] == [
        alice.me()["id"]]
    with pytest.raises(MastodonNotFoundError):
        bob.status(hidden["id"])
    assert isinstance(bob.trending_tags(), list) and isinstance(bob.trending_statuses(), list)
    assert isinstance(bob.trends(), list)

    # a block: each side stops seeing the other's statuses, as in the native API
    r = alice_user.put(f"/api/v1/users/{bob_user.username}/block")
    assert r.status_code == 200, r.get_json()
    with pytest.raises(MastodonNotFoundError):
        bob.status(post["id"])
    assert bob.search_v2(word)["statuses"] == []
    assert post["id"] not in [s["id"] for s in bob.timeline_public(limit=40)]


def test_direct_statuses_are_conversations(mastodon_user):
    _alice, alice = mastodon_user("ma")
    _bob, bob = mastodon_user("mb")
    sent = alice.status_post(f"@{bob.me()['username']} just between us", visibility="direct")
    assert sent["visibility"] == "direct"
    convs = bob.conversations()
    assert [c["last_status"]["id"] for c in convs] == [sent["id"]]
    assert (convs[0]["unread"], [a["id"] for a in convs[0]["accounts"]]) == (True, [alice.me()["id"]])
    assert bob.conversations_read(convs[0]["id"])["unread"] is False
    with pytest.raises(MastodonAPIError) as err:
        alice.status_post("nobody mentioned", visibility="direct")
    assert err.value.args[1] == 422


class _Collect(StreamListener):
    def __init__(self):
        self.events: queue.Queue = queue.Queue()

    def on_notification(self, notification):
        self.events.put(("notification", notification))

    def on_update(self, status):
        self.events.put(("update", status))


def _next(listener: _Collect, kind: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got, payload = listener.events.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            break
        if got == kind:
            return payload
    raise AssertionError(f"no {kind} event within {timeout} s")


def test_stream_a_notification_and_public_hashtag_updates(mastodon_user):
    _alice, alice = mastodon_user("ma")
    _bob, bob = mastodon_user("mb")
    assert alice.stream_healthy() is True
    post = alice.status_post("stream me")
    listener = _Collect()
    handle = alice.stream_open_websocket(listener=listener, timeout=20)
    try:
        handle.subscribe("user")
        handle.subscribe("hashtag", tag="streamtag")
        time.sleep(0.5)  # the subscriptions reach the server
        bob.status_favourite(post["id"])
        note = _next(listener, "notification")
        assert (note["type"], note["status"]["id"], note["account"]["id"]) == ("favourite", post["id"],
                                                                              bob.me()["id"])
        tagged = bob.status_post("with #StreamTag")
        update = _next(listener, "update")
        assert update["id"] == tagged["id"]
    finally:
        handle.close()


def test_bad_input_answers_mastodon_errors_never_500(mastodon_user, mastodon_base):
    _alice, alice = mastodon_user("ma")
    headers = {"Authorization": f"Bearer {alice.access_token}"}
    cases = [
        ("get", "/api/v1/statuses/nope", None, 404),
        ("get", "/api/v1/statuses/" + "f" * 24, None, 404),
        ("post", "/api/v1/statuses", {"status": ""}, 422),
        ("post", "/api/v1/statuses", {"status": "x", "visibility": "sideways"}, 422),
        ("post", "/api/v1/statuses", {"status": "x", "media_ids[]": "123"}, 422),
        ("post", "/api/v1/statuses", {"status": "x", "in_reply_to_id": "zzz"}, 404),
        ("get", "/api/v1/timelines/home?max_id=%00", None, 422),
        ("get", "/api/v1/timelines/home?limit=abc", None, 422),
        ("get", "/api/v1/notifications?max_id=notanid", None, 422),
        ("get", "/api/v1/notifications/" + "a" * 24, None, 404),
        ("get", "/api/v2/search?q=", None, 400),
        ("get", "/api/v2/search?q=x&type=planets", None, 400),
        ("post", "/api/v2/media", None, 400),
        ("get", "/api/v1/media/nope", None, 404),
        ("get", "/api/v1/timelines/list/nope", None, 404),
        ("post", "/api/v1/statuses/nope/favourite", None, 404),
        ("put", "/api/v1/pleroma/statuses/nope/reactions/\U0001F44D", None, 404),
        ("put", "/api/v1/pleroma/statuses/" + "f" * 24 + "/reactions/x", None, 404),
    ]
    # every case is checked before anything fails: one wrong answer does not hide the others
    got, want = [], []
    for method, path, data, status in cases:
        r = getattr(requests, method)(mastodon_base + path, data=data, headers=headers, timeout=30)
        got.append((method, path, data, r.status_code, isinstance(r.json().get("error"), str)))
        want.append((method, path, data, status, True))
    json_cases = [({"status": "x", "visibility": {"a": 1}}, 422), ({"status": ["x"]}, 422),
                  ({"status": "x", "media_ids": [{"a": 1}]}, 422),
                  ({"status": "x", "in_reply_to_id": 5}, 404),  # as "zzz" above: no such status
                  ({"status": "x" * 6000}, 422)]
    for body, status in json_cases:
        r = requests.post(mastodon_base + "/api/v1/statuses", json=body, headers=headers, timeout=30)
        got.append(("post json", "/api/v1/statuses", body, r.status_code, isinstance(r.json().get("error"), str)))
        want.append(("post json", "/api/v1/statuses", body, status, True))
    assert [g for g, w in zip(got, want) if g != w] == [], [w for g, w in zip(got, want) if g != w]
    r = requests.get(mastodon_base + "/api/v1/timelines/home", timeout=30)
    assert (r.status_code, r.json()) == (401, {"error": "The access token is invalid"})


def test_media_processing_is_async_202_then_206_then_200(app, mastodon_user, mastodon_base):
    """With a real queue (no worker yet), Mastodon's async media: 202 with
    ``url: null``, ``GET /api/v1/media/:id`` 206 until the job ran, then 200."""
    from socialgraph import stores
    from socialgraph.content import media as media_service

    _user, api = mastodon_user("mm")
    headers = {"Authorization": f"Bearer {api.access_token}"}
    with app.app_context():
        tasks = stores.tasks()
    tasks.is_async = True  # this test's upload is queued in Redis like in production
    try:
        r = requests.post(mastodon_base + "/api/v2/media", files={"file": ("a.png", png(32, 32), "image/png")},
                          data={"description": "queued"}, headers=headers, timeout=30)
    finally:
        tasks.is_async = False
    assert (r.status_code, r.json()["url"], r.json()["description"]) == (202, None, "queued")
    mid = r.json()["id"]
    r = requests.get(f"{mastodon_base}/api/v1/media/{mid}", headers=headers, timeout=30)
    assert (r.status_code, r.json()["url"]) == (206, None)
    with app.app_context():
        queue = tasks.queue(tasks.queue_name_for("jobs.media.process_media"))
        for job in queue.jobs:
            if job.func_name == "jobs.media.process_media" and job.args == (mid,):
                job.delete()  # the worker's part, done here
        assert media_service.process(mid) == "ready"
    r = requests.get(f"{mastodon_base}/api/v1/media/{mid}", headers=headers, timeout=30)
    assert r.status_code == 200 and r.json()["url"].startswith("http")
    assert api.media(mid)["description"] == "queued"
