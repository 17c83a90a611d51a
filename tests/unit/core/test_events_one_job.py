"""Events whose subscribers share one RQ job (no servers)."""
from __future__ import annotations

from socialgraph.core import events
from socialgraph.stores.queue import _route, timeout_for


def _captured(monkeypatch) -> list[tuple[str, dict]]:
    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr(events, "_TRANSPORT", [lambda job, **kw: calls.append((job, kw))])
    return calls


def test_a_reaction_queues_one_runner_job_with_its_subscribers_in_order(monkeypatch):
    calls = _captured(monkeypatch)
    jobs = events.publish("reaction.created", target="post:1", user_id="a", owner_id="b", type="like", post_id="1")
    assert jobs == events.SUBSCRIBERS["reaction.created"] and len(jobs) == 2
    assert calls == [(events.RUNNER, {"route_as": tuple(jobs), "event": "reaction.created", "subscribers": jobs,
                                      "target": "post:1", "user_id": "a", "owner_id": "b", "type": "like",
                                      "post_id": "1"})]


def test_other_events_queue_one_job_per_subscriber(monkeypatch):
    calls = _captured(monkeypatch)
    jobs = events.publish("user.followed", follower="a", followee="b")
    assert len(jobs) > 1 and "user.followed" not in events.ONE_JOB
    assert [job for job, _ in calls] == jobs == events.SUBSCRIBERS["user.followed"]
    assert all("route_as" not in kw for _, kw in calls)


def test_the_runner_takes_the_first_subscribers_lane_and_the_longest_timeout():
    subs = events.SUBSCRIBERS["comment.created"]
    assert subs[0] == "jobs.notifications.on_event"  # the user waits for the notification: it goes first
    assert _route(events.RUNNER, subs) == (subs[0], max(timeout_for(s) for s in subs))
    assert _route("jobs.posts.purge_post", None) == ("jobs.posts.purge_post", timeout_for("jobs.posts.purge_post"))


def test_a_runner_job_kept_in_the_outbox_keeps_its_route():
    from types import SimpleNamespace

    from redis.exceptions import ConnectionError as RedisConnectionError

    from socialgraph.stores.queue import TaskQueue

    kept: list[dict] = []

    def redis_away():
        raise RedisConnectionError("away")

    mongo = SimpleNamespace(outbox=SimpleNamespace(insert_one=kept.append))
    tq = TaskQueue(redis_away, lambda: mongo, "default", True)
    subs = events.SUBSCRIBERS["reaction.created"]
    assert tq.enqueue(events.RUNNER, route_as=tuple(subs), event="reaction.created", subscribers=subs) == "outbox"
    assert kept[0]["func"] == events.RUNNER and kept[0]["route_as"] == subs
    assert "route_as" not in kept[0]["kwargs"]
