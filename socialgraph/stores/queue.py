"""Queueing side effects as RQ jobs, without losing them when Redis is away.

Services never import ``jobs``: they name a job by its dotted path
(``"jobs.mail.send_verification_email"``) and pass ids, never objects.
If Redis does not answer, the job is written to the MongoDB ``outbox``
collection instead and re-enqueued by :meth:`TaskQueue.drain_outbox`
(run by every worker at start and by ``socialgraph outbox drain``), so an
accepted request never loses its side effects. Jobs must be idempotent.

Every job is queued with a :class:`rq.Retry` (backoff :data:`RETRY_INTERVALS`)
and a timeout sized for its kind (:data:`JOB_TIMEOUTS`). Workers are
:class:`LiveWorker` (or :class:`LiveForkWorker`): they refresh the heartbeat of
the running job every :data:`HEARTBEAT_EVERY` seconds with a TTL of
:data:`HEARTBEAT_TTL`, so when a worker dies (SIGKILL, OOM, a lost host) its
job's entry in RQ's started registry expires within that TTL instead of RQ's
``job_timeout + 60`` s, and :meth:`TaskQueue.requeue_abandoned` (run every
:data:`REAP_EVERY` seconds by each worker) hands it back to its queue through
RQ's own ``StartedJobRegistry.cleanup`` (which spends one retry). Their own
(worker) heartbeat between jobs is thrifty (:class:`_ThriftyHeartbeat`: one
round trip, at most every :data:`WORKER_BEAT_EVERY` seconds).
:meth:`TaskQueue.enqueue_once` coalesces the runs of one job (one waiting run
for a burst of callers).
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any, Callable

log = logging.getLogger(__name__)

#: Jobs are kept this long after they finish (seconds), for inspection.
RESULT_TTL = 3600
FAILURE_TTL = 7 * 86400

#: seconds between the attempts of a failed job (RQ ``Retry``): transient
#: store errors (a restart, a failover) are over within the first ones.
RETRY_INTERVALS = [1, 5, 30, 120, 600]

#: job path or path prefix -> seconds before RQ stops the job (the longest
#: matching prefix wins; :data:`DEFAULT_TIMEOUT` otherwise). Sized from the
#: heaviest input each job meets: a 9,458-friend user's suggestions take
#: ~35 s on the local graph, a video transcode minutes, an import or export of
#: a 100,000-follower account tens of minutes.
JOB_TIMEOUTS: dict[str, int] = {
    "jobs.notifications.": 60,
    "jobs.mail.": 60,
    "jobs.accounts.send_new_device_email": 60,
    "jobs.accounts.export_ready_email": 60,
    "jobs.feeds.": 300,
    "jobs.graph.": 600,
    "jobs.media.process_media": 1800,
    "jobs.media.cleanup_orphans": 900,
    "jobs.accounts.build_export": 1800,
    "jobs.accounts.run_import": 3600,
    "jobs.accounts.delete_account": 1800,
    "jobs.posts.": 600,
    "jobs.stories.": 600,
    "jobs.trends.": 600,
    "jobs.operations.": 600,
}
DEFAULT_TIMEOUT = 180

#: the running job's heartbeat: refreshed every HEARTBEAT_EVERY seconds, it
#: expires HEARTBEAT_TTL seconds after the worker's last sign of life
HEARTBEAT_EVERY = 10
HEARTBEAT_TTL = 30
#: how often a worker looks for jobs whose worker died (seconds)
REAP_EVERY = 10
REAP_LOCK_KEY = "sg:rq:reaper"
#: RQ worker key TTL and maintenance interval (seconds)
WORKER_TTL = 45
MAINTENANCE_EVERY = 30
#: a worker's own heartbeat between jobs (its key's TTL back to
#: ``WORKER_TTL + 60`` s) goes out at most once per this many seconds
#: (:class:`_ThriftyHeartbeat`); RQ sends three per job, three round trips each
WORKER_BEAT_EVERY = 5


def timeout_for(func: str) -> int:
    """The timeout (seconds) of job ``func``: :data:`JOB_TIMEOUTS`, longest prefix first."""
    best = max((p for p in JOB_TIMEOUTS if func.startswith(p)), key=len, default=None)
    return JOB_TIMEOUTS[best] if best else DEFAULT_TIMEOUT


class TaskQueue:
    """Enqueue jobs by dotted name; falls back to a MongoDB outbox."""

    def __init__(self, redis_factory: Callable, mongo_factory: Callable, name: str, is_async: bool,
                 routes: dict[str, str] | None = None, lanes: list[str] | None = None):
        self._redis = redis_factory
        self._mongo = mongo_factory
        self.name = name
        self.is_async = is_async
        #: job name prefix -> queue name (longest prefix wins); everything else goes to ``name``
        self.routes = dict(routes or {})
        #: the queues in the order workers take them (highest priority first)
        self.lanes = list(lanes or [])
        #: set when a job went to the outbox; the next successful enqueue drains it
        self._outbox_dirty = False

    @property
    def queue_names(self) -> list[str]:
        """Every queue, highest priority first (``lanes``, then any other
        routed queue and the default): what a worker listens to. RQ takes
        jobs from the first non-empty queue, so a burst of heavy graph work
        never delays a notification (Mastodon keeps its feed pushes and its
        mailers apart from its default and "pull" Sidekiq queues for the same
        reason)."""
        return list(dict.fromkeys([*self.lanes, *self.routes.values(), self.name]))

    def queue_name_for(self, func: str) -> str:
        """The queue (lane) of job ``func``: the route with the longest matching prefix."""
        best = max((p for p in self.routes if func.startswith(p)), key=len, default=None)
        return self.routes[best] if best else self.name

    def queue(self, name: str | None = None):
        """The RQ queue ``name`` (default: the default queue)."""
        from rq import Queue

        return Queue(name or self.name, connection=self._redis(), is_async=self.is_async)

    def enqueue(self, func: str, *args: Any, job_id: str | None = None, job_timeout: int | None = None,
                result_ttl: int | None = None, route_as: tuple[str, ...] | list[str] | None = None,
                **kwargs: Any) -> str:
        """Queue ``func(*args, **kwargs)``; return ``"queued"`` or ``"outbox"``.

        ``args`` must be JSON-like ids and values. With ``RQ_ASYNC`` off (tests)
        the job runs at once in this process, against the real stores.
        ``job_timeout``: seconds before RQ stops the job (:func:`timeout_for` when ``None``).
        ``result_ttl``: seconds the finished job (its hash, with the arguments) is
        kept, default :data:`RESULT_TTL`; 0 deletes it on success (account deletion).
        ``route_as``: the job paths ``func`` runs on behalf of (the runner of
        several event subscribers, :data:`socialgraph.core.events.ONE_JOB`): the
        job goes to the lane of the first and gets the longest timeout of them.
        """
        from redis.exceptions import RedisError

        lane, timeout = _route(func, route_as)
        try:
            self.queue(self.queue_name_for(lane)).enqueue(
                func, args=args, kwargs=kwargs or None, job_id=job_id,
                job_timeout=job_timeout or timeout, retry=_retry(),
                result_ttl=RESULT_TTL if result_ttl is None else result_ttl, failure_ttl=FAILURE_TTL)
            if self._outbox_dirty:  # Redis is back: move what waited while it was away
                self._outbox_dirty = False
                try:
                    self.drain_outbox()
                except Exception as exc:  # the next enqueue or the worker retries
                    self._outbox_dirty = True
                    log.warning("outbox drain failed: %s", exc)
            return "queued"
        except RedisError as exc:
            self._outbox_dirty = True
            log.warning("redis unavailable, job %s kept in outbox: %s", func, exc)
            self._mongo().outbox.insert_one({
                "func": func, "args": list(args), "kwargs": kwargs, "job_id": job_id,
                "result_ttl": result_ttl, "created_at": datetime.now(timezone.utc),
                **({"route_as": list(route_as)} if route_as else {}),
            })
            return "outbox"

    def forget_jobs_mentioning(self, texts: list[str], keep: tuple[str, ...] = ()) -> int:
        """Delete every RQ job (hash, registry entries, results) whose call
        mentions one of ``texts`` (ids, names), except running ones and the job ids in
        ``keep`` (the caller's own job); returns how many.

        For account deletion: finished jobs are kept :data:`RESULT_TTL`, failed
        ones :data:`FAILURE_TTL`, and their hashes carry the arguments. It
        walks every job hash (``SCAN rq:job:*``, one pipelined ``HMGET`` per
        thousand), so it is a background job's work, never a request's."""
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        r = self._redis()
        needles = [t.encode() for t in texts if t]
        n = 0
        batch: list[bytes] = []

        def flush():
            nonlocal n
            pipe = r.pipeline(transaction=False)
            for key in batch:
                pipe.hmget(key, "description", "status")
            for key, (description, status) in zip(batch, pipe.execute()):
                if not any((description and n in description) or n in key for n in needles):
                    continue
                if status == b"started" or key.decode()[len("rq:job:"):] in keep:
                    continue
                try:
                    Job.fetch(key.decode()[len("rq:job:"):], connection=r).delete()
                except NoSuchJobError:
                    r.delete(key)
                n += 1
            batch.clear()

        for key in r.scan_iter(match="rq:job:*", count=1000):
            if key.count(b":") != 2:  # rq:job:<id>:dependents and the like go with their job
                continue
            batch.append(key)
            if len(batch) >= 1000:
                flush()
        if batch:
            flush()
        return n

    def enqueue_in(self, seconds: float, func: str, *args: Any, job_id: str | None = None,
                   unique: bool = False, **kwargs: Any) -> str:
        """Schedule ``func(*args, **kwargs)`` in ``seconds`` (RQ's ``Queue.enqueue_in``,
        run by a worker started ``with_scheduler``). ``unique`` with a ``job_id``
        keeps one pending run. Returns ``"scheduled"``, ``"duplicate"`` or ``"outbox"``."""
        from datetime import timedelta

        from redis.exceptions import RedisError
        from rq.exceptions import DuplicateJobError

        try:
            self.queue(self.queue_name_for(func)).enqueue_in(
                timedelta(seconds=seconds), func, args=args, kwargs=kwargs or None, job_id=job_id,
                unique=unique, job_timeout=timeout_for(func), retry=_retry(), result_ttl=RESULT_TTL,
                failure_ttl=FAILURE_TTL)
            return "scheduled"
        except DuplicateJobError:
            return "duplicate"
        except RedisError as exc:
            log.warning("redis unavailable, scheduled job %s kept in outbox: %s", func, exc)
            self._mongo().outbox.insert_one({
                "func": func, "args": list(args), "kwargs": kwargs, "job_id": job_id,
                "created_at": datetime.now(timezone.utc),
            })
            return "outbox"

    def drain_outbox(self, limit: int = 1000) -> int:
        """Move jobs kept in the outbox onto the queue; return how many moved."""
        moved = 0
        outbox = self._mongo().outbox
        for doc in outbox.find({}, sort=[("_id", 1)], limit=limit):
            lane, timeout = _route(doc["func"], doc.get("route_as"))
            self.queue(self.queue_name_for(lane)).enqueue(
                doc["func"], args=tuple(doc["args"]), kwargs=doc.get("kwargs") or None,
                job_id=doc.get("job_id"), job_timeout=timeout, retry=_retry(),
                result_ttl=RESULT_TTL if doc.get("result_ttl") is None else doc["result_ttl"],
                failure_ttl=FAILURE_TTL)
            outbox.delete_one({"_id": doc["_id"]})
            moved += 1
        return moved

    def enqueue_debounced(self, key: str, seconds: float, func: str, *args: Any, **kwargs: Any) -> str:
        """Run ``func(*args, **kwargs)`` once, ``seconds`` from the first call
        for ``key`` (a per-user debounce: later calls in that window join the
        pending run, which reads the latest data when it starts). Returns
        ``"scheduled"``, ``"pending"`` (a run is already due) or what
        :meth:`enqueue` returns (``RQ_ASYNC`` off: the job runs at once; Redis
        away: the outbox). The marker key lives in Redis; if Redis loses it,
        the worst case is one extra run."""
        from redis.exceptions import RedisError

        if not self.is_async:
            return self.enqueue(func, *args, **kwargs)
        try:
            if not self._redis().set(f"sg:debounce:{key}", 1, nx=True, ex=max(1, int(seconds))):
                return "pending"
        except RedisError:
            return self.enqueue(func, *args, **kwargs)
        return self.enqueue_in(seconds, func, *args, **kwargs)

    def enqueue_once(self, key: str, func: str, *args: Any, ttl: int = 60, **kwargs: Any) -> str:
        """Queue ``func(*args, **kwargs)`` now, unless a run queued under ``key``
        has not started yet (it will see the caller's data: coalescing, e.g.
        one mirror job for a burst of acts). The job calls :meth:`started_once`
        with ``key`` before it reads anything, so a caller after that queues a
        new run. Returns ``"pending"`` (a run is waiting) or what :meth:`enqueue`
        returns (``RQ_ASYNC`` off: the job runs at once; Redis away: the outbox).

        The marker (``sg:once:<key>``, queue Redis) expires after ``ttl``
        seconds: a run that was lost (or waits longer in a backlog) is queued
        again by the next caller after that; a marker lost early costs one
        extra run. The job's work must be idempotent and find what is to do
        in durable data (the caller's data written before this call)."""
        from redis.exceptions import RedisError

        if self.is_async:
            try:
                if not self._redis().set(f"sg:once:{key}", 1, nx=True, ex=max(1, int(ttl))):
                    return "pending"
            except RedisError:
                pass  # the outbox keeps the job
        return self.enqueue(func, *args, **kwargs)

    def started_once(self, key: str) -> None:
        """A run queued by :meth:`enqueue_once` under ``key`` has started: later
        callers queue a new one. Redis away: nothing (the marker expires)."""
        from redis.exceptions import RedisError

        try:
            self._redis().delete(f"sg:once:{key}")
        except RedisError as exc:
            log.warning("enqueue_once marker %s not cleared: %s", key, exc)

    def requeue_abandoned(self) -> int:
        """Hand back to their queues the jobs whose worker died mid-job.

        A job's entry in RQ's started registry expires :data:`HEARTBEAT_TTL`
        seconds after its worker's last heartbeat; RQ's
        ``StartedJobRegistry.cleanup`` then re-queues it (one retry spent) or,
        with no retries left, moves it to the failed registry. Returns how
        many entries had expired. Raises ``redis.RedisError`` when Redis is away."""
        from rq import Queue
        from rq.job import Job
        from rq.registry import ScheduledJobRegistry, StartedJobRegistry
        from rq.utils import current_timestamp

        conn = self._redis()
        found = 0
        for name in self.queue_names:
            registry = StartedJobRegistry(name, connection=conn)
            expired = registry.get_expired_job_ids(current_timestamp())
            if not expired:
                continue
            found += len(expired)
            log.warning("re-queueing %d job(s) of queue %s whose worker died: %s", len(expired), name,
                        ", ".join(expired[:5]))
            registry.cleanup()
            # RQ's cleanup puts a job with retry intervals on the scheduled
            # registry; the scheduler lock of the dead worker may outlive it by a
            # minute, and the job did not fail (its worker died): queue it now.
            scheduled = ScheduledJobRegistry(name, connection=conn)
            queue = Queue(name, connection=conn)
            for job in Job.fetch_many(expired, connection=conn):
                if job is not None and job.id in scheduled:
                    with conn.pipeline() as pipeline:
                        queue._enqueue_job(job, pipeline=pipeline)
                        scheduled.remove(job.id, pipeline=pipeline)
                        pipeline.execute()
        return found

    def reap_once(self) -> int:
        """:meth:`requeue_abandoned` under a short Redis lock (several workers
        run it; one pass per :data:`REAP_EVERY` seconds is enough). Returns
        how many jobs were handed back (0 when another worker holds the lock)."""
        if not self._redis().set(REAP_LOCK_KEY, 1, nx=True, ex=max(1, REAP_EVERY - 1)):
            return 0
        return self.requeue_abandoned()


def _route(func: str, route_as) -> tuple[str, int]:
    """``(job path whose lane the job takes, timeout seconds)`` of job ``func``
    run on behalf of ``route_as`` (None: ``func`` itself)."""
    if not route_as:
        return func, timeout_for(func)
    return route_as[0], max(timeout_for(p) for p in route_as)


def _retry():
    from rq import Retry

    return Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS))


def _heartbeat_loop(worker, job, stop) -> None:
    """Refresh the heartbeat of ``job`` (and its worker) until ``stop`` is set."""
    while not stop.wait(HEARTBEAT_EVERY):
        execution = getattr(worker, "execution", None)
        try:
            with worker.connection.pipeline() as pipeline:
                worker.heartbeat(HEARTBEAT_TTL + HEARTBEAT_EVERY, pipeline=pipeline)
                if execution is not None:
                    execution.heartbeat(job.started_job_registry, HEARTBEAT_TTL, pipeline=pipeline)
                pipeline.execute()
        except Exception as exc:  # noqa: BLE001 - Redis away: the next beat retries
            log.warning("job heartbeat failed: %s", exc)


class _ThriftyHeartbeat:
    """Mixin of our RQ workers: the worker's own heartbeat in one round trip,
    and at most once per :data:`WORKER_BEAT_EVERY` seconds; no round trip for
    a state the worker already wrote or the job's heartbeat at its end.

    RQ 3 beats the worker (``HSET`` + two ``EXPIRE``, three round trips) after
    each job, before each dequeue and after it: nine of a job's ~22 Redis round
    trips on the job side (``bench/bench_writes.py``), each setting the same TTL
    (``worker_ttl + 60`` = 105 s). Here such a beat (no ``timeout``, no
    ``pipeline``) goes in one pipeline, and is skipped when the last one went
    out less than :data:`WORKER_BEAT_EVERY` seconds ago and no beat with another
    TTL came since (the worker's key then has at least 100 s left, while RQ
    blocks at most ``worker_ttl - 15`` s between beats). Beats with a
    ``timeout`` (a job's start, the fork worker's monitor) or in a caller's
    ``pipeline`` (the suspension check) go out as RQ sends them; one with a
    shorter TTL makes the next plain beat go out, one in a pipeline with the
    default TTL counts as the last plain beat."""

    _plain_beat_at: float | None = None

    def heartbeat(self, timeout: int | None = None, pipeline=None):
        at = time.monotonic()
        if pipeline is not None:  # RQ's own pipeline (a job's start, the suspension check)
            self._plain_beat_at = at if timeout is None else None
            return super().heartbeat(timeout, pipeline=pipeline)
        if timeout is not None:
            self._plain_beat_at = None
            return super().heartbeat(timeout)
        if self._plain_beat_at is not None and at - self._plain_beat_at < WORKER_BEAT_EVERY:
            return None
        with self.connection.pipeline(transaction=False) as beat:
            super().heartbeat(None, pipeline=beat)
            beat.execute()
        self._plain_beat_at = at
        return None

    def set_state(self, state: str, pipeline=None):
        """RQ's, without the round trip when ``state`` is the one this worker
        last wrote (RQ 3 writes ``idle`` at the end of each job and again
        before the next dequeue)."""
        if pipeline is None and state == getattr(self, "_state", None):
            return None
        return super().set_state(state, pipeline=pipeline)

    def handle_execution_ended(self, job, queue, heartbeat_ttl: int):
        """RQ's, with the job's ``last_heartbeat`` set in memory only: RQ 3
        sends it as a round trip of its own (``HSET`` of the job hash, which no
        registry reads: the started registry goes by the execution's
        heartbeat), and the job hash is saved with it in the success pipeline
        right after."""
        from rq.utils import now

        job.ended_at = now()
        job.last_heartbeat = job.ended_at


def _worker_classes():
    from rq import SimpleWorker, Worker

    class LiveWorker(_ThriftyHeartbeat, SimpleWorker):
        """RQ's ``SimpleWorker`` (jobs run in the worker process) whose running
        job keeps a short heartbeat (:data:`HEARTBEAT_TTL`) refreshed by a
        thread, instead of one TTL of ``job_timeout + 60`` s set at start."""

        def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
            return HEARTBEAT_TTL

        def execute_job(self, job, queue):
            import threading

            stop = threading.Event()
            beat = threading.Thread(target=_heartbeat_loop, args=(self, job, stop), daemon=True,
                                    name="rq-job-heartbeat")
            beat.start()
            try:
                return super().execute_job(job, queue)
            finally:
                stop.set()

    class LiveForkWorker(_ThriftyHeartbeat, Worker):
        """RQ's forking ``Worker``; its monitor loop already beats every
        ``job_monitoring_interval``: beat every :data:`HEARTBEAT_EVERY` s
        with a :data:`HEARTBEAT_TTL` TTL."""

        def __init__(self, *args, **kwargs):
            kwargs.setdefault("job_monitoring_interval", HEARTBEAT_EVERY)
            super().__init__(*args, **kwargs)

        def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
            return HEARTBEAT_TTL

    return LiveWorker, LiveForkWorker


def make_worker(queue_names: list[str], connection, fork: bool = False):
    """A worker on ``queue_names`` (priority order): :class:`LiveWorker`, or
    :class:`LiveForkWorker` with ``fork``."""
    live, live_fork = _worker_classes()
    # an idle worker wakes every ~30 s (RQ: worker_ttl - 15) for its
    # maintenance: registry clean-up, and taking over the scheduler of a dead
    # worker (RQ's default: every 10 minutes)
    return (live_fork if fork else live)(queue_names, connection=connection, worker_ttl=WORKER_TTL,
                                         maintenance_interval=MAINTENANCE_EVERY)
