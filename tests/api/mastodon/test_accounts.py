"""The account side of the Mastodon API, driven through Mastodon.py's public
methods against the running app: profiles, update_credentials with an
avatar and a header, follow and relationships (friends as mutual follows),
locked accounts and follow requests, blocks and mutes, familiar followers,
lists, markers, suggestions, reports, the instance, Web Push subscriptions
(and a push decrypted the way Mastodon.py does it)."""
from __future__ import annotations

import io

import pytest
import requests
from mastodon.errors import MastodonAPIError, MastodonNotFoundError
from PIL import Image

from socialgraph import stores
from tests.api.messaging.test_web_push import Receiver
from tests.conftest import config


def _png(size=(600, 300), color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def test_profile_update_credentials_with_avatar_and_header(mastodon_user):
    user, api = mastodon_user("up")
    me = api.account_update_credentials(display_name="Ada L.", note="line one\nline two",
                                        avatar=_png(), avatar_mime_type="image/png",
                                        header=_png((1500, 500), (10, 10, 200)), header_mime_type="image/png")
    assert (me.display_name, me.note, me.source.note) == ("Ada L.", "<p>line one<br>line two</p>",
                                                          "line one\nline two")
    assert "/api/v1/avatars/" in me.avatar and "?v=" in me.avatar and "/api/v1/covers/" in me.header
    picture = requests.get(me.avatar.replace("http://testserver", api.api_base_url.rsplit("/mastodon", 1)[0]),
                           timeout=30)
    assert picture.status_code == 200 and picture.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(picture.content)).size == (400, 400)
    native = user.get("/api/v1/me").get_json()
    assert (native["display_name"], native["bio"]) == ("Ada L.", "line one\nline two")
    # a picture that is not one changes nothing, and answers in Mastodon's shape
    with pytest.raises(MastodonAPIError) as err:
        api.account_update_credentials(display_name="Changed", avatar=b"not an image", avatar_mime_type="image/png")
    assert err.value.args[1] in (415, 422)
    assert api.account_verify_credentials().display_name == "Ada L."
    with pytest.raises(MastodonAPIError) as err:
        api.account_update_credentials(note="x" * 501)
    assert err.value.args[1] == 422 and err.value.args[3].startswith("Validation failed:")


def test_follow_relationships_friends_and_lookup(mastodon_user, make_user):
    a, api_a = mastodon_user("fa")
    b, api_b = mastodon_user("fb")
    assert api_a.account_lookup(b.username).id == b.uid
    assert api_a.account(b.uid).username == b.username
    rel = api_a.account_follow(b.uid)
    assert (rel.id, rel.following, rel.followed_by) == (b.uid, True, False)
    assert [x.id for x in api_b.account_followers(b.uid)] == [a.uid]
    assert [x.id for x in api_a.account_following(a.uid)] == [b.uid]
    assert api_b.account(b.uid).followers_count == 1
    # a friendship (native) is a follow each way for Mastodon clients
    assert b.post(f"/api/v1/users/{a.username}/friend-request").status_code == 201
    assert a.post(f"/api/v1/me/friend-requests/{b.username}/accept").status_code == 200
    rel = api_a.account_relationships([b.uid])[0]
    assert (rel.following, rel.followed_by, rel.socialgraph["friends"]) == (True, True, True)
    rel = api_a.account_unfollow(b.uid)
    assert rel.following is False
    with pytest.raises(MastodonNotFoundError):
        api_a.account("no-such-account")


def test_paging_followers_with_link_headers(mastodon_user, make_user):
    star, api = mastodon_user("ps")
    fans = [make_user("pf") for _ in range(3)]
    for fan in fans:
        assert fan.put(f"/api/v1/users/{star.username}/follow").status_code == 200
    first = api.account_followers(star.uid, limit=2)
    assert len(first) == 2
    second = api.fetch_next(first)
    assert len(second) == 1
    assert {x.id for x in first} | {x.id for x in second} == {f.uid for f in fans}
    assert api.fetch_next(second) is None


def test_locked_account_follow_requests(mastodon_user):
    owner, api_owner = mastodon_user("lo")
    asker, api_asker = mastodon_user("la")
    other, api_other = mastodon_user("lb")
    assert api_owner.account_update_credentials(locked=True).locked is True
    rel = api_asker.account_follow(owner.uid)
    assert (rel.following, rel.requested) == (False, True)
    api_other.account_follow(owner.uid)
    assert {x.id for x in api_owner.follow_requests()} == {asker.uid, other.uid}
    rel = api_owner.follow_request_authorize(asker.uid)
    assert rel.followed_by is True
    rel = api_owner.follow_request_reject(other.uid)
    assert rel.followed_by is False and rel.requested_by is False
    assert api_owner.follow_requests() == []
    with pytest.raises(MastodonNotFoundError):
        api_owner.follow_request_authorize(other.uid)


def test_block_and_mute(mastodon_user):
    a, api_a = mastodon_user("ba")
    b, api_b = mastodon_user("bb")
    api_a.account_follow(b.uid)
    api_b.account_follow(a.uid)
    rel = api_a.account_block(b.uid)
    assert (rel.blocking, rel.following, rel.followed_by) == (True, False, False)
    assert [x.id for x in api_a.blocks()] == [b.uid]
    # the blocked user: the blocker does not exist for them, as in the native API
    with pytest.raises(MastodonNotFoundError):
        api_b.account(a.uid)
    with pytest.raises(MastodonNotFoundError):
        api_b.account_follow(a.uid)
    assert api_b.account_relationships([a.uid])[0].blocked_by is False
    assert api_a.account_unblock(b.uid).blocking is False
    rel = api_a.account_mute(b.uid)
    assert rel.muting is True
    assert [x.id for x in api_a.mutes()] == [b.uid]
    assert api_a.account_unmute(b.uid).muting is False
    assert api_a.mutes() == []


def test_familiar_followers(mastodon_user, make_user):
    me, api = mastodon_user("ff")
    target = make_user("ft")
    friend = make_user("fr")
    stranger = make_user("fs")
    assert me.put(f"/api/v1/users/{friend.username}/follow").status_code == 200
    for u in (friend, stranger):
        assert u.put(f"/api/v1/users/{target.username}/follow").status_code == 200
    found = api.account_familiar_followers([target.uid])
    assert [(f.id, [x.id for x in f.accounts]) for f in found] == [(target.uid, [friend.uid])]


def test_lists_crud_and_members(mastodon_user, make_user):
    me, api = mastodon_user("li")
    m1, m2 = make_user("lm"), make_user("ln")
    made = api.list_create("Close colleagues")
    assert made.title == "Close colleagues"
    assert [x.id for x in api.lists()] == [made.id]
    assert api.list_update(made.id, "Colleagues").title == "Colleagues"
    api.list_accounts_add(made.id, [m1.uid, m2.uid])
    assert {x.id for x in api.list_accounts(made.id)} == {m1.uid, m2.uid}
    assert [x.id for x in api.account_lists(m1.uid)] == [made.id]
    api.list_accounts_delete(made.id, [m1.uid])
    assert [x.id for x in api.list_accounts(made.id)] == [m2.uid]
    assert api.list(made.id).title == "Colleagues"
    api.list_delete(made.id)
    with pytest.raises(MastodonNotFoundError):
        api.list(made.id)
    with pytest.raises(MastodonAPIError) as err:
        api.list_create("")
    assert err.value.args[1] == 422


def test_markers(mastodon_user):
    _me, api = mastodon_user("mk")
    assert api.markers_get(["home", "notifications"]) == {}
    saved = api.markers_set(["home", "notifications"], ["110", "42"])
    assert (saved.home.last_read_id, saved.notifications.last_read_id, saved.home.version) == ("110", "42", 1)
    again = api.markers_set(["home"], ["111"])
    assert (again.home.last_read_id, again.home.version) == ("111", 2)
    assert api.markers_get(["home"]).home.last_read_id == "111"


def test_suggestions_are_our_friend_suggestions(app, mastodon_user, make_user):
    me, api = mastodon_user("sg")
    friend, fof = make_user("sf"), make_user("so")
    for x, y in ((me, friend), (friend, fof)):
        assert x.post(f"/api/v1/users/{y.username}/friend-request").status_code == 201
        assert y.post(f"/api/v1/me/friend-requests/{x.username}/accept").status_code == 200
    native = [i["uid"] for i in me.get("/api/v1/me/suggestions").get_json()["items"]]
    assert fof.uid in native
    got = api.suggestions_v2()
    assert [s.account.id for s in got] == native
    assert got[0].sources == ["friends_of_friends"]
    api.suggestion_delete(fof.uid)
    assert fof.uid not in [s.account.id for s in api.suggestions_v2()]


def test_report_goes_to_our_moderation_queue(ctx, mastodon_user, make_user):
    from socialgraph import stores

    me, api = mastodon_user("rp")
    bad = make_user("rb")
    rep = api.report(bad.uid, comment="spam links", category="spam")
    assert (rep.category, rep.comment, rep.target_account.id, rep.action_taken) == ("spam", "spam links",
                                                                                     bad.uid, False)
    doc = stores.mongo().reports.find_one({"reporter_id": me.uid})
    assert (doc["target_type"], doc["target_id"], doc["reason"], doc["details"]) == ("user", bad.uid, "spam",
                                                                                    "spam links")
    with pytest.raises(MastodonAPIError) as err:
        api.report(bad.uid, comment="again", category="spam")
    assert err.value.args[1] == 409


def test_report_on_an_account_that_blocked_you_is_the_unknown_account_404(ctx, mastodon_user, make_user):
    """As in the native API: who blocked the reporter does not exist for them,
    so the report answers as for an unknown account and files nothing."""
    from socialgraph import stores

    me, api = mastodon_user("rq")
    blocker = make_user("rk")
    assert blocker.put(f"/api/v1/users/{me.username}/block").status_code == 200
    with pytest.raises(MastodonNotFoundError) as blocked:
        api.report(blocker.uid, comment="you blocked me", category="other")
    with pytest.raises(MastodonNotFoundError) as unknown:
        api.report("f" * 32, comment="nobody", category="other")
    assert blocked.value.args[1:] == unknown.value.args[1:] == (404, "NOT FOUND", "Record not found")
    assert stores.mongo().reports.count_documents({"reporter_id": me.uid}) == 0


def test_instance(mastodon_user):
    _me, api = mastodon_user("in")
    v1, v2 = api.instance_v1(), api.instance_v2()
    assert v1.version.startswith("4.3.0 (compatible; socialgraph")
    assert v2.configuration.statuses.max_characters == 5000
    assert "Groups, stories, friend requests" in v2.description
    assert v2.api_versions["mastodon"] == 2 and v2.configuration.vapid.public_key


def test_push_subscription_and_a_push_mastodon_py_decrypts(app, mastodon_user, make_user):
    me, api = mastodon_user("pu")
    fan = make_user("pv")
    receiver = Receiver()
    try:
        keys = api.push_subscription_generate_keys()
        with config(app, PUSH_ALLOW_INSECURE=True):
            sub = api.push_subscription_set(receiver.origin + "/push/m", keys[1], follow_events=True,
                                            mention_events=True)
            assert (sub.alerts.follow, sub.alerts.mention, sub.alerts.favourite) == (True, True, False)
            assert api.push_subscription().endpoint == receiver.origin + "/push/m"
            assert sub.server_key == api.instance_v2().configuration.vapid.public_key
            assert fan.put(f"/api/v1/users/{me.username}/follow").status_code == 200
            assert len(receiver.received) == 1
            msg = receiver.received[0]
            assert msg["headers"]["content-encoding"] == "aesgcm"
            shown = api.push_subscription_decrypt_push(msg["body"], keys[0], msg["headers"]["encryption"],
                                                       msg["headers"]["crypto-key"])
            assert (shown.notification_type, shown.title) == ("follow", "socialgraph")
            sub = api.push_subscription_update(follow_events=False)
            assert sub.alerts.follow is False
            api.push_subscription_delete()
            with pytest.raises(MastodonNotFoundError):
                api.push_subscription()
    finally:
        receiver.close()
        receiver.server.server_close()


def test_unverified_account_may_block_but_not_follow(mastodon_user, make_user):
    _me, api = mastodon_user("uv", verified=False)
    other = make_user("uw")
    assert api.account_block(other.uid).blocking is True
    with pytest.raises(MastodonAPIError) as err:
        api.account_follow(other.uid)
    assert err.value.args[1] == 403


def test_account_search_pictures_removed_and_preferences(mastodon_user, make_user):
    me, api = mastodon_user("se")
    other = make_user("zqsearch")
    found = api.account_search(other.username[:12])
    assert [a.id for a in found] == [other.uid]
    api.account_update_credentials(avatar=_png(), avatar_mime_type="image/png",
                                   header=_png((1500, 500)), header_mime_type="image/png")
    assert "?v=" in api.account_verify_credentials().avatar
    assert "?v=" not in api.account_delete_avatar().avatar
    assert api.account_delete_header().header.endswith("/headers/missing.png")
    assert api.preferences()["posting:default:visibility"] == "public"


def test_a_mastodon_account_does_not_count_mutual_friends(client, make_user, graph_reads):
    """The Mastodon ``Account`` has no mutual-friends field, so its lookup does not
    count them (for a hub author on a hub viewer's timeline page the count walked
    9,492 friends: 1.2-1.7 s per author); the native profile still counts them."""
    from tests.api.mastodon.conftest import token_through_test_client

    owner, viewer, shared = make_user("mo"), make_user("mv"), make_user("ms")
    for a, b in ((owner, shared), (viewer, shared)):
        assert a.post(f"/api/v1/users/{b.username}/friend-request").status_code == 201
        assert b.post(f"/api/v1/me/friend-requests/{a.username}/accept").status_code == 200
    token = token_through_test_client(client, viewer, "read")
    stores.read_cache().delete(*[f"sg:friends:{u.uid}" for u in (owner, viewer)])
    graph_reads.clear()
    resp = client.get(f"/mastodon/api/v1/accounts/{owner.uid}", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200 and resp.get_json()["username"] == owner.username
    assert not [n for n in graph_reads if "friend_usernames" in n or "mutual" in n], graph_reads
    assert viewer.get(f"/api/v1/users/{owner.username}").get_json()["mutual_friends"] == {
        "count": 1, "sample": [shared.username]}
