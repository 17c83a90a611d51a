"""Real-time delivery over WebSockets, across API processes via Redis pub/sub.

Publishing: any process (API or RQ worker) calls :func:`publish` with a
user's uid and a JSON-able message; it goes to the Redis channel
``sg:rt:u:<uid>``. Every API process runs one :class:`Hub` thread holding
one pub/sub connection, subscribed to the channels of the users connected
to *that* process, and hands each message to their sockets' queues. So a
notification written by a worker on host A reaches a socket held by an API
process on host B.

Presence: connected users are in the sorted set ``sg:rt:online`` (score =
last heartbeat, ms); :func:`publish_if_online` (feed updates, typing) skips
the others. Notifications and messages are always published (they are also
stored, so a client that was offline fetches them on resume).

WebSocket protocol (JSON text frames) -- see :func:`serve` and the README.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections import deque

from socialgraph.core import clock
from socialgraph import stores

log = logging.getLogger(__name__)

CHANNEL = "sg:rt:u:{uid}"
ONLINE_KEY = "sg:rt:online"
HEARTBEAT_SECONDS = 20
ONLINE_SECONDS = 60
#: WebSocket close codes (4000-4999 are for applications, RFC 6455 7.4.2)
CLOSE_TOKEN_EXPIRED = 4001
CLOSE_RATE_LIMITED = 4008
CLOSE_POLICY = 1008


def _dumps(message: dict) -> str:
    return json.dumps(message, default=_default, separators=(",", ":"))


def _default(value):
    from datetime import datetime

    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def publish(uid: str, message: dict) -> int:
    """Publish ``message`` to every socket of ``uid`` in any process; returns receivers (processes)."""
    return stores.cache().publish(CHANNEL.format(uid=uid), _dumps(message))


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
        pipe = stores.cache().pipeline(transaction=False)
        raw = _dumps(message)
        for u in targets:
            pipe.publish(CHANNEL.format(uid=u), raw)
        pipe.execute()
    return len(targets)


class Hub:
    """One pub/sub connection per process; fans messages out to local socket queues.

    All Redis pub/sub calls happen on the hub's own thread (redis-py's PubSub
    is not thread-safe); sockets register through a command deque.
    """

    def __init__(self, redis_factory):
        self._redis_factory = redis_factory
        self._queues: dict[str, set[queue.Queue]] = {}
        self._lock = threading.Lock()
        self._commands: deque = deque()
        self._thread: threading.Thread | None = None

    def _ensure_thread(self):
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sg-realtime-hub", daemon=True)
                self._thread.start()

    def register(self, uid: str, q: queue.Queue, wait: float = 2.0) -> None:
        """Route ``uid``'s channel to ``q``; returns once the hub is subscribed
        (at most ``wait`` s), so nothing published after this call is missed."""
        done = threading.Event()
        with self._lock:
            self._queues.setdefault(uid, set()).add(q)
        self._commands.append(("sub", uid, done))
        self._ensure_thread()
        done.wait(wait)

    def unregister(self, uid: str, q: queue.Queue) -> bool:
        """Returns True when this was the process's last socket of ``uid``."""
        with self._lock:
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

    def _run(self):
        delay = 0.5
        while True:
            try:
                self._loop()
            except Exception as exc:  # Redis away: reconnect and re-subscribe everyone
                log.warning("realtime hub lost Redis (%s); reconnecting in %.1f s", exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, 10)
                with self._lock:
                    self._commands.extend(("sub", u, None) for u in self._queues)

    def _loop(self):
        pubsub = self._redis_factory().pubsub(ignore_subscribe_messages=True)
        subscribed: set[str] = set()
        while True:
            while self._commands:
                op, uid, done = self._commands.popleft()
                ch = CHANNEL.format(uid=uid)
                if op == "sub":
                    if ch not in subscribed:
                        pubsub.subscribe(ch)
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
    from flask import current_app

    with _hub_lock:
        h = current_app.stores.get("socialgraph_hub")
        if h is None:
            stores = stores.stores()
            import redis

            url = current_app.config["REDIS_URL"]
            h = current_app.extensions["socialgraph_hub"] = Hub(
                lambda: redis.Redis.from_url(url, socket_connect_timeout=stores.config["STORE_TIMEOUT_SECONDS"],
                                             health_check_interval=30))
    return h


# -- authentication before the upgrade ------------------------------------------
def authenticate(token: str | None) -> dict:
    """Claims of a valid, unrevoked **access** token, checked before the upgrade.

    Raises :class:`~socialgraph.core.errors.AuthenticationRequired` (no token) or
    :class:`~socialgraph.core.errors.InvalidToken` (bad, expired, revoked, refresh).
    """
    from flask_jwt_extended import decode_token
    from jwt.exceptions import ExpiredSignatureError, PyJWTError

    from socialgraph.accounts.service import is_token_revoked
    from socialgraph.core.errors import AuthenticationRequired, InvalidToken

    if not token:
        raise AuthenticationRequired("an access token is required (Authorization: Bearer ... or ?access_token=)")
    try:
        claims = decode_token(token)
    except ExpiredSignatureError:
        raise InvalidToken("the token has expired")
    except PyJWTError as exc:
        raise InvalidToken(f"the token is not valid: {exc}")
    if claims.get("type") != "access":
        raise InvalidToken("an access token is required, not a refresh token")
    if is_token_revoked(claims):
        raise InvalidToken("the token has been revoked")
    return claims


# -- one connection ---------------------------------------------------------------
class RateWindow:
    """At most ``limit`` client frames per ``window`` seconds (sliding log)."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self.times: deque = deque()

    def allow(self, now: float) -> bool:
        while self.times and self.times[0] <= now - self.window:
            self.times.popleft()
        if len(self.times) >= self.limit:
            return False
        self.times.append(now)
        return True


def serve(ws, claims: dict) -> None:
    """Run one authenticated WebSocket until it closes or its token expires.

    Server -> client frames: ``hello {uid, expires_at, last_seq}``,
    ``notification {notification}``, ``feed.update {post_id, author_id}``,
    ``message {message}``, ``typing {conversation_id, user_id}``,
    ``read {conversation_id, user_id, message_id}``, ``resumed {count, last_seq}``,
    ``pong``, ``error {code, detail}``.
    Client -> server: ``ping``, ``resume {since}``, ``typing {conversation_id}``,
    ``read {conversation_id, message_id}``.

    Closes with 4001 when the token expires, 4008 after repeated flooding
    (more than ``WS_RATE_LIMIT`` frames per ``WS_RATE_WINDOW_SECONDS``, first
    answered with ``error rate-limited``); oversized frames are closed with
    1009 by simple-websocket (``WS_MAX_MESSAGE_BYTES``).
    """
    from flask import current_app
    from simple_websocket import ConnectionClosed

    from socialgraph.messaging import notifications

    uid = claims["sub"]
    expires = float(claims["exp"])
    cfg = current_app.config
    limiter = RateWindow(cfg["WS_RATE_LIMIT"], cfg["WS_RATE_WINDOW_SECONDS"])
    strikes = 0
    q: queue.Queue = queue.Queue()
    h = hub()
    h.register(uid, q)
    r = stores.cache()
    r.zadd(ONLINE_KEY, {uid: time.time() * 1000})
    last_beat = time.time()
    try:
        ws.send(_dumps({"type": "hello", "uid": uid, "expires_at": int(expires),
                        "last_seq": notifications.last_seq(uid)}))
        while True:
            now = clock.now().timestamp()  # tests move the clock to expire the token
            if now >= expires:
                ws.send(_dumps({"type": "error", "code": "token-expired",
                                "detail": "the access token expired; reconnect with a fresh one"}))
                ws.close(CLOSE_TOKEN_EXPIRED, "token expired")
                return
            if now - last_beat > HEARTBEAT_SECONDS:
                r.zadd(ONLINE_KEY, {uid: now * 1000})
                last_beat = now
            try:
                item = q.get(timeout=min(0.25, max(expires - now, 0.01)))
                ws.send(item)
                while not q.empty():
                    ws.send(q.get_nowait())
            except queue.Empty:
                pass
            while (data := ws.receive(timeout=0)) is not None:
                if not limiter.allow(time.monotonic()):
                    strikes += 1
                    ws.send(_dumps({"type": "error", "code": "rate-limited",
                                    "detail": f"at most {limiter.limit} frames per {limiter.window} s"}))
                    if strikes >= 3:
                        ws.close(CLOSE_RATE_LIMITED, "rate limited")
                        return
                    continue
                for reply in handle_frame(uid, data):
                    ws.send(_dumps(reply))
    except ConnectionClosed:
        pass
    finally:
        if h.unregister(uid, q):
            try:
                r.zrem(ONLINE_KEY, uid)
            except Exception:  # the score ages out by itself
                pass


def handle_frame(uid: str, data) -> list[dict]:
    """Answer one client frame; returns the frames to send back (errors never raise)."""
    from socialgraph.messaging import messages
    from socialgraph.messaging import notifications
    from socialgraph.core.errors import DomainError

    try:
        frame = json.loads(data)
        if not isinstance(frame, dict):
            raise ValueError
    except (ValueError, TypeError):
        return [{"type": "error", "code": "malformed", "detail": "frames are JSON objects with a type"}]
    kind = frame.get("type")
    try:
        if kind == "ping":
            return [{"type": "pong", "at": clock.now().isoformat()}]
        if kind == "resume":
            since = frame.get("since", 0)
            if not isinstance(since, int) or isinstance(since, bool):
                return [{"type": "error", "code": "malformed", "detail": "since must be an integer seq"}]
            items = notifications.since(uid, since)
            out = [{"type": "notification", "notification": n} for n in items]
            return out + [{"type": "resumed", "count": len(items),
                           "last_seq": items[-1]["seq"] if items else since}]
        if kind == "typing":
            messages.typing(uid, str(frame.get("conversation_id", "")))
            return []
        if kind == "read":
            messages.mark_read(uid, str(frame.get("conversation_id", "")), str(frame.get("message_id", "")))
            return []
    except DomainError as exc:
        return [{"type": "error", "code": exc.slug, "detail": exc.detail}]
    return [{"type": "error", "code": "unknown-type", "detail": f"unknown frame type {kind!r}"}]
