"""The WebSocket endpoint over a real HTTP server (werkzeug, threaded):
authentication before the upgrade, delivery of notifications, feed updates
and messages (also across two app instances = two processes' hubs through
Redis pub/sub), resume after a disconnect, token expiry, flooding and
oversized frames."""
from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import requests
import simple_websocket

from socialgraph.core import clock
from tests.conftest import serve

UPGRADE = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}


@pytest.fixture(autouse=True)
def _quick_clock_checks(app):
    """The tests move the clock by hand: let idle sockets notice within a second."""
    from tests.conftest import config

    with config(app, WS_IDLE_CHECK_SECONDS=1.0):
        yield


@pytest.fixture()
def live(app):
    server = serve(app)
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture()
def second_live(app_config):
    """A second, independent app instance (its own hub and Redis connections),
    standing in for another API process or host."""
    from socialgraph.app import create_app

    other = create_app(app_config)
    server = serve(other)
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    # closing is safe: stores.bind_neomodel() rebinds neomodel to the live app's driver
    other.extensions["socialgraph"].close()


def connect(host, user):
    return simple_websocket.Client.connect(f"ws://{host}/api/v1/stream", headers=user.headers)


def frames(ws, want, timeout=10.0):
    """Read frames until ``want(frame)`` is true; returns all frames read."""
    got, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        raw = ws.receive(timeout=max(deadline - time.monotonic(), 0.01))
        if raw is None:
            continue
        got.append(json.loads(raw))
        if want(got[-1]):
            return got
    raise AssertionError(f"no matching frame within {timeout}s; got {got}")


def test_refused_before_upgrade(live, make_user):
    r = requests.get(f"http://{live}/api/v1/stream", headers=UPGRADE, timeout=5)
    assert r.status_code == 401 and r.headers["Content-Type"] == "application/problem+json"
    assert r.json()["type"] == "/problems/authentication-required"
    assert "Upgrade" not in r.headers
    u = make_user("ws")
    r = requests.get(f"http://{live}/api/v1/stream", params={"access_token": "not.a.jwt"}, headers=UPGRADE,
                     timeout=5)
    assert r.status_code == 401 and r.json()["type"] == "/problems/invalid-token"
    r = requests.get(f"http://{live}/api/v1/stream", headers=UPGRADE | {
        "Authorization": f"Bearer {u.tokens['refresh_token']}"}, timeout=5)
    assert r.status_code == 401
    u.post("/api/v1/auth/logout")
    r = requests.get(f"http://{live}/api/v1/stream", params={"access_token": u.tokens["access_token"]},
                     headers=UPGRADE, timeout=5)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    assert _refused(f"ws://{live}/api/v1/stream")


def _refused(url) -> bool:
    """True when the handshake is refused. simple_websocket leaves its socket
    open then (the refusal raises inside its constructor, with no handle to
    close); it is collected here with that one ResourceWarning silenced."""
    import gc
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            simple_websocket.Client.connect(url)
        except simple_websocket.ConnectionError:
            refused = True
        else:
            refused = False
        gc.collect()
    return refused


def test_expired_token_refused_and_expiry_closes_socket(app, live, make_user):
    from flask_jwt_extended import create_access_token

    u = make_user("ws")
    with app.app_context():
        expired = create_access_token(identity=u.uid, expires_delta=timedelta(seconds=-5),
                                      additional_claims={"sid": "s"})
    r = requests.get(f"http://{live}/api/v1/stream", params={"access_token": expired}, headers=UPGRADE, timeout=5)
    assert r.status_code == 401 and r.json()["detail"] == "the token has expired"

    ws = connect(live, u)
    hello = frames(ws, lambda f: f["type"] == "hello")[-1]
    assert hello["uid"] == u.uid
    later = clock.now() + timedelta(hours=1)
    clock.set_clock(lambda: later)
    try:
        got = frames(ws, lambda f: f["type"] == "error")
        assert got[-1]["code"] == "token-expired"
        with pytest.raises(simple_websocket.ConnectionClosed):
            for _ in range(20):
                ws.receive(timeout=0.2)
        assert ws.close_reason == 4001
    finally:
        clock.set_clock(None)


def test_notifications_feed_updates_and_resume_across_processes(live, second_live, make_user):
    owner, fan = make_user("own"), make_user("fan")
    owner.put(f"/api/v1/users/{fan.username}/follow")
    owner.get("/api/v1/feeds/home")  # owner is active: gets fan-out
    ws = connect(second_live, owner)  # the owner's socket is held by "another process"
    hello = frames(ws, lambda f: f["type"] == "hello")[-1]
    pid = owner.post("/api/v1/posts", json={"text": "notify me"}).get_json()["id"]
    fan.put(f"/api/v1/posts/{pid}/reaction", json={})
    got = frames(ws, lambda f: f["type"] == "notification")
    n = got[-1]["notification"]
    assert n["type"] == "reaction" and n["actors"][0]["username"] == fan.username and n["seq"] > hello["last_seq"]
    fan_post = fan.post("/api/v1/posts", json={"text": "new for your feed"}).get_json()["id"]
    got = frames(ws, lambda f: f["type"] == "feed.update")
    assert got[-1]["post_id"] == fan_post
    last_seen = n["seq"]
    ws.close()

    # while disconnected: two more notifications
    fan.post(f"/api/v1/posts/{pid}/comments", json={"text": "missed 1"})
    fan.put(f"/api/v1/users/{owner.username}/follow")
    ws = connect(live, owner)
    frames(ws, lambda f: f["type"] == "hello")
    ws.send(json.dumps({"type": "resume", "since": last_seen}))
    got = frames(ws, lambda f: f["type"] == "resumed")
    assert [f["notification"]["type"] for f in got if f["type"] == "notification"] == ["comment", "follow"]
    assert got[-1]["count"] == 2
    ws.send(json.dumps({"type": "ping"}))
    assert frames(ws, lambda f: f["type"] == "pong")
    ws.send("not json")
    assert frames(ws, lambda f: f["type"] == "error")[-1]["code"] == "malformed"
    ws.close()


def test_messages_typing_and_receipts_over_socket(live, make_user):
    a, b = make_user("a"), make_user("b")
    conv = a.post("/api/v1/conversations", json={"members": [b.username]}).get_json()["id"]
    wa, wb = connect(live, a), connect(live, b)
    frames(wa, lambda f: f["type"] == "hello")
    frames(wb, lambda f: f["type"] == "hello")
    wa.send(json.dumps({"type": "typing", "conversation_id": conv}))
    assert frames(wb, lambda f: f["type"] == "typing")[-1]["user_id"] == a.uid
    msg = a.post(f"/api/v1/conversations/{conv}/messages", json={"text": "hello b"}).get_json()
    got = frames(wb, lambda f: f["type"] == "message")[-1]["message"]
    assert got["id"] == msg["id"] and got["text"] == "hello b"
    wb.send(json.dumps({"type": "read", "conversation_id": conv, "message_id": msg["id"]}))
    receipt = frames(wa, lambda f: f["type"] == "read")[-1]
    assert receipt["user_id"] == b.uid and receipt["message_id"] == msg["id"]
    # a frame about someone else's conversation is an error, not a crash
    stranger = make_user("s")
    ws = connect(live, stranger)
    frames(ws, lambda f: f["type"] == "hello")
    ws.send(json.dumps({"type": "typing", "conversation_id": conv}))
    assert frames(ws, lambda f: f["type"] == "error")[-1]["code"] == "not-found"
    for w in (wa, wb, ws):
        w.close()


def test_flooding_and_oversized_frames_close_only_that_socket(app, live, make_user):
    flooder, calm = make_user("flood"), make_user("calm")
    wf, wc = connect(live, flooder), connect(live, calm)
    frames(wf, lambda f: f["type"] == "hello")
    frames(wc, lambda f: f["type"] == "hello")
    for _ in range(app.config["WS_RATE_LIMIT"] + 5):
        wf.send(json.dumps({"type": "ping"}))
    got = frames(wf, lambda f: f.get("code") == "rate-limited")
    assert got[-1]["detail"].startswith("at most")
    with pytest.raises(simple_websocket.ConnectionClosed):
        for _ in range(50):
            wf.receive(timeout=0.2)
    assert wf.close_reason == 4008
    wc.send(json.dumps({"type": "ping"}))
    assert frames(wc, lambda f: f["type"] == "pong")
    wc.send("x" * (app.config["WS_MAX_MESSAGE_BYTES"] + 10))
    with pytest.raises(simple_websocket.ConnectionClosed):
        for _ in range(50):
            wc.receive(timeout=0.2)
    assert wc.close_reason == 1009
    # the server still serves others
    other = connect(live, make_user("next"))
    assert frames(other, lambda f: f["type"] == "hello")
    other.close()
