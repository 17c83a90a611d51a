"""Mastodon's streaming API over one WebSocket: ``/api/v1/streaming``
(https://docs.joinmastodon.org/methods/streaming/), beside our own
``/api/v1/stream`` and on the same delivery underneath.

**Connecting.** The token comes as ``Authorization: Bearer`` or
``?access_token=`` and is checked before the upgrade (401 in Mastodon's
shape otherwise); it needs ``read``, ``read:statuses`` or
``read:notifications``. Streams are named in the URL (``?stream=user``,
``&tag=`` / ``&list=``, as megalodon does) and/or subscribed afterwards with
``{"type": "subscribe", "stream": "hashtag", "tag": "x"}`` (and
``unsubscribe``), as Mastodon.py's ``stream_open_websocket`` does.

**Events** are Mastodon's envelope, ``{"stream": [name, (tag | list id)],
"event": ..., "payload": "<JSON text>"}``:

==============  ===========================================  =========================
stream          event (payload)                              from
==============  ===========================================  =========================
user            ``update`` (Status), ``notification``          the user's hub channel
                (Notification)                               (feed updates, notifications)
user:notification ``notification``                           the same
direct          ``conversation`` (Conversation)              our direct messages
public,         ``update`` (Status)                          the public channel
public:local                                                  (``jobs.mastodon``)
hashtag         ``update`` (Status)                          the tag's channel
list            ``update`` (Status)                          feed updates of list members
==============  ===========================================  =========================

Every status and notification is built by the same services as the REST
API, for this viewer at delivery time, so audiences, blocks and mutes hold
on the socket too (a post that the viewer may not see is not sent).

**Delivery** is :mod:`socialgraph.messaging.hub`: the user's channel
``sg:rt:u:<uid>``, and for public and hashtag streams the channels
``sg:rt:u:~public`` and ``sg:rt:u:~tag.<tag>``, published by
``jobs.mastodon.stream_post_event`` when a public post is created. It runs
in whichever process holds the socket: the gevent stream service in
production (the proxy sends ``/api/v1/streaming`` upgrades there), the API
process in development and tests.

**Ending.** The socket closes with 4003 when its OAuth session is revoked
(the same pub/sub revocation message as the native stream, and a re-check
of the token every :data:`RECHECK_SECONDS`), and on the client's close.
Not sent: ``delete`` and ``status.update`` events (clients refetch), and
``filters_changed``.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import time

from flask import Response, g, request
from flask_sock import Sock

from socialgraph import stores
from socialgraph.accounts import oauth
from socialgraph.core.errors import DomainError, NotFound
from socialgraph.core.text import normalise_tag
from socialgraph.graph import lists
from socialgraph.mastodon import status_entities as ent
from socialgraph.mastodon import status_service
from socialgraph.mastodon.auth import bearer_token, check
from socialgraph.mastodon.blueprints import mastodon_blueprint
from socialgraph.mastodon.entities import accounts_by_id
from socialgraph.messaging import messages
from socialgraph.messaging.hub import ONLINE_KEY, hub
from socialgraph.messaging.hub import publish as hub_publish
from socialgraph.messaging.realtime import _CLOSED, CLOSE_SESSION_REVOKED, SESSION_ENDED, _Inbound, _read_frames

log = logging.getLogger(__name__)

blp = mastodon_blueprint("mastodon_streaming", __name__)
_sock = Sock()

#: pseudo-uids of the hub channels of public posts and of one hashtag
PUBLIC_CHANNEL = "~public"
TAG_CHANNEL = "~tag.{tag}"  # no ":" (the hub takes the uid after the last one)
#: seconds between re-checks of the socket's token (revocation fallback)
RECHECK_SECONDS = 30
#: streams a socket may hold at once, and list members considered per list
MAX_STREAMS = 20
LIST_MEMBERS_MAX = 1000
STREAMS = ("user", "user:notification", "public", "public:local", "public:media", "public:local:media",
           "hashtag", "hashtag:local", "list", "direct")
READ_SCOPES = ("read", "read:statuses", "read:notifications")


def publish_post(post: dict) -> int:
    """Publish a new public post (a Mongo doc) to the public channel and its
    hashtags' channels (``jobs.mastodon.stream_post_event``); returns the
    number of channels. Group posts and narrower audiences are not published
    (the receiving socket checks visibility again for its viewer)."""
    if post.get("group_id") or post.get("visibility") != "public" or post.get("author_private"):
        return 0
    message = {"type": "mastodon.post", "post_id": str(post["_id"]), "author_id": post["author_id"],
               "media": bool(post.get("media_ids"))}
    channels = [PUBLIC_CHANNEL] + [TAG_CHANNEL.format(tag=t) for t in post.get("hashtags") or []]
    for channel in channels:
        hub_publish(channel, message)
    return len(channels)


@blp.before_request
def _authenticate_before_upgrade():
    if request.endpoint == "mastodon_streaming.health":
        return None
    g.stream_uid = check(*READ_SCOPES)
    g.stream_token = bearer_token()
    return None


@blp.route("/api/v1/streaming/health", methods=["GET"])
def health():
    """``OK`` (text/plain), as Mastodon's streaming server answers."""
    return Response("OK", mimetype="text/plain")


@_sock.route("/api/v1/streaming", bp=blp)
def streaming(ws):
    """The Mastodon streaming WebSocket (see the module docstring)."""
    Connection(ws, g.stream_uid, g.stream_token).run(_initial_streams())


def _initial_streams() -> list[dict]:
    name = request.args.get("stream")
    if not name:
        return []
    return [{"stream": name, "tag": request.args.get("tag"), "list": request.args.get("list")}]


class Connection:
    """One Mastodon streaming socket: its subscriptions and its loop."""

    def __init__(self, ws, uid: str, token: str | None):
        self.ws, self.uid, self.token = ws, uid, token
        self.info = oauth.resolve(token) if token else None
        self.q: queue.Queue = queue.Queue()
        self.streams: set[tuple[str, str]] = set()   # (name, tag or list id or "")
        self.channels: set[str] = set()               # hub pseudo-uids registered besides uid
        self.list_members: dict[str, set[str]] = {}

    # -- subscriptions ---------------------------------------------------------------
    def subscribe(self, frame: dict) -> dict | None:
        """Add a stream; an error frame (Mastodon's ``{"error", "status"}``) or None."""
        name = str(frame.get("stream") or "")
        if name not in STREAMS:
            return {"error": "Unknown stream type", "status": 400}
        if len(self.streams) >= MAX_STREAMS:
            return {"error": "Too many streams", "status": 400}
        arg = ""
        if name.startswith("hashtag"):
            arg = normalise_tag(str(frame.get("tag") or ""))
            if not arg:
                return {"error": "No tag for stream provided", "status": 400}
            self._channel(TAG_CHANNEL.format(tag=arg))
        elif name == "list":
            arg = str(frame.get("list") or "")
            try:
                self.list_members[arg] = self._members(arg)
            except (NotFound, DomainError):
                return {"error": "Permission denied", "status": 401}
        elif name.startswith("public"):
            self._channel(PUBLIC_CHANNEL)
        self.streams.add((name, arg))
        return None

    def unsubscribe(self, frame: dict) -> None:
        name = str(frame.get("stream") or "")
        arg = normalise_tag(str(frame.get("tag") or "")) if name.startswith("hashtag") else str(frame.get("list") or "")
        self.streams.discard((name, arg if name.startswith("hashtag") or name == "list" else ""))

    def _members(self, list_id: str) -> set[str]:
        out: set[str] = set()
        cursor = None
        while len(out) < LIST_MEMBERS_MAX:
            page = lists.members(self.uid, list_id, cursor, 100)
            out.update(m["uid"] for m in page.items)
            cursor = page.next_cursor
            if not cursor:
                break
        return out

    def _channel(self, name: str) -> None:
        if name not in self.channels:
            hub().register(name, self.q)
            self.channels.add(name)

    # -- events -------------------------------------------------------------------------
    def _send(self, stream: list[str], event: str, payload) -> None:
        self.ws.send(json.dumps({"stream": stream, "event": event,
                                 "payload": payload if isinstance(payload, str) else json.dumps(payload)}))

    def _status(self, post_id: str) -> dict | None:
        try:
            return status_service.get_status(post_id, self.uid)
        except NotFound:
            return None

    def deliver(self, message: dict) -> None:
        """Translate one hub message into Mastodon events for the subscribed streams."""
        kind = message.get("type")
        names = {n for n, _ in self.streams}
        if kind == "notification" and names & {"user", "user:notification"}:
            n = message["notification"]
            accounts = accounts_by_id([a["uid"] for a in n.get("actors", [])[:1]], self.uid)
            ref = ent.status_ref(n)
            status = self._status(ref[1]) if ref else None
            shown = ent.notification_entity(n, status, accounts)
            if shown is not None:
                self._send(["user:notification" if "user" not in names else "user"], "notification", shown)
        elif kind == "feed.update":
            wanted = [["user"]] if "user" in names else []
            wanted += [["list", arg] for n, arg in self.streams
                       if n == "list" and message.get("author_id") in self.list_members.get(arg, ())]
            if wanted:
                status = self._status(message["post_id"])
                for stream in wanted if status else []:
                    self._send(stream, "update", status)
        elif kind == "message" and "direct" in names:
            msg = message["message"]
            try:
                conv = messages.get_conversation(self.uid, msg["conversation_id"])
            except NotFound:
                return
            self._send(["direct"], "conversation", ent.conversation_entity(conv, msg, self.uid))
        elif kind == "mastodon.post":
            self._deliver_public(message)

    def _deliver_public(self, message: dict) -> None:
        status = None
        for name, arg in sorted(self.streams):
            if not (name.startswith("public") or name.startswith("hashtag")):
                continue
            if name.endswith(":media") and not message.get("media"):
                continue
            status = status or self._status(message["post_id"])
            if status is None:
                return  # hidden from this viewer (a block either way)
            if name.startswith("hashtag"):
                if arg in {t["name"] for t in status["tags"]}:
                    self._send([name, arg], "update", status)
            else:
                self._send([name], "update", status)

    # -- the loop -------------------------------------------------------------------------
    def _session_ended(self, raw: str) -> bool:
        try:
            msg = json.loads(raw)
        except ValueError:
            return False
        if msg.get("type") != SESSION_ENDED:
            return False
        sids = msg.get("sids")
        if sids is not None:
            return bool(self.info) and self.info.get("sid") in sids
        return not (self.token and oauth.resolve(self.token))

    def _handle_frame(self, data) -> None:
        try:
            frame = json.loads(data)
            if not isinstance(frame, dict):
                raise ValueError
        except (ValueError, TypeError):
            self.ws.send(json.dumps({"error": "Malformed message", "status": 400}))
            return
        kind = frame.get("type")
        if kind == "subscribe":
            err = self.subscribe(frame)
            if err:
                self.ws.send(json.dumps(err))
        elif kind == "unsubscribe":
            self.unsubscribe(frame)
        elif kind == "ping":
            return
        else:
            self.ws.send(json.dumps({"error": "Unknown message type", "status": 400}))

    def run(self, initial: list[dict]) -> None:
        """Serve until the client closes or the session ends."""
        from simple_websocket import ConnectionClosed

        h = hub()
        h.register(self.uid, self.q)
        r = stores.cache()
        r.zadd(ONLINE_KEY, {self.uid: time.time() * 1000})  # feed updates go to online users
        last_check = time.monotonic()
        try:
            for frame in initial:
                err = self.subscribe(frame)
                if err:
                    self.ws.send(json.dumps(err))
            threading.Thread(target=_read_frames, args=(self.ws, self.q), name=f"sg-mstream-{self.uid}",
                             daemon=True).start()
            while True:
                if time.monotonic() - last_check > RECHECK_SECONDS:
                    last_check = time.monotonic()
                    if not (self.token and oauth.resolve(self.token)):
                        self.ws.close(CLOSE_SESSION_REVOKED, "session ended")
                        return
                try:
                    item = self.q.get(timeout=RECHECK_SECONDS)
                except queue.Empty:
                    continue
                if item is _CLOSED:
                    return
                if isinstance(item, _Inbound):
                    self._handle_frame(item.data)
                    continue
                if self._session_ended(item):
                    self.ws.close(CLOSE_SESSION_REVOKED, "session ended")
                    return
                try:
                    self.deliver(json.loads(item))
                except (ValueError, KeyError, DomainError) as exc:
                    log.info("mastodon stream: message not delivered (%s)", exc)
        except ConnectionClosed:
            pass
        finally:
            h.unregister(self.uid, self.q)
            for name in self.channels:
                h.unregister(name, self.q)
