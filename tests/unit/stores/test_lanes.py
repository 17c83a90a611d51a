"""Work lanes, job timeouts and retries (no servers)."""
from __future__ import annotations

from socialgraph.core.config import load_config
from socialgraph.stores.clients import lane_routes
from socialgraph.stores.queue import (
    DEFAULT_TIMEOUT,
    RETRY_INTERVALS,
    TaskQueue,
    _retry,
    timeout_for,
)


def _tasks() -> TaskQueue:
    c = load_config({})
    return TaskQueue(lambda: None, lambda: None, c["RQ_QUEUE"], True, routes=lane_routes(c),
                     lanes=[c["RQ_NOTIFY_QUEUE"], c["RQ_FEED_QUEUE"], c["RQ_QUEUE"], c["RQ_HEAVY_QUEUE"]])


def test_workers_take_notifications_then_feeds_then_default_then_heavy():
    assert _tasks().queue_names == ["notifications", "feeds", "default", "heavy"]


def test_each_job_goes_to_its_lane():
    t = _tasks()
    lanes = {
        "jobs.notifications.on_event": "notifications",
        "jobs.notifications.send_email_digest": "notifications",
        "jobs.mail.send_verification_email": "notifications",
        "jobs.accounts.send_new_device_email": "notifications",
        "jobs.accounts.export_ready_email": "notifications",
        "jobs.feeds.fanout_post_event": "feeds",
        "jobs.feeds.fanout_batch": "feeds",
        "jobs.media.process_media": "default",
        "jobs.posts.purge_post_event": "default",
        "jobs.graph.suggestions_event": "heavy",
        "jobs.graph.refresh_suggestions": "heavy",
        "jobs.graph.interaction_event": "default",  # one pair, milliseconds
        "jobs.graph.mirror_interactions": "default",  # the coalesced mirror: a batch, one Cypher
        "jobs.accounts.build_export": "heavy",
        "jobs.accounts.run_import": "heavy",
        "jobs.accounts.delete_account": "heavy",
        "jobs.trends.compute_trends": "heavy",
        "jobs.operations.sweep": "heavy",
    }
    assert {job: t.queue_name_for(job) for job in lanes} == lanes


def test_timeouts_are_sized_per_job_and_longest_prefix_wins():
    assert timeout_for("jobs.notifications.on_event") == 60
    assert timeout_for("jobs.media.process_media") == 1800
    assert timeout_for("jobs.media.cleanup_orphans") == 900
    assert timeout_for("jobs.accounts.run_import") == 3600
    assert timeout_for("jobs.accounts.send_new_device_email") == 60
    assert timeout_for("jobs.unknown.thing") == DEFAULT_TIMEOUT


def test_every_job_is_retried_with_backoff():
    r = _retry()
    assert r.max == len(RETRY_INTERVALS) == 5
    assert r.intervals == RETRY_INTERVALS and RETRY_INTERVALS == sorted(RETRY_INTERVALS)


def test_enqueue_once_queues_one_run_until_it_has_started():
    from types import SimpleNamespace

    marks: dict[str, int] = {}

    def set_(key, value, nx=False, ex=None):
        if nx and key in marks:
            return None
        marks[key] = value
        return True

    redis = SimpleNamespace(set=set_, delete=lambda key: marks.pop(key, None))
    tq = TaskQueue(lambda: redis, lambda: None, "default", True)
    queued: list[str] = []
    tq.enqueue = lambda func, *a, **kw: queued.append(func) or "queued"
    assert tq.enqueue_once("k", "jobs.x.y") == "queued"
    assert tq.enqueue_once("k", "jobs.x.y") == "pending"
    tq.started_once("k")
    assert tq.enqueue_once("k", "jobs.x.y") == "queued"
    assert queued == ["jobs.x.y", "jobs.x.y"]
