"""The WebSocket hub's revocation fallback keeps the GC's oldest generation still.

In the gevent stream process every socket's objects sit in CPython's oldest
generation; each 25 % of growth there triggers a full collection that stops
every socket for seconds at 10,000 sockets (BENCHMARKS.md, the stream service).
A re-check pass lives 30 s, so whatever it holds reaches that generation."""
import gc
import queue

import pytest

from socialgraph.messaging import hub


class _Stop(Exception):
    pass


def _held_during_a_pass(monkeypatch, sockets: int) -> int:
    """GC-tracked objects the pass holds at its first pause (before any batch)."""
    h = hub.Hub(redis_factory=None)
    for i in range(sockets):
        h._claims[queue.Queue()] = {"sub": f"u{i}", "sid": f"s{i}"}
    held = []

    def sleep(_seconds):
        gc.collect()
        held.append(len(gc.get_objects()) - before)
        raise _Stop

    h._sleep = sleep  # this hub only: the suite's other hubs keep the real clock
    gc.collect()
    before = len(gc.get_objects())
    with pytest.raises(_Stop):
        h._recheck_forever()
    return held[0]


def test_a_recheck_pass_holds_the_same_few_objects_for_10_or_10000_sockets(monkeypatch):
    # before: one (queue, claims) tuple per socket and one list per batch of 200 (+10,049)
    # other threads of the suite may allocate a few objects meanwhile: far below 10,000
    assert _held_during_a_pass(monkeypatch, 10_000) - _held_during_a_pass(monkeypatch, 10) < 500
