"""A hub waiting to reconnect to Redis (backoff up to 10 s) tries again as soon
as a socket registers, so a socket opened just after Redis came back gets its
messages without waiting out the backoff (found by the Mastodon streaming test
running after the Redis outage tests)."""
import queue
import threading
import time

from redis.exceptions import ConnectionError as RedisConnectionError

from socialgraph.messaging import hub


def test_register_wakes_a_hub_in_reconnect_backoff():
    attempts: list[float] = []
    seen = threading.Event()

    finished = threading.Event()

    def factory():
        if finished.is_set():  # the test is over: this hub's thread parks for good
            threading.Event().wait()
        attempts.append(time.monotonic())
        if len(attempts) >= 5:
            seen.set()
        raise RedisConnectionError("redis is away")

    h = hub.Hub(redis_factory=factory)
    h._ensure_thread()
    deadline = time.monotonic() + 20
    while len(attempts) < 4 and time.monotonic() < deadline:  # 0.5, 1, 2 s of backoff: now 4 s
        time.sleep(0.05)
    assert len(attempts) == 4
    started = time.monotonic()
    h.register("u1", queue.Queue(), wait=0)
    assert seen.wait(2), "the registration did not cut the backoff short"
    assert attempts[4] - started < 1.0
    finished.set()
