"""Open WebSockets close (code 4003) within 2 s of their session ending:
logout, revoking a session, a password change (the other sessions),
suspension, account deletion; also when the socket is held by another API
process (a second app instance: its own hub and Redis connections)."""
from __future__ import annotations

import json
import time

import pytest
import simple_websocket

from socialgraph.messaging.realtime import CLOSE_SESSION_REVOKED
from tests.conftest import serve


@pytest.fixture()
def other_process(app_config):
    from socialgraph.app import create_app

    other = create_app(app_config)
    server = serve(other)
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    other.extensions["socialgraph"].close()


def connect(host, tokens):
    ws = simple_websocket.Client.connect(f"ws://{host}/api/v1/stream",
                                         headers={"Authorization": "Bearer " + tokens["access_token"]})
    hello = json.loads(ws.receive(timeout=10))
    assert hello["type"] == "hello"
    return ws


def closed_within(ws, seconds):
    """(close code, frames read) once the server closes ``ws``; fails after ``seconds``."""
    got, deadline = [], time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            raw = ws.receive(timeout=0.1)
            if raw is not None:
                got.append(json.loads(raw))
    except simple_websocket.ConnectionClosed:
        return ws.close_reason, got
    raise AssertionError(f"socket still open after {seconds}s; frames {got}")


def login(client, user):
    r = client.post("/api/v1/auth/login", json={"login": user.username, "password": user.password})
    assert r.status_code == 200
    return r.get_json()


def test_logout_closes_the_sessions_sockets_in_another_process(client, make_user, other_process):
    user = make_user("wse")
    other = login(client, user)
    ws_mine, ws_other = connect(other_process, user.tokens), connect(other_process, other)
    assert user.post("/api/v1/auth/logout").status_code == 204
    code, got = closed_within(ws_mine, 2.0)
    assert code == CLOSE_SESSION_REVOKED
    assert got[-1]["type"] == "error" and got[-1]["code"] == "session-ended" and got[-1]["reason"] == "logout"
    assert not any(f["type"] == "session.ended" for f in got)  # the control message stays internal
    # the other session's socket still works
    ws_other.send(json.dumps({"type": "ping"}))
    assert json.loads(ws_other.receive(timeout=5))["type"] == "pong"
    ws_other.close()


def test_password_change_closes_the_other_sessions_sockets(client, make_user, other_process):
    user = make_user("wse")
    other = login(client, user)
    ws_current, ws_other = connect(other_process, user.tokens), connect(other_process, other)
    r = user.post("/api/v1/me/password", json={"current_password": user.password,
                                               "new_password": "a whole new passphrase"})
    assert r.status_code == 200
    code, got = closed_within(ws_other, 2.0)
    assert code == CLOSE_SESSION_REVOKED and got[-1]["reason"] == "password-changed"
    ws_current.send(json.dumps({"type": "ping"}))
    assert json.loads(ws_current.receive(timeout=5))["type"] == "pong"
    ws_current.close()


def test_revoking_one_session_closes_its_socket(client, make_user, other_process):
    user = make_user("wse")
    other = login(client, user)
    ws = connect(other_process, other)
    sid = next(s["id"] for s in user.get("/api/v1/me/sessions").get_json()["items"] if not s["current"])
    assert user.delete(f"/api/v1/me/sessions/{sid}").status_code == 204
    assert closed_within(ws, 2.0)[0] == CLOSE_SESSION_REVOKED


def test_suspension_and_deletion_close_every_socket(app, client, make_user, other_process):
    from socialgraph.moderation import service as moderation

    user = make_user("wse")
    second = login(client, user)
    sockets = [connect(other_process, user.tokens), connect(other_process, second)]
    with app.app_context():
        moderation.suspend(user.uid)
    for ws in sockets:
        code, got = closed_within(ws, 2.0)
        assert code == CLOSE_SESSION_REVOKED and got[-1]["reason"] == "suspended"

    gone = make_user("wse")
    ws = connect(other_process, gone.tokens)
    assert gone.post("/api/v1/me/deletion", json={"password": gone.password}).status_code == 202
    code, got = closed_within(ws, 2.0)
    assert code == CLOSE_SESSION_REVOKED and got[-1]["reason"] == "deleted"


def test_a_missed_revocation_message_is_caught_by_the_process_wide_recheck(client, make_user, app_config):
    """The session ends without its pub/sub message (as while the hub was reconnecting):
    the process's batched re-check (``SG_WS_RECHECK_SECONDS``, here 1 s) closes the socket."""
    from socialgraph import stores
    from socialgraph.accounts import sessions
    from socialgraph.app import create_app

    other = create_app({**app_config, "WS_RECHECK_SECONDS": 1.0})
    server = serve(other)
    try:
        user = make_user("wsr")
        kept = login(client, user)
        ws_gone, ws_kept = (connect(f"127.0.0.1:{server.server_port}", t) for t in (user.tokens, kept))
        with client.application.app_context():
            sid = next(s["id"] for s in sessions.list_active(user.uid, None) if s["id"] != _sid(kept))
            sessions.mark_revoked(sid)  # MongoDB and the cache, but nothing published
            stores.cache().set(sessions.SESSION_KEY.format(uid=user.uid, sid=sid), "revoked", ex=60)
        code, got = closed_within(ws_gone, 4.0)
        assert code == CLOSE_SESSION_REVOKED and got[-1]["code"] == "session-ended" and got[-1]["reason"] == "revoked"
        ws_kept.send(json.dumps({"type": "ping"}))
        assert json.loads(ws_kept.receive(timeout=5))["type"] == "pong"
        ws_kept.close()
    finally:
        server.shutdown()
        server.server_close()
        other.extensions["socialgraph"].close()


def _sid(tokens):
    from flask_jwt_extended import decode_token

    return decode_token(tokens["access_token"])["sid"]
