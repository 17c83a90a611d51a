"""Publishing real-time messages to users, across processes via Redis pub/sub.

Any process (API or RQ worker) calls :func:`publish` with a user's uid and a
JSON-able message; it goes to the Redis channel ``sg:rt:u:<uid>``. Every API
process runs one :class:`Hub` thread holding one pub/sub connection,
subscribed to the channels of the users connected to *that* process, and
hands each message to their sockets' queues (:mod:`socialgraph.messaging.realtime`
serves the sockets). So a notification written by a worker on host A
reaches a socket held by an API process on host B.

Presence: connected users are in the sorted set ``sg:rt:online`` (score =
last heartbeat, ms); :func:`publish_if_online` (feed updates, typing) skips
the others.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections import deque

from flask import current_app

from socialgraph import stores
from socialgraph.accounts import sessions
from socialgraph.stores import redis_from_url, rediskeys

log = logging.getLogger(__name__)


CHANNEL = "sg:rt:u:{uid}"


ONLINE_KEY = "sg:rt:online"


HEARTBEAT_SECONDS = 20


ONLINE_SECONDS = 60

#: internal control message on a user's channel (never sent to a client): sessions ended
SESSION_ENDED = "session.ended"

#: sockets checked per batch by the revocation fallback (:meth:`Hub.recheck`); a pass
#: over all of a process's sockets is spread over ``SG_WS_RECHECK_SECONDS``
RECHECK_BATCH = 200


def dumps(message: dict) -> str:
    return json.dumps(message, default=_default, separators=(",", ":"))


def _default(value):
    from datetime import datetime

    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def publish(uid: str, message: dict) -> int:
    """Publish ``message`` to every socket of ``uid`` in any process; returns receivers (processes)."""
    return stores.cache().publish(CHANNEL.format(uid=uid), dumps(message))


def online(uids: list[str]) -> list[str]:
    """The uids among ``uids`` with a live socket (heartbeat within ``ONLINE_SECONDS``)."""
    if not uids:
        return []
    scores = stores.cache().zmscore(ONLINE_KEY, uids)
    cutoff = time.time() * 1000 - ONLINE_SECONDS * 1000
    return [u for u, s in zip(uids, scores) if s is not None and s >= cutoff]


def publish_if_online(uids: list[str], message: dict) -> int:
    """Publish ``message`` to those of ``uids`` who are online (one pipeline); returns how many."""
    targets = online(uids)
    if targets:
        # PUBLISH reaches the subscribers of every cluster node from any node: one node's pipeline
        pipe = rediskeys.any_node(stores.cache()).pipeline(transaction=False)
        raw = dumps(message)
        for u in targets:
            pipe.publish(CHANNEL.format(uid=u), raw)
        pipe.execute()
    return len(targets)


#: a pub/sub connection up at least this long (seconds) that fails is retried at
#: once; one failing sooner backs off (0.5 s doubling to 10 s)
FRESH_RETRY_AFTER_SECONDS = 1.0


class Hub:
    """One pub/sub connection per process; fans messages out to local socket queues.

    All Redis pub/sub calls happen on the hub's own thread (redis-py's PubSub
    is not thread-safe); sockets register through a command deque.
    """

    def __init__(self, redis_factory, app=None, recheck_seconds: float = 30.0):
        self._redis_factory = redis_factory
        self._queues: dict[str, set[queue.Queue]] = {}
        self._claims: dict[queue.Queue, dict] = {}
        self._lock = threading.Lock()
        self._commands: deque = deque()
        self._thread: threading.Thread | None = None
        self._app = app
        self._recheck_seconds = recheck_seconds
        self._rechecker: threading.Thread | None = None
        #: set by :meth:`register`: a hub waiting to reconnect to Redis tries at once, so a
        #: socket opened just after Redis came back is not left out for the backoff (<= 10 s)
        self._wake = threading.Event()
        #: the re-check's pause (a test replaces it on one hub, not the module's ``time``)
        self._sleep = time.sleep

    def _ensure_thread(self):
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sg-realtime-hub", daemon=True)
                self._thread.start()
            if self._app is not None and (self._rechecker is None or not self._rechecker.is_alive()):
                self._rechecker = threading.Thread(target=self._recheck_forever, name="sg-realtime-recheck",
                                                   daemon=True)
                self._rechecker.start()

    def register(self, uid: str, q: queue.Queue, wait: float = 2.0, claims: dict | None = None) -> None:
        """Route ``uid``'s channel to ``q``; returns once the hub is subscribed
        (at most ``wait`` s), so nothing published after this call is missed.
        ``claims`` (the socket's token) enrol ``q`` in the revocation fallback."""
        done = threading.Event()
        with self._lock:
            self._queues.setdefault(uid, set()).add(q)
            if claims is not None:
                self._claims[q] = claims
        self._commands.append(("sub", uid, done))
        self._wake.set()
        self._ensure_thread()
        done.wait(wait)

    def unregister(self, uid: str, q: queue.Queue) -> bool:
        """Returns True when this was the process's last socket of ``uid``."""
        with self._lock:
            self._claims.pop(q, None)
            qs = self._queues.get(uid, set())
            qs.discard(q)
            last = not qs
            if last:
                self._queues.pop(uid, None)
        if last:
            self._commands.append(("unsub", uid, None))
        return last

    def connections(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._queues.values())

    def recheck(self, enrolled: list | None = None) -> int:
        """The fallback for a revocation whose pub/sub message was missed (the hub was
        reconnecting): check the sessions of ``enrolled`` (``[(queue, claims)]``, default
        every enrolled socket) at once (:func:`socialgraph.accounts.sessions.revoked_among`
        with ``ask_store=False``: one ``MGET``, never MongoDB) and queue a session-ended
        control message to each socket whose session ended. Needs an app context.
        Returns how many sockets were told."""
        if enrolled is None:
            with self._lock:
                enrolled = list(self._claims.items())
        told = 0
        for i in range(0, len(enrolled), RECHECK_BATCH):
            chunk = enrolled[i:i + RECHECK_BATCH]
            for (q, claims), ended in zip(chunk, sessions.revoked_among([c for _, c in chunk], ask_store=False)):
                if ended:
                    q.put(dumps({"type": SESSION_ENDED, "sids": [claims.get("sid")], "not_before_ms": None,
                                 "reason": "revoked"}))
                    told += 1
        return told

    def _recheck_forever(self):
        """One pass over every enrolled socket per ``recheck_seconds``, in batches of
        :data:`RECHECK_BATCH` spread evenly over the period (one thread per process, so an
        idle socket never wakes for it, and no burst stalls the process). A store error skips
        that batch until the next pass.

        The pass keeps one list of the sockets' queues, not a ``(queue, claims)`` tuple per
        socket: objects that live for the whole pass (30 s) reach CPython's oldest GC
        generation, and each 25 % of growth there triggers a full, stop-the-world collection
        of the process's heap (about 2 million objects at 10,000 sockets: seconds on a loaded
        machine, every socket stalled; see BENCHMARKS.md, the stream service)."""
        while True:
            with self._lock:
                enrolled = list(self._claims)
            n_batches = max(1, -(-len(enrolled) // RECHECK_BATCH))
            pause = self._recheck_seconds / n_batches
            for start in range(0, n_batches * RECHECK_BATCH, RECHECK_BATCH):
                self._sleep(pause)
                with self._lock:  # a socket closed since the snapshot is skipped
                    batch = [(q, c) for q in enrolled[start:start + RECHECK_BATCH]
                             if (c := self._claims.get(q)) is not None]
                if not batch:
                    continue
                try:
                    with self._app.app_context():
                        self.recheck(batch)
                except Exception as exc:  # noqa: BLE001 - stores away: the sockets stay, next pass
                    log.warning("realtime revocation fallback skipped a batch: %s", exc)

    def _run(self):
        """The hub's thread: :meth:`_loop` until Redis fails, then reconnect and
        re-subscribe everyone. A connection that had been up for a while is
        retried at once (a server restart found by the next write: the
        registering socket must not wait out a backoff, nor miss what is published
        in it), then after 0.5, 1, 2 ... 10 s."""
        delay = 0.5
        while True:
            started = time.monotonic()
            try:
                self._loop()
            except Exception as exc:  # Redis away: reconnect and re-subscribe everyone
                if time.monotonic() - started > FRESH_RETRY_AFTER_SECONDS:
                    delay = 0.0
                log.warning("realtime hub lost Redis (%s); reconnecting in %.1f s", exc, delay)
                self._wake.clear()
                if delay == 0.0 or self._wake.wait(delay):  # a socket registered meanwhile: try now
                    delay = 0.5
                else:
                    delay = min(delay * 2, 10)
                with self._lock:
                    self._commands.extend(("sub", u, None) for u in self._queues)

    def _beat(self, client) -> None:
        """Presence for every user with a socket in this process: one ZADD per
        :data:`HEARTBEAT_SECONDS` (not one per socket)."""
        with self._lock:
            uids = list(self._queues)
        if uids:
            now_ms = time.time() * 1000
            for i in range(0, len(uids), 1000):
                client.zadd(ONLINE_KEY, {u: now_ms for u in uids[i:i + 1000]})

    def _loop(self):
        client = self._redis_factory()
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        subscribed: set[str] = set()
        next_beat = time.monotonic() + HEARTBEAT_SECONDS
        while True:
            if time.monotonic() >= next_beat:
                self._beat(client)
                next_beat = time.monotonic() + HEARTBEAT_SECONDS
            while self._commands:
                op, uid, done = self._commands.popleft()
                ch = CHANNEL.format(uid=uid)
                if op == "sub":
                    if ch not in subscribed:
                        try:
                            pubsub.subscribe(ch)
                        except Exception:
                            # kept, with its waiter, for the next connection (:meth:`register`
                            # returns once it is subscribed there, not at its timeout)
                            self._commands.appendleft((op, uid, done))
                            raise
                        subscribed.add(ch)
                    if done is not None:
                        done.set()
                elif op == "unsub" and ch in subscribed:
                    with self._lock:
                        still = uid in self._queues
                    if not still:
                        pubsub.unsubscribe(ch)
                        subscribed.discard(ch)
            if not subscribed:
                time.sleep(0.05)
                continue
            msg = pubsub.get_message(timeout=0.05)
            if not msg or msg.get("type") != "message":
                continue
            uid = msg["channel"].decode().rsplit(":", 1)[1]
            with self._lock:
                targets = list(self._queues.get(uid, ()))
            for q in targets:
                q.put(msg["data"].decode())


_hub_lock = threading.Lock()


def hub() -> Hub:
    """The process's hub for the current app (made on first use)."""
    with _hub_lock:
        h = current_app.extensions.get("socialgraph_hub")
        if h is None:
            timeout = stores.stores().config["STORE_TIMEOUT_SECONDS"]

            url = current_app.config["REDIS_URL"]
            h = current_app.extensions["socialgraph_hub"] = Hub(
                lambda: redis_from_url(url, socket_connect_timeout=timeout, health_check_interval=30),
                app=current_app._get_current_object(),
                recheck_seconds=float(current_app.config.get("WS_RECHECK_SECONDS", 30)))
    return h
