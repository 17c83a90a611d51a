"""Account deletion across the graph, documents, object storage and Redis,
as a job that resumes after a crash.

:func:`request_deletion` (the API) checks the password (and a 2FA code when
2FA is on), marks the account ``deleting`` (sign-in refused), ends every
session and queues ``jobs.accounts.delete_account``. :func:`run_deletion`
(the job) runs the erasers of :data:`socialgraph.portability.service.AREAS` in order
and checkpoints each finished step in MongoDB ``deletions``::

    {_id: uid, status: "pending" | "running" | "done", steps_done: [area],
     requested_at, finished_at, results: {area: counts}, notes: {area: [...]}}

``notes`` (:func:`remember`) holds what a step saw before its first write
and could not see again if it crashed after it (the graph step: the uids
whose read copies it must drop once the node and its relationships are
gone); it is removed when the deletion finishes.

Once done, the record is moved to ``_id: "sha256:<hex>"`` (a one-way hash of
the uid, :func:`done_record_id`), so no store keeps the uid.

A crash (store away, worker killed) leaves the steps done so far recorded;
the job's RQ retries, or ``socialgraph accounts resume-deletions``, run it
again and it continues with the first unfinished step. Every eraser is
idempotent, so a step that was cut half-way runs again safely. The
``deletions`` record keeps only the uid and step names.

What goes: the graph node and all its relationships; the account, posts
(with their comment threads and reactions), the user's reactions (counters
decremented), sessions, login attempts, exports and imports; every object
under ``users/<uid>/``; the user's Redis caches; and, through the areas the
other services register (see :mod:`socialgraph.portability.service` for the full
list and order), direct messages and conversation memberships,
notifications and preferences, stories, views, replies and highlights with
their objects, group memberships (ownership handed on, groups left empty
deleted), media documents and objects, named lists. The user's comments on
other people's posts stay as anonymous placeholders (no author, no text),
so other people's threads keep their shape. Old tokens cannot be used: their
sessions are revoked at the request, and once the session and account
documents are gone :func:`socialgraph.accounts.sessions.is_token_revoked`
finds nothing to accept. The ``traces`` step (last but one) removes what
held the uid outside any area (see :func:`_erase_traces`).
"""
from __future__ import annotations

import hashlib
import logging

from flask import current_app
from pymongo import ReturnDocument

from socialgraph import stores
from socialgraph.accounts import login_monitor, passwords, sessions, twofactor
from socialgraph.core import clock
from socialgraph.core.areas import AREAS, register_area
from socialgraph.core.errors import Conflict, NotFound
from socialgraph.graph import ordered
from socialgraph.stores import readcache

log = logging.getLogger(__name__)


def request_deletion(uid: str, password: str, code: str | None = None, ip: str | None = None,
                     user_agent: str | None = None) -> dict:
    """Start deleting the caller's account. Returns :func:`deletion_status`.

    Raises :class:`InvalidCredentials` (wrong password or 2FA code) and
    :class:`RateLimited` (wrong tries are throttled like logins).
    """

    db = stores.mongo()
    doc = db.accounts.find_one({"_id": uid})
    if doc is None:
        raise NotFound("account not found")

    def check():
        passwords.check_password(doc, password)
        if twofactor.is_enabled(doc):
            twofactor.verify_code(uid, code or "")

    login_monitor.guard_reauthentication(uid, ip, user_agent, check)
    db.accounts.update_one({"_id": uid}, {"$set": {"status": "deleting"}})
    db.deletions.update_one({"_id": uid}, {"$setOnInsert": {"status": "pending", "steps_done": [], "results": {},
                                                            "requested_at": clock.now()}}, upsert=True)
    sessions.revoke_all(uid, reason="deleted")
    sessions.revoke_all_sessions(uid, reason="deleted")
    stores.tasks().enqueue("jobs.accounts.delete_account", uid, job_id=_job_id(uid), result_ttl=0)
    return deletion_status(uid)


def done_record_id(uid: str) -> str:
    """The ``_id`` of a finished deletion's record: ``sha256:<hex of uid>``, so
    the record proves the erasure happened without keeping the uid."""
    return "sha256:" + hashlib.sha256(uid.encode()).hexdigest()


def _find(uid: str) -> dict | None:
    db = stores.mongo()
    return db.deletions.find_one({"_id": uid}) or db.deletions.find_one({"_id": done_record_id(uid)})


def _job_id(uid: str) -> str:
    """The deletion job's id: named by a hash, since RQ keeps job ids in its registries."""
    return "delete-account-" + hashlib.sha256(uid.encode()).hexdigest()[:32]


def deletion_status(uid: str) -> dict:
    """``{status, steps_done}``. Raises :class:`NotFound`."""
    doc = _find(uid)
    if doc is None:
        raise NotFound("no deletion for this account")
    return {"status": doc["status"], "steps_done": doc.get("steps_done", [])}


def run_deletion(uid: str) -> dict:
    """Run the remaining erasers of ``uid`` with a checkpoint after each (the job)."""

    db = stores.mongo()
    doc = _find(uid)
    if doc is None:
        raise Conflict("no deletion was requested for this account")
    if doc["status"] == "done":
        return doc
    db.deletions.update_one({"_id": uid}, {"$set": {"status": "running"}})
    done = set(doc.get("steps_done") or [])
    for area in AREAS:
        if area.erase is None or area.name in done:
            continue
        result = area.erase(uid)
        db.deletions.update_one({"_id": uid}, {"$addToSet": {"steps_done": area.name},
                                               "$set": {f"results.{area.name}": result}})
        log.info("deletion of %s: step %s done: %s", uid, area.name, result)
    # the finished record is kept under a hash of the uid: the uid itself must not remain
    final = {**db.deletions.find_one({"_id": uid}), "status": "done", "finished_at": clock.now()}
    final.pop("notes", None)  # other people's uids: kept only while the steps might run again
    final["_id"] = done_record_id(uid)
    db.deletions.replace_one({"_id": final["_id"]}, final, upsert=True)
    db.deletions.delete_one({"_id": uid})
    return final


def remember(uid: str, step: str, values: list[str]) -> list[str]:
    """For an erase step that must act on what it sees *before* its first write
    (and will not see after it): add ``values`` to the running deletion's
    ``notes.<step>`` and return every value kept there, so a step run again
    after a crash between its write and what follows acts on its first run's
    values too. One MongoDB command, before the write: if it fails, the step
    fails before anything changed. Without a running deletion of ``uid``
    (the step called on its own) returns ``values``."""
    doc = stores.mongo().deletions.find_one_and_update(
        {"_id": uid, "status": {"$ne": "done"}}, {"$addToSet": {f"notes.{step}": {"$each": list(values)}}},
        projection={f"notes.{step}": 1}, return_document=ReturnDocument.AFTER)
    if doc is None:
        return list(values)
    return list((doc.get("notes") or {}).get(step) or [])


#: Redis key patterns (``SCAN MATCH``) that hold the uid in their name and are
#: no area's own: login-throttle pairs, the session cut-off cache, the rate
#: limiter's per-account counters (``{prefix}``: ``SG_RATELIMIT_KEY_PREFIX``).
TRACE_KEYS = [sessions.NOT_BEFORE_KEY, "sg:login-fail:acct:{uid}"]
#: the session verdicts (``sessions.SESSION_KEY``, tagged with the uid)
TRACE_PATTERNS = ["sg:login-fail:pair:{uid}|*", "*LIMITER/{prefix}/user:{uid}/*", "sg:session:{{u:{uid}}}:*"]
#: read copies named after the account (SG_CACHE_REDIS_URL): the profile card, by username
#: (socialgraph.graph.people), dropped with its version key; and, by uid, the ordered
#: copies of its friends, followers and following lists (socialgraph.graph.ordered)
TRACE_COPIES = ["sg:profile:{username}"]
#: read copies of a pair with the account on either side (``SCAN MATCH`` on
#: SG_CACHE_REDIS_URL): how a viewer stands to a profile's owner
#: (``sg:relation:<viewer uid>:<owner username>`` and its version key) and the
#: shared friends of a viewer and a hub (``sg:mutual:<viewer uid>:<hub uid>``)
TRACE_COPY_PATTERNS = ["sg:relation:{uid}:*", "{{sg:relation:{uid}:*}}:v",
                       "sg:relation:*:{username}", "{{sg:relation:*:{username}}}:v",
                       "sg:mutual:{uid}:*", "sg:mutual:*:{uid}"]


def _erase_traces(uid: str) -> dict:
    """What held the uid outside any area: login attempts recorded under the
    username or email while the account was being deleted (no uid then),
    Redis keys named after it, and RQ job hashes whose call mentions it
    (finished and failed jobs are kept for a while with their arguments; the
    deletion job itself is queued with ``result_ttl=0``, so RQ drops it on
    success).
    Runs last but one: the account document still gives the username."""
    db = stores.mongo()
    r = stores.cache()
    acct = db.accounts.find_one({"_id": uid}, {"username": 1, "email": 1}) or {}
    names = [v for v in (acct.get("username"), acct.get("email")) if v]
    attempts = db.login_attempts.delete_many({"login": {"$in": names}}).deleted_count if names else 0
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    keys = [k.format(uid=uid) for k in TRACE_KEYS]
    for pattern in TRACE_PATTERNS:
        keys += list(r.scan_iter(match=pattern.format(uid=uid, prefix=prefix), count=1000))
    username = acct.get("username") or uid
    copies = [k.format(username=username) for k in TRACE_COPIES]
    copies += [ordered.KEY.format(kind=kind, uid=uid) for kind in ordered.QUERIES]  # its long people lists
    copies += [readcache.version_key(k) for k in copies]
    rc = stores.read_cache()
    for pattern in TRACE_COPY_PATTERNS:
        copies += list(rc.scan_iter(match=pattern.format(uid=uid, username=username), count=1000))
    jobs = stores.tasks().forget_jobs_mentioning([uid, *names], keep=(_job_id(uid),))
    return {"login_attempts": attempts, "keys": r.delete(*keys) + stores.read_cache().delete(*copies),
            "jobs": jobs}


register_area("traces", order=99, erase=_erase_traces)


def resume_pending(limit: int = 100) -> list[str]:
    """Queue the deletion job again for every unfinished deletion; returns the uids."""
    uids = [d["_id"] for d in stores.mongo().deletions.find({"status": {"$ne": "done"}}, {"_id": 1}).limit(limit)]
    for uid in uids:
        stores.tasks().enqueue("jobs.accounts.delete_account", uid, job_id=_job_id(uid), result_ttl=0)
    return uids
