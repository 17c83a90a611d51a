"""Queueing side effects as RQ jobs, without losing them when Redis is away.

Services never import ``jobs``: they name a job by its dotted path
(``"jobs.mail.send_verification_email"``) and pass ids, never objects.
If Redis does not answer, the job is written to the MongoDB ``outbox``
collection instead and re-enqueued by :meth:`TaskQueue.drain_outbox`
(run by every worker at start and by ``socialgraph outbox drain``), so an
accepted request never loses its side effects. Jobs must be idempotent.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Callable

log = logging.getLogger(__name__)

#: Jobs are kept this long after they finish (seconds), for inspection.
RESULT_TTL = 3600
FAILURE_TTL = 7 * 86400


class TaskQueue:
    """Enqueue jobs by dotted name; falls back to a MongoDB outbox."""

    def __init__(self, redis_factory: Callable, mongo_factory: Callable, name: str, is_async: bool,
                 routes: dict[str, str] | None = None):
        self._redis = redis_factory
        self._mongo = mongo_factory
        self.name = name
        self.is_async = is_async
        #: job name prefix -> queue name; everything else goes to ``name``
        self.routes = dict(routes or {})
        #: set when a job went to the outbox; the next successful enqueue drains it
        self._outbox_dirty = False

    @property
    def queue_names(self) -> list[str]:
        """Every queue, highest priority first (the routed queues, then the
        default): what a worker listens to. RQ takes jobs from the first
        non-empty queue, so a burst on the default queue (notifications,
        mail) never delays home-feed fan-out (Mastodon keeps its feed pushes
        apart from its default Sidekiq queue for the same reason)."""
        return list(dict.fromkeys([*self.routes.values(), self.name]))

    def queue_name_for(self, func: str) -> str:
        return next((q for prefix, q in self.routes.items() if func.startswith(prefix)), self.name)

    def queue(self, name: str | None = None):
        """The RQ queue ``name`` (default: the default queue)."""
        from rq import Queue

        return Queue(name or self.name, connection=self._redis(), is_async=self.is_async)

    def enqueue(self, func: str, *args: Any, job_id: str | None = None, job_timeout: int | None = None,
                result_ttl: int | None = None, **kwargs: Any) -> str:
        """Queue ``func(*args, **kwargs)``; return ``"queued"`` or ``"outbox"``.

        ``args`` must be JSON-like ids and values. With ``RQ_ASYNC`` off (tests)
        the job runs at once in this process, against the real stores.
        ``job_timeout``: seconds before RQ kills the job (RQ's default, 180 s, when ``None``).
        ``result_ttl``: seconds the finished job (its hash, with the arguments) is
        kept, default :data:`RESULT_TTL`; 0 deletes it on success (account deletion).
        """
        from redis.exceptions import RedisError
        from rq import Retry

        try:
            self.queue(self.queue_name_for(func)).enqueue(
                func, args=args, kwargs=kwargs or None, job_id=job_id, job_timeout=job_timeout,
                                 retry=Retry(max=5, interval=[1, 5, 30, 120, 600]),
                                 result_ttl=RESULT_TTL if result_ttl is None else result_ttl,
                                 failure_ttl=FAILURE_TTL)
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
            self.queue(self.queue_name_for(func)).enqueue_in(timedelta(seconds=seconds), func, args=args, kwargs=kwargs or None,
                                    job_id=job_id, unique=unique, result_ttl=RESULT_TTL,
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
            self.queue(self.queue_name_for(doc["func"])).enqueue(doc["func"], args=tuple(doc["args"]), kwargs=doc.get("kwargs") or None,
                                 job_id=doc.get("job_id"),
                                 result_ttl=RESULT_TTL if doc.get("result_ttl") is None else doc["result_ttl"],
                                 failure_ttl=FAILURE_TTL)
            outbox.delete_one({"_id": doc["_id"]})
            moved += 1
        return moved
