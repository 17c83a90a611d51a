"""Helpers of the race suites (``tests/integration/*/test_races.py``).

:func:`race` runs callables at the same moment: one thread each, all
released by one :class:`threading.Barrier`, each in its own app context;
it returns what each returned or raised. A race suite repeats one
conflicting pair :data:`TRIALS` times on fresh users and asserts the
invariant from the stores after every trial.
"""
from __future__ import annotations

import threading
import uuid

#: trials per race (the issue asks for at least 10)
TRIALS = 10
#: seconds one trial may take before the test fails (a hung thread is a bug too)
TRIAL_TIMEOUT = 60.0


class Outcome:
    """What one racer did: ``value`` or ``error`` (an exception)."""

    def __init__(self):
        self.value = None
        self.error: BaseException | None = None
        self.done = False

    def __repr__(self):
        return f"Outcome(value={self.value!r}, error={self.error!r})"


def race(app, *fns) -> list[Outcome]:
    """Run each of ``fns`` (no arguments) in its own thread and app context,
    released together by a barrier; wait for all (at most
    :data:`TRIAL_TIMEOUT` seconds) and return their outcomes in order."""
    barrier = threading.Barrier(len(fns))
    outcomes = [Outcome() for _ in fns]

    def run(fn, out):
        with app.app_context():
            barrier.wait(TRIAL_TIMEOUT)
            try:
                out.value = fn()
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                out.error = exc
            finally:
                out.done = True

    threads = [threading.Thread(target=run, args=(fn, out), daemon=True) for fn, out in zip(fns, outcomes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TRIAL_TIMEOUT)
    assert all(o.done for o in outcomes), f"a racer did not finish within {TRIAL_TIMEOUT}s"
    return outcomes


_HASH: list[str] = []


def new_user(prefix: str = "r") -> tuple[str, str]:
    """An active account (inside an app context): ``(uid, username)``.

    The same documents :func:`socialgraph.accounts.service.register` writes
    (MongoDB account + graph ``User``), without hashing a password per user
    or sending the verification mail: a race suite needs hundreds of users.
    """
    from socialgraph import stores
    from socialgraph.accounts.passwords import _hasher
    from socialgraph.core import clock
    from socialgraph.stores.graph_models import User

    if not _HASH:
        _HASH.append(_hasher.hash("correct horse battery"))
    username = f"{prefix}_{uuid.uuid4().hex[:10]}"
    uid = uuid.uuid4().hex
    now = clock.now()
    stores.mongo().accounts.insert_one({
        "_id": uid, "username": username, "email": f"{username}@example.test", "password_hash": _HASH[0],
        "email_verified": True, "status": "active", "role": "user", "created_at": now,
        "password_changed_at": now})
    stores.bind_neomodel()
    User(uid=uid, username=username, display_name=username, created_at=now, source="signup").save()
    return uid, username


def expected_errors(outcomes, *allowed: type) -> None:
    """Fail on any racer error that is not one of ``allowed`` (domain errors a
    loser may get, such as :class:`Conflict`)."""
    for o in outcomes:
        if o.error is not None and not isinstance(o.error, allowed):
            raise AssertionError(f"unexpected error from a racer: {o.error!r}") from o.error
