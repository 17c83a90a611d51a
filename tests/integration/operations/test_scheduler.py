"""The scheduler service against the real Redis and RQ: each periodic job is
queued once per slot (also with two scheduler replicas and across restarts),
the queued jobs run to completion in an RQ worker, and nothing is queued while
Redis is away."""
from __future__ import annotations

import uuid

import pytest
from rq import Queue, SimpleWorker
from rq.job import Job

from socialgraph import stores
from socialgraph.core.periodic import PERIODIC
from socialgraph.operations import scheduler



@pytest.fixture()
def async_app(app_config):
    """An app whose jobs really go to RQ (its own queue names), like the deployment's."""
    from socialgraph.app import create_app

    q = f"sched-{uuid.uuid4().hex[:8]}"
    other = create_app({**app_config, "RQ_ASYNC": True, "RQ_QUEUE": q, "RQ_FEED_QUEUE": q + "-feeds",
                        "RQ_NOTIFY_QUEUE": q + "-notify", "RQ_HEAVY_QUEUE": q + "-heavy", "SCHEDULER": "service"})
    yield other
    with other.app_context():
        for name in stores.tasks().queue_names:
            stores.cache().delete(name, f"rq:queue:{name}")
    other.extensions["socialgraph"].close()


def _queued(app) -> list[str]:
    with app.app_context():
        return [j.func_name for name in stores.tasks().queue_names  # every lane (trends: the heavy one)
                for j in Queue(name, connection=stores.cache()).get_jobs()]


def _clear_claims(app, now):
    with app.app_context():
        for e in PERIODIC.values():
            stores.cache().delete(scheduler.claim_key(e.name, int(now // e.seconds(app.config))))


@pytest.fixture()
def three_jobs():
    """The registry narrowed to the three jobs this test follows slot by slot
    (other packages register more; restored afterwards)."""
    kept = dict(PERIODIC)
    for name in [n for n in PERIODIC if n not in ("trends", "stories-purge", "media-cleanup")]:
        del PERIODIC[name]
    yield
    PERIODIC.clear()
    PERIODIC.update(kept)


def test_each_job_once_per_slot_across_replicas_and_restarts(async_app, app_config, three_jobs):
    from socialgraph.app import create_app

    now = 3600.0 * 600_000 + 17 + uuid.uuid4().int % 1000 * 3600  # a fresh hour, 17 s in
    _clear_claims(async_app, now)
    with async_app.app_context():
        assert set(scheduler.tick(now)) == {"trends", "stories-purge", "media-cleanup"}
        assert scheduler.tick(now + 5) == []  # same slots: nothing again (a restart inside a slot)
    replica = create_app({**async_app.config})
    with replica.app_context():
        assert scheduler.tick(now + 10) == []  # a second scheduler replica
    assert sorted(_queued(async_app)) == ["jobs.media.cleanup_orphans", "jobs.stories.purge_expired",
                                          "jobs.trends.compute_trends"]
    with async_app.app_context():
        assert scheduler.tick(now + 300) == ["trends"]  # the next 5-minute slot
        assert set(scheduler.tick(now + 600)) == {"trends", "stories-purge"}
        ttl = stores.cache().ttl(scheduler.claim_key("media-cleanup", int(now // 3600)))
        assert 3600 < ttl <= 7200
        # every queued job runs to completion in a worker (jobs run inside the app)
        lanes = [Queue(name, connection=stores.cache()) for name in stores.tasks().queue_names]
        ids = [i for q in lanes for i in q.job_ids]
        assert len(ids) == 6
        SimpleWorker(lanes, connection=stores.cache()).work(burst=True)
        statuses = {Job.fetch(i, connection=stores.cache()).get_status() for i in ids}
        assert statuses == {"finished"}, statuses
        trends = Job.fetch(f"sg-periodic-trends-{int(now // 300)}", connection=stores.cache())
        assert trends.kwargs == {"reschedule": False}  # the scheduler, not a chain, runs it next time
    replica.extensions["socialgraph"].close()


def test_nothing_is_queued_while_redis_is_away(app_config):
    from socialgraph.app import create_app

    down = create_app({**app_config, "RQ_ASYNC": True, "REDIS_URL": "redis://127.0.0.1:1/0",
                       "STORE_TIMEOUT_SECONDS": 0.2})
    try:
        with down.app_context():
            assert scheduler.tick(1_000_000.0) == []
            assert stores.mongo().outbox.count_documents({"func": {"$in": [e.job for e in PERIODIC.values()]},
                                                          "job_id": {"$regex": "^sg-periodic-.*-(3333|1666|277)$"}}) == 0
    finally:
        down.extensions["socialgraph"].close()


def test_sleep_until_the_next_slot(ctx):
    assert scheduler.seconds_to_next_slot(299.5) == pytest.approx(0.5)
    assert scheduler.seconds_to_next_slot(0.0) == scheduler.MAX_SLEEP_SECONDS
    assert {e.job for e in PERIODIC.values()} >= {"jobs.trends.compute_trends", "jobs.stories.purge_expired",
                                                  "jobs.media.cleanup_orphans"}
