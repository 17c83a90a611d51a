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

from socialgraph import stores
from socialgraph.accounts import sessions
from socialgraph.accounts.sessions import is_token_revoked
from socialgraph.core import clock
from socialgraph.core.errors import AuthenticationRequired, DomainError, InvalidToken
from socialgraph.messaging import messages, notifications
from socialgraph.messaging.hub import ONLINE_KEY, SESSION_ENDED, dumps, hub, publish

log = logging.getLogger(__name__)

#: WebSocket close codes (4000-4999 are for applications, RFC 6455 7.4.2)
CLOSE_TOKEN_EXPIRED = 4001
#: the socket's session ended: logout, a revoked session, a password change
#: (other sessions), a password reset, suspension or account deletion.
CLOSE_SESSION_REVOKED = 4003
CLOSE_RATE_LIMITED = 4008
CLOSE_POLICY = 1008

#: the revocation fallback (in case a socket missed the revocation message while the
#: hub was reconnecting to Redis) runs once per process every ``SG_WS_RECHECK_SECONDS``
#: for all of its sockets (:meth:`socialgraph.messaging.hub.Hub.recheck`); idle sockets
#: do not wake for it
_SESSION_ENDED_PREFIX = '{"type":"%s"' % SESSION_ENDED


def on_sessions_revoked(uid: str, sids: list[str] | None, reason: str) -> None:
    """Revocation listener (:data:`socialgraph.accounts.sessions.REVOCATION_LISTENERS`):
    publish ``{type: "session.ended", sids, not_before_ms, reason}`` on the
    user's channel, so every process closes the matching sockets (``sids``
    ``None``: every socket whose session began before ``not_before_ms``)."""
    publish(uid, {"type": SESSION_ENDED, "sids": sids, "not_before_ms": sessions.now_ms() if sids is None else None,
                  "reason": reason})


sessions.REVOCATION_LISTENERS.append(on_sessions_revoked)


def _ends_this_session(item: str, claims: dict) -> str | None:
    """The reason when ``item`` is a session-ended control message for this socket."""
    if not item.startswith(_SESSION_ENDED_PREFIX):
        return None
    try:
        msg = json.loads(item)
    except ValueError:
        return None
    sids = msg.get("sids")
    if sids is None:
        cut = msg.get("not_before_ms") or 0
        return (msg.get("reason") or "revoked") if sessions.token_auth_ms(claims) < cut else None
    return (msg.get("reason") or "revoked") if claims.get("sid") in sids else None


















# -- authentication before the upgrade ------------------------------------------
def authenticate(token: str | None) -> dict:
    """Claims of a valid, unrevoked **access** token, checked before the upgrade.

    Raises :class:`~socialgraph.core.errors.AuthenticationRequired` (no token) or
    :class:`~socialgraph.core.errors.InvalidToken` (bad, expired, revoked, refresh).
    """
    from flask_jwt_extended import decode_token
    from jwt.exceptions import ExpiredSignatureError, PyJWTError

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


#: longest wait of an idle socket before it looks at the clock again, seconds
#: (``SG_WS_IDLE_CHECK_SECONDS``). The token's expiry is waited for exactly; this bound only
#: catches a clock moved by hand (tests set it low). Every idle socket wakes once per period,
#: so it is what an idle socket costs in CPU: 10,000 sockets at 60 s = 170 wake-ups a second.
IDLE_CHECK_SECONDS = 60.0


class _Inbound:
    """A frame from the client, queued by the socket's reader next to hub messages."""

    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data


_CLOSED = object()


def _read_frames(ws, q: queue.Queue) -> None:
    """Block on the socket and queue each client frame; queue ``_CLOSED`` at the end."""
    from simple_websocket import ConnectionClosed

    try:
        while True:
            data = ws.receive()
            if data is None:  # closed without an exception
                break
            q.put(_Inbound(data))
    except ConnectionClosed:
        pass
    finally:
        q.put(_CLOSED)


def serve(ws, claims: dict) -> None:
    """Run one authenticated WebSocket until it closes or its token expires.

    Server -> client frames: ``hello {uid, expires_at, last_seq}``,
    ``notification {notification}``, ``feed.update {post_id, author_id}``,
    ``message {message}``, ``typing {conversation_id, user_id}``,
    ``read {conversation_id, user_id, message_id}``, ``resumed {count, last_seq}``,
    ``pong``, ``error {code, detail}``.
    Client -> server: ``ping``, ``resume {since}``, ``typing {conversation_id}``,
    ``read {conversation_id, message_id}``.

    Closes with 4001 when the token expires, 4003 within a second or two of
    its session ending (logout, revocation, password change or reset,
    suspension, deletion; any process: the revocation is published on Redis,
    and the process re-checks all its sockets' sessions every ``SG_WS_RECHECK_SECONDS``), first
    sending ``error {code: "session-ended", reason}``; 4008 after repeated flooding
    (more than ``WS_RATE_LIMIT`` frames per ``WS_RATE_WINDOW_SECONDS``, first
    answered with ``error rate-limited``); oversized frames are closed with
    1009 by simple-websocket (``WS_MAX_MESSAGE_BYTES``).

    Event-driven, so an idle socket costs no CPU: one queue per socket gets
    both the hub's messages and the client's frames (from a reader thread,
    a greenlet under gevent), and this loop blocks on it until the next item
    or the token's expiry; presence heartbeats are sent by the hub for all
    of the process's users at once. Only this loop sends on the socket.
    """
    from flask import current_app
    from simple_websocket import ConnectionClosed

    uid = claims["sub"]
    expires = float(claims["exp"])
    cfg = current_app.config
    limiter = RateWindow(cfg["WS_RATE_LIMIT"], cfg["WS_RATE_WINDOW_SECONDS"])
    idle_check = float(cfg.get("WS_IDLE_CHECK_SECONDS", IDLE_CHECK_SECONDS))
    strikes = 0
    q: queue.Queue = queue.Queue()
    h = hub()
    h.register(uid, q, claims=claims)
    r = stores.cache()
    r.zadd(ONLINE_KEY, {uid: time.time() * 1000})

    def end_session(reason: str) -> None:
        ws.send(dumps({"type": "error", "code": "session-ended", "reason": reason,
                       "detail": "the session has ended; sign in again"}))
        ws.close(CLOSE_SESSION_REVOKED, "session ended")

    try:
        ws.send(dumps({"type": "hello", "uid": uid, "expires_at": int(expires),
                        "last_seq": notifications.last_seq(uid)}))
        threading.Thread(target=_read_frames, args=(ws, q), name=f"sg-ws-reader-{uid}", daemon=True).start()
        while True:
            now = clock.now().timestamp()  # tests move the clock to expire the token
            if now >= expires:
                ws.send(dumps({"type": "error", "code": "token-expired",
                                "detail": "the access token expired; reconnect with a fresh one"}))
                ws.close(CLOSE_TOKEN_EXPIRED, "token expired")
                return
            try:
                item = q.get(timeout=min(idle_check, max(expires - now, 0.01)))
            except queue.Empty:
                continue
            if item is _CLOSED:
                return
            if not isinstance(item, _Inbound):
                reason = _ends_this_session(item, claims)
                if reason:
                    end_session(reason)
                    return
                if not item.startswith(_SESSION_ENDED_PREFIX):
                    ws.send(item)
                continue
            if not limiter.allow(time.monotonic()):
                strikes += 1
                ws.send(dumps({"type": "error", "code": "rate-limited",
                                "detail": f"at most {limiter.limit} frames per {limiter.window} s"}))
                if strikes >= 3:
                    ws.close(CLOSE_RATE_LIMITED, "rate limited")
                    return
                continue
            for reply in handle_frame(uid, item.data):
                ws.send(dumps(reply))
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
            if not isinstance(since, int) or isinstance(since, bool) or not 0 <= since <= 2 ** 63 - 1:
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
