"""The runner of an event's subscribers in one job (jobs.events.run_subscribers)."""
from __future__ import annotations

from jobs.events import run_subscribers
from socialgraph import stores
from tests.conftest import unique


def test_a_failing_subscriber_is_queued_on_its_own_and_the_others_still_run_once(ctx):
    key = unique("sub")
    ok, bad = "tests.integration.stores.subscribers.count", "tests.integration.stores.subscribers.fail"
    done = run_subscribers("reaction.created", [bad, ok], key=key)
    assert done == {bad: "requeued", ok: 1}
    r = stores.cache()
    # RQ_ASYNC off in the tests: the re-queued job ran (and failed) at once, alone
    assert int(r.get(f"{key}:failed")) == 2
    assert int(r.get(f"{key}:ok")) == 1
