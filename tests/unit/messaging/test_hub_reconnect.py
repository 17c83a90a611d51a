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


class _DeadThenFine:
    """Redis clients: the first one's pub/sub connection is dead (a server restart
    that the idle hub has not noticed: the next write fails with a broken pipe);
    later ones work. Records what was subscribed."""

    def __init__(self):
        self.clients = 0
        self.subscribed: list[str] = []

    def __call__(self):
        self.clients += 1
        outer, dead = self, self.clients == 1

        class PubSub:
            def subscribe(self, ch):
                if dead:
                    raise RedisConnectionError("Error 32 while writing to socket. Broken pipe.")
                outer.subscribed.append(ch)

            def get_message(self, timeout):
                time.sleep(timeout)

        class Client:
            def pubsub(self, ignore_subscribe_messages):
                return PubSub()

            def zadd(self, key, mapping):
                pass

        return Client()


def test_a_socket_registering_on_a_dead_connection_waits_for_its_subscription_only():
    """The registration that finds the connection dead is subscribed on the new
    one before :meth:`Hub.register` returns, without waiting out its timeout or a
    backoff: the client's first messages are not published into the gap (the
    Mastodon streaming test after the Redis outage tests, CI run of 2026-12-02)."""
    factory = _DeadThenFine()
    h = hub.Hub(redis_factory=factory)
    h._ensure_thread()
    time.sleep(hub.FRESH_RETRY_AFTER_SECONDS + 0.2)  # idle on its (unknowingly dead) connection
    started = time.monotonic()
    h.register("u1", queue.Queue(), wait=5)
    took = time.monotonic() - started
    assert factory.clients == 2 and hub.CHANNEL.format(uid="u1") in factory.subscribed
    assert took < 0.4, f"register returned after {took:.2f} s"
