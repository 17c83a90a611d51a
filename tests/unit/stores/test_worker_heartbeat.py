"""Our RQ workers' own heartbeat: one round trip, at most once per
WORKER_BEAT_EVERY seconds between jobs (no servers)."""
from __future__ import annotations

from socialgraph.stores import queue
from socialgraph.stores.queue import WORKER_BEAT_EVERY, _ThriftyHeartbeat


class _Pipe:
    def __init__(self, conn):
        self.conn, self.sent = conn, []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self):
        self.conn.round_trips.append(list(self.sent))


class _Conn:
    def __init__(self):
        self.round_trips: list[list] = []

    def pipeline(self, transaction=True):
        return _Pipe(self)


class _RQBeat:
    """RQ's ``BaseWorker.heartbeat`` as far as it matters: HSET + 2 EXPIRE on
    the connection (one round trip each) or on the caller's pipeline."""

    worker_ttl = 45

    def __init__(self):
        self.connection = _Conn()

    def heartbeat(self, timeout=None, pipeline=None):
        ttl = timeout or self.worker_ttl + 60
        cmds = [("hset", "last_heartbeat"), ("expire", ttl), ("expire", ttl)]
        if pipeline is not None:
            pipeline.sent.extend(cmds)
        else:
            self.connection.round_trips.extend([c] for c in cmds)


    _state = "starting"

    def set_state(self, state, pipeline=None):
        self._state = state
        if pipeline is not None:
            pipeline.sent.append(("hset", "state", state))
        else:
            self.connection.round_trips.append([("hset", "state", state)])

    def handle_execution_ended(self, job, queue, heartbeat_ttl):
        job.ended_at = "now"
        self.connection.round_trips.append([("hset", "job last_heartbeat")])


class _Worker(_ThriftyHeartbeat, _RQBeat):
    pass


def _clock(monkeypatch, t: list[float]):
    monkeypatch.setattr(queue.time, "monotonic", lambda: t[0])


def test_a_plain_beat_is_one_round_trip_and_the_next_ones_within_the_window_are_skipped(monkeypatch):
    t = [100.0]
    _clock(monkeypatch, t)
    w = _Worker()
    w.heartbeat()
    assert w.connection.round_trips == [[("hset", "last_heartbeat"), ("expire", 105), ("expire", 105)]]
    t[0] += WORKER_BEAT_EVERY - 0.1
    w.heartbeat()
    w.heartbeat()
    assert len(w.connection.round_trips) == 1
    t[0] += 0.2  # past the window: the key's TTL is renewed again
    w.heartbeat()
    assert len(w.connection.round_trips) == 2


def test_a_beat_with_a_shorter_ttl_makes_the_next_plain_beat_go_out(monkeypatch):
    t = [100.0]
    _clock(monkeypatch, t)
    w = _Worker()
    w.heartbeat()
    w.heartbeat(30)  # a job's start (RQ's prepare_job_execution): TTL 30 s
    assert w.connection.round_trips[-1] == [("expire", 30)]
    n = len(w.connection.round_trips)
    w.heartbeat()  # right after the job: the 105 s TTL again, at once
    assert len(w.connection.round_trips) == n + 1
    assert w.connection.round_trips[-1][1] == ("expire", 105)


def test_beats_in_rqs_own_pipeline_go_out_and_one_with_the_default_ttl_counts_as_the_last(monkeypatch):
    t = [100.0]
    _clock(monkeypatch, t)
    w = _Worker()
    pipe = _Pipe(w.connection)
    w.heartbeat(pipeline=pipe)  # the suspension check's pipeline
    assert pipe.sent[1] == ("expire", 105)
    w.heartbeat()
    assert w.connection.round_trips == []  # the pipeline's beat just renewed the TTL
    short = _Pipe(w.connection)
    w.heartbeat(30, pipeline=short)
    assert short.sent[1] == ("expire", 30)
    w.heartbeat()
    assert len(w.connection.round_trips) == 1


def test_both_worker_classes_beat_thriftily():
    live, live_fork = queue._worker_classes()
    assert issubclass(live, _ThriftyHeartbeat) and issubclass(live_fork, _ThriftyHeartbeat)


def test_a_state_already_written_is_not_written_again():
    w = _Worker()
    w.set_state("idle")  # the end of a job
    w.set_state("idle")  # before the next dequeue: nothing sent
    assert w.connection.round_trips == [[("hset", "state", "idle")]]
    pipe = _Pipe(w.connection)
    w.set_state("busy", pipeline=pipe)  # a job's start, in RQ's pipeline
    w.set_state("idle")
    assert pipe.sent == [("hset", "state", "busy")] and len(w.connection.round_trips) == 2


def test_the_jobs_end_heartbeat_stays_in_memory_until_the_success_pipeline_saves_the_job():
    from types import SimpleNamespace

    w = _Worker()
    job = SimpleNamespace(ended_at=None, last_heartbeat=None)
    w.handle_execution_ended(job, None, 30)
    assert job.ended_at is not None and job.last_heartbeat == job.ended_at
    assert w.connection.round_trips == []
