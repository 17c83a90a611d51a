"""The sweeper: background work that stopped half-way is re-queued, or failed visibly.

A job can be lost between a user's 201 and its result: a worker killed
mid-job after its retries were spent, a Redis that lost its queues, a store
down for longer than the retry backoff. The durable truth is in MongoDB
(a media document ``processing``, an export ``pending``), so the sweeper
looks there, not at the queue. Every :data:`SWEEP_EVERY_SECONDS` (setting
``SWEEP_EVERY_SECONDS``) it:

- re-queues media ``processing``, exports ``pending``/``building`` and
  imports ``pending`` older than ``SWEEP_STUCK_SECONDS``, at most
  :data:`MAX_SWEEPS` times each; after that the item is set ``failed`` with an
  ``error`` the user reads from the API (``GET /media/{id}``, ``GET
  /me/exports/{id}``), never left ``processing`` forever;
- re-queues account deletions not ``done`` after ``SWEEP_STUCK_SECONDS``
  (a deletion is never failed: it must finish; each step is idempotent);
- hands back the jobs of dead workers (:meth:`TaskQueue.requeue_abandoned`).

All of it is idempotent: the jobs it re-queues check their document's
status first, so a job that was only slow is not run twice to any effect.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from socialgraph import stores
from socialgraph.core import clock
from socialgraph.graph import interactions

log = logging.getLogger(__name__)

#: times an item is re-queued before it is set ``failed``
MAX_SWEEPS = 3

#: collection -> (stuck statuses, job path, what the user reads when it fails)
KINDS = {
    "media": (("processing",), "jobs.media.process_media",
              "processing did not finish; upload the file again"),
    "exports": (("pending", "building"), "jobs.accounts.build_export",
                "the archive could not be built; request a new export"),
    "imports": (("pending",), "jobs.accounts.run_import",
                "the archive could not be imported; upload it again"),
}


def stuck_filter(statuses: tuple[str, ...], cutoff) -> dict:
    """The MongoDB filter of items in ``statuses`` not touched since ``cutoff``
    (last sweep, else creation)."""
    return {"status": {"$in": list(statuses)},
            "$or": [{"swept_at": {"$lt": cutoff}},
                    {"swept_at": {"$exists": False}, "created_at": {"$lt": cutoff}}]}


def stuck_items(older_than_seconds: int | None = None, limit: int = 1000) -> dict[str, list[dict]]:
    """Items stuck longer than ``older_than_seconds`` (default
    ``SWEEP_STUCK_SECONDS``): ``{"media": [doc], "exports": [...],
    "imports": [...], "deletions": [...]}`` (at most ``limit`` of each)."""
    seconds = int(current_app.config["SWEEP_STUCK_SECONDS"] if older_than_seconds is None else older_than_seconds)
    cutoff = clock.now() - timedelta(seconds=seconds)
    db = stores.mongo()
    out = {name: list(db[name].find(stuck_filter(statuses, cutoff)).limit(limit))
           for name, (statuses, _job, _msg) in KINDS.items()}
    out["deletions"] = list(db.deletions.find({
        "status": {"$ne": "done"},
        "$or": [{"swept_at": {"$lt": cutoff}},
                {"swept_at": {"$exists": False}, "requested_at": {"$lt": cutoff}}]}).limit(limit))
    return out


def sweep_item(collection: str, doc: dict) -> str:
    """Re-queue (``"requeued"``) or fail (``"failed"``) one stuck item; idempotent
    (the status in the filter makes a finished item a no-op: ``"done"``)."""
    db = stores.mongo()
    now = clock.now()
    if collection == "deletions":
        res = db.deletions.update_one({"_id": doc["_id"], "status": {"$ne": "done"}},
                                      {"$set": {"swept_at": now}, "$inc": {"sweeps": 1}})
        if not res.modified_count:
            return "done"
        stores.tasks().enqueue("jobs.accounts.delete_account", doc["_id"])
        return "requeued"
    statuses, job, message = KINDS[collection]
    if int(doc.get("sweeps") or 0) >= MAX_SWEEPS:
        res = db[collection].update_one({"_id": doc["_id"], "status": {"$in": list(statuses)}},
                                        {"$set": {"status": "failed", "error": message, "swept_at": now}})
        if res.modified_count and collection == "media":
            _remove_original(doc)
        return "failed" if res.modified_count else "done"
    res = db[collection].update_one({"_id": doc["_id"], "status": {"$in": list(statuses)}},
                                    {"$set": {"swept_at": now}, "$inc": {"sweeps": 1}})
    if not res.modified_count:
        return "done"
    stores.tasks().enqueue(job, str(doc["_id"]))
    return "requeued"


def _remove_original(doc: dict) -> None:
    try:
        stores.objects().remove_object(current_app.config["S3_BUCKET"], doc["key"])
    except Exception as exc:
        log.warning("could not remove original of failed media %s: %s", doc["_id"], exc)


def sweep(older_than_seconds: int | None = None) -> dict:
    """One pass of the sweeper (the job's work). Returns ``{"requeued": n,
    "failed": n, "abandoned_jobs": n, "interactions_mirror": "none" | what
    :func:`socialgraph.graph.interactions.queue_mirror` returned}`` (the
    coalesced ``INTERACTED_WITH`` mirror queued when pairs are marked)."""
    counts = {"requeued": 0, "failed": 0, "abandoned_jobs": 0}
    for collection, docs in stuck_items(older_than_seconds).items():
        for doc in docs:
            result = sweep_item(collection, doc)
            if result in counts:
                counts[result] += 1
            if result != "done":
                log.warning("sweeper: %s %s %s", collection, doc["_id"], result)
    if stores.tasks().is_async:
        try:
            counts["abandoned_jobs"] = stores.tasks().requeue_abandoned()
        except Exception as exc:
            log.warning("sweeper: abandoned jobs not checked: %s", exc)
    # marked pairs whose coalesced mirror job was lost (its run marker outlived it)
    counts["interactions_mirror"] = interactions.queue_mirror() if interactions.has_pending() else "none"
    return counts


def schedule_sweep(delay: int | None = None) -> str:
    """Schedule the next sweep (one per time slot, so several workers do not
    multiply it). Returns what :meth:`TaskQueue.enqueue_in` returns."""
    interval = int(current_app.config["SWEEP_EVERY_SECONDS"])
    wait = interval if delay is None else int(delay)
    slot = int((clock.now().timestamp() + wait) // max(interval, 1))
    return stores.tasks().enqueue_in(wait, "jobs.operations.sweep", job_id=f"sg-sweep-{slot}", unique=True,
                                     reschedule=True)
