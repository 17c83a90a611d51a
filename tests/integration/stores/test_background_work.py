"""Background work that loses nothing (issue 17), against the real servers.

- Redis keeps its queues on disk (AOF, fsync every second): jobs queued
  before a restart are there after it.
- A worker SIGKILLed mid-job: the job is re-queued and done by another
  worker within 60 s (not after ``job_timeout + 60`` s).
- MongoDB stopped between the media variants and ``status: ready``: the
  retry still finds the original and the upload ends ``ready``.
- The sweeper re-queues stuck media and, after ``MAX_SWEEPS``, fails it
  visibly.
"""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import unique

REPO = Path(__file__).resolve().parents[3]


def test_redis_runs_with_aof_and_keeps_queued_jobs_across_a_restart(stack, app):
    import redis
    from rq import Queue

    r = redis.Redis.from_url(stack.env()["SG_REDIS_URL"])
    assert r.config_get("appendonly")["appendonly"] == "yes"
    assert r.config_get("appendfsync")["appendfsync"] == "everysec"
    from socialgraph.stores.queue import TaskQueue

    with app.app_context():
        from socialgraph import stores

        name = unique("aofq")
        tq = TaskQueue(stores.cache, stores.mongo, name, True)
        ids = [f"{name}-{i}" for i in range(8)]
        for job_id in ids:
            assert tq.enqueue("jobs.mail.send_verification_email", "nobody", job_id=job_id) == "queued"
    stack.stop_one("redis")
    stack.restart_one("redis")
    r = redis.Redis.from_url(stack.env()["SG_REDIS_URL"])
    q = Queue(name, connection=r)
    assert sorted(q.job_ids) == sorted(ids)
    job = q.fetch_job(ids[0])
    assert job.retries_left == 5 and job.timeout == 60  # retried with backoff, timeout of its kind
    q.empty()


def _worker(env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:  # the child keeps its own descriptor
        return subprocess.Popen([sys.executable, "-m", "socialgraph", "worker"], env=env, cwd=REPO,
                                start_new_session=True, stdout=out, stderr=subprocess.STDOUT)


def _wait(cond, seconds: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return False


def test_job_of_a_sigkilled_worker_is_retried_within_60_seconds(stack, app, tmp_path):
    import redis
    from rq import Queue

    from socialgraph.stores.queue import TaskQueue

    lane = unique("lane")
    env = {**os.environ, **stack.env(), "SG_MONGO_DATABASE": app.config["MONGO_DATABASE"],
           "SG_S3_BUCKET": app.config["S3_BUCKET"], "SG_MAIL_OUTBOX_DIR": str(tmp_path / "mail"),
           "SG_RQ_QUEUE": lane, "SG_RQ_NOTIFY_QUEUE": lane + "-n", "SG_RQ_FEED_QUEUE": lane + "-f",
           "SG_RQ_HEAVY_QUEUE": lane + "-h"}
    r = redis.Redis.from_url(stack.env()["SG_REDIS_URL"])
    key = unique("slow")
    with app.app_context():
        from socialgraph import stores

        TaskQueue(stores.cache, stores.mongo, lane, True).enqueue(
            "tests.integration.stores.slow_job.hang_first_time", key, job_timeout=1800)
    first = _worker(env, tmp_path / "w1.log")
    second = None
    try:
        assert _wait(lambda: r.get(f"{key}:runs") == b"1", 60), (tmp_path / "w1.log").read_text()
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        killed_at = time.monotonic()
        second = _worker(env, tmp_path / "w2.log")
        assert _wait(lambda: r.get(f"{key}:done") == b"1", 60), (tmp_path / "w2.log").read_text()
        assert time.monotonic() - killed_at < 60
        assert int(r.get(f"{key}:runs")) == 2
    finally:
        for p in (first, second):
            if p is not None and p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=30)
        for name in (lane, lane + "-n", lane + "-f", lane + "-h"):
            Queue(name, connection=r).empty()


def _private_lane(tasks, monkeypatch) -> str:
    """Queue every job of this test, for real, on a queue of its own (no worker)."""
    lane = unique("q")
    monkeypatch.setattr(tasks, "is_async", True)
    monkeypatch.setattr(tasks, "routes", {"jobs.": lane})
    return lane


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def test_upload_ends_ready_when_mongodb_stops_in_the_middle_of_processing(stack, app, monkeypatch):
    from socialgraph import stores
    from socialgraph.content import media

    with app.app_context():
        tasks = stores.tasks()
        lane = _private_lane(tasks, monkeypatch)  # queue only: this test runs the job itself
        owner = unique("mo")
        data = _png()
        doc = media.upload(owner, io.BytesIO(data), len(data))
        tasks.queue(lane).empty()
        monkeypatch.setattr(tasks, "is_async", False)
        assert doc["status"] == "processing"
        real = media._process_image
        calls = []

        def then_stop_mongo(src, tmp):  # the decoder is done: MongoDB goes away before the result is written
            out = real(src, tmp)
            if not calls:
                calls.append(1)
                stack.stop_one("mongo")
            return out

        monkeypatch.setattr(media, "_process_image", then_stop_mongo)
        try:
            with pytest.raises(Exception):
                media.process(doc["id"])  # the job fails; RQ retries it
        finally:
            stack.restart_one("mongo")
        assert media.process(doc["id"]) == "ready"  # the retry
        got = stores.mongo().media.find_one({"_id": media._parse(doc["id"])})
        assert got["status"] == "ready" and set(got["variants"])
        from minio.error import S3Error

        with pytest.raises(S3Error):  # the original is gone once the result is committed
            stores.objects().stat_object(app.config["S3_BUCKET"], got["key"])


def test_sweeper_requeues_stuck_media_then_fails_it_visibly(app, monkeypatch):
    from socialgraph import stores
    from socialgraph.content import media
    from socialgraph.core import clock
    from socialgraph.operations import sweeper

    with app.app_context():
        tasks = stores.tasks()
        owner = unique("sw")
        data = _png()
        lane = _private_lane(tasks, monkeypatch)
        doc = media.upload(owner, io.BytesIO(data), len(data))
        tasks.queue(lane).empty()  # the processing job is lost
        oid = media._parse(doc["id"])
        db = stores.mongo()
        old = clock.now() - timedelta(hours=2)
        db.media.update_one({"_id": oid}, {"$set": {"created_at": old}})
        assert sweeper.sweep_item("media", db.media.find_one({"_id": oid})) == "requeued"
        jobs = tasks.queue(lane).get_jobs()
        assert [(j.func_name, j.args) for j in jobs] == [("jobs.media.process_media", (doc["id"],))]
        tasks.queue(lane).empty()
        assert sweeper.sweep_item("media", db.media.find_one({"_id": oid})) == "requeued"
        tasks.queue(lane).empty()
        got = db.media.find_one({"_id": oid})
        assert got["sweeps"] == 2 and got["status"] == "processing"
        # not stuck any more after a sweep: the next pass leaves it alone until it is old again
        assert oid not in {d["_id"] for d in sweeper.stuck_items()["media"]}
        db.media.update_one({"_id": oid}, {"$set": {"swept_at": old, "sweeps": sweeper.MAX_SWEEPS}})
        assert oid in {d["_id"] for d in sweeper.stuck_items()["media"]}
        monkeypatch.setattr(tasks, "is_async", False)
        assert sweeper.sweep()["failed"] >= 1
        got = db.media.find_one({"_id": oid})
        assert got["status"] == "failed" and "upload the file again" in got["error"]
        assert media.get_media(doc["id"], owner)["status"] == "failed"


def test_an_export_whose_worker_died_after_ready_is_still_announced(app, make_user, mailbox):
    from socialgraph import stores
    from socialgraph.portability import service as portability

    user = make_user("exa")
    with app.app_context():
        tasks = stores.tasks()
        export = portability.request_export(user.uid)  # jobs inline: built, announced, mailed
        assert stores.mongo().exports.find_one({"_id": export["id"]})["announced"] is True
        mails = [m for m in mailbox.messages_to(user.email) if "export is ready" in m["Subject"]]
        assert len(mails) == 1
        # the worker died between "ready" and the event: RQ's retry announces it
        stores.mongo().exports.update_one({"_id": export["id"]}, {"$unset": {"announced": ""}})
        assert portability.build_export(export["id"])["status"] == "ready"
        mails = [m for m in mailbox.messages_to(user.email) if "export is ready" in m["Subject"]]
        assert len(mails) == 2
        assert portability.build_export(export["id"])["announced"] is True  # and only once more
        assert len([m for m in mailbox.messages_to(user.email) if "export is ready" in m["Subject"]]) == 2
        assert tasks is stores.tasks()
