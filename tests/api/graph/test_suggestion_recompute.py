"""Suggestions are recomputed only for the users whose rule inputs changed,
and at most once per debounce window per user (issue 17, item 4)."""
from __future__ import annotations

import json

from tests.api.graph.test_privacy_lists_suggestions import befriend
from tests.conftest import unique


def test_following_a_hub_does_not_touch_the_hubs_suggestions(app, make_user, monkeypatch):
    from socialgraph import stores
    from socialgraph.graph.suggestions import CACHE_KEY

    monkeypatch.setitem(app.config, "SUGGESTIONS_HEAVY_FRIENDS", 1)  # everyone with a friend is heavy
    hub, friend, fan = make_user("hub"), make_user("hubf"), make_user("fan")
    befriend(hub, friend)
    befriend(fan, make_user("fanf"))
    marker = json.dumps([{"uid": "0" * 32, "username": "hub_marker", "display_name": "x", "mutual_friends": 9,
                          "reason": "9 mutual friends"}])
    with app.app_context():
        r = stores.cache()
        hub_key, fan_key = CACHE_KEY.format(uid=hub.uid), CACHE_KEY.format(uid=fan.uid)
        r.set(hub_key, marker)
        r.set(fan_key, marker)
        assert fan.put(f"/api/v1/users/{hub.username}/follow").status_code == 200
        assert r.get(hub_key) == marker.encode()  # the hub's rule inputs did not change
        assert r.get(fan_key) != marker.encode()  # the follower's did (it now follows the hub)
        assert hub.put(f"/api/v1/users/{fan.username}/mute").status_code == 200
        r.set(fan_key, marker)
        r.set(hub_key, marker)
        assert fan.delete(f"/api/v1/users/{hub.username}/follow").status_code == 200
        assert r.get(hub_key) == marker.encode()


def test_a_burst_of_changes_queues_one_recomputation_per_user(app, make_user, monkeypatch):
    from rq.registry import ScheduledJobRegistry

    from socialgraph import stores
    from socialgraph.graph import suggestions

    monkeypatch.setitem(app.config, "SUGGESTIONS_HEAVY_FRIENDS", 1)
    me, a, b, c = make_user("db"), make_user("dba"), make_user("dbb"), make_user("dbc")
    befriend(me, a)
    with app.app_context():
        tasks = stores.tasks()
        lane = unique("q")
        monkeypatch.setattr(tasks, "is_async", True)
        monkeypatch.setattr(tasks, "routes", {"jobs.": lane})
        try:
            for other in (b, c, a):
                assert suggestions.graph_changed(me.uid, other.uid, False)["precomputed"] >= 1
            registry = ScheduledJobRegistry(lane, connection=stores.cache())
            jobs = [tasks.queue(lane).fetch_job(j) for j in registry.get_job_ids()]
            mine = [j for j in jobs if j.func_name == "jobs.graph.refresh_suggestions" and j.args == (me.uid,)]
            assert len(mine) == 1  # three changes, one run
            assert [j.args for j in jobs].count((a.uid,)) == 1
        finally:
            for j in ScheduledJobRegistry(lane, connection=stores.cache()).get_job_ids():
                ScheduledJobRegistry(lane, connection=stores.cache()).remove(j, delete_job=True)
            stores.cache().delete(f"sg:debounce:suggest:{me.uid}", f"sg:debounce:suggest:{a.uid}")
