"""A self view walks none of the owner's relationships (issue 22 session 5:
the first own-profile read of a 9,492-friend hub took 2.0 s, 1.4 s of it
the shared-friends walk from the viewer's side, which is the hub itself)."""
from __future__ import annotations

from socialgraph import stores
from socialgraph.accounts import service as accounts
from socialgraph.core import clock
from socialgraph.operations.degrees import recount
from tests.conftest import unique
from tests.integration.bulk import imported_users


def _owner_with_friends(n: int) -> dict:
    g = stores.graph()
    me = accounts.register(unique("own"), f"{unique('m')}@example.test", "a long enough password")
    now = clock.now()
    uids = imported_users(n, "fr", at=now)
    g.write("importers/merge_friendships", rows=[{"a": me["uid"], "b": u} for u in uids], created_at=now)
    g.write("importers/merge_follows", rows=[{"a": u, "b": me["uid"]} for u in uids], created_at=now)
    recount(me["uid"], *uids)
    return {**me, "friends": uids}


def test_cold_card_for_oneself_walks_no_relation(ctx):
    """Seen as a hub (``hub_degree`` 1), one's own cold card has no shared
    friends list and false relation flags; another viewer's still has them."""
    me = _owner_with_friends(3)
    g = stores.graph()
    (own,) = g.read("graph/users/get_profile_card_for_viewer", username=me["username"].lower(),
                    viewer=me["uid"], hub_degree=1, viewer_friends=True)
    assert own["mutual_names"] is None and own["viewer_friends"] is None
    assert own["friends_count"] == 3 and own["followers_count"] == 3
    assert not any(own[k] for k in ("followed_by_viewer", "follows_viewer", "blocked", "friends",
                                    "request_sent", "request_received", "follow_requested"))
    friend = me["friends"][0]
    (other,) = g.read("graph/users/get_profile_card_for_viewer", username=me["username"].lower(),
                      viewer=friend, hub_degree=1, viewer_friends=True)
    assert other["friends"] is True and other["follows_viewer"] is False and other["followed_by_viewer"] is True
    assert other["mutual_names"] == []  # the friend's only friend is the owner
    assert other["viewer_friends"] is None  # a hub owner: the shared names, not the list, count
    (small,) = g.read("graph/users/get_profile_card_for_viewer", username=me["username"].lower(),
                      viewer=friend, hub_degree=1000, viewer_friends=True)
    assert small["viewer_friends"] == [me["username"]] and small["mutual_names"] is None
