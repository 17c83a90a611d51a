"""Issue 16 item 11: in a group conversation, no event caused by a member
blocked either way (message, read receipt, typing) reaches the other's socket."""
from __future__ import annotations

import json
import time

import pytest
import simple_websocket

from tests.conftest import serve


@pytest.fixture()
def live(app):
    server = serve(app)
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()  # the listening socket too


def frames_until(ws, want, timeout=10.0):
    got, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        raw = ws.receive(timeout=max(deadline - time.monotonic(), 0.01))
        if raw is None:
            continue
        got.append(json.loads(raw))
        if want(got[-1]):
            return got
    raise AssertionError(f"no matching frame within {timeout}s; got {got}")


@pytest.mark.parametrize("who_blocks", ["listener", "blocked_member"])
def test_blocked_member_events_never_reach_the_socket(live, make_user, who_blocks):
    a, b, c = make_user("gb_a"), make_user("gb_b"), make_user("gb_c")
    conv = a.post("/api/v1/conversations", json={"members": [b.username, c.username], "title": "trio"})
    assert conv.status_code == 201, conv.get_json()
    conv_id = conv.get_json()["id"]
    first = c.post(f"/api/v1/conversations/{conv_id}/messages", json={"text": "hello all"}).get_json()
    # a blocks b, or b blocks a: either way b's events must not reach a
    blocker, blocked = (a, b) if who_blocks == "listener" else (b, a)
    assert blocker.put(f"/api/v1/users/{blocked.username}/block").status_code == 200

    ws = simple_websocket.Client.connect(f"ws://{live}/api/v1/stream", headers=a.headers)
    try:
        frames_until(ws, lambda f: f["type"] == "hello")
        # b: a read receipt (HTTP and socket frame), typing (both ways) and a message
        assert b.post(f"/api/v1/conversations/{conv_id}/read", json={"message_id": first["id"]}).status_code == 200
        assert b.post(f"/api/v1/conversations/{conv_id}/typing").status_code == 204
        wb = simple_websocket.Client.connect(f"ws://{live}/api/v1/stream", headers=b.headers)
        frames_until(wb, lambda f: f["type"] == "hello")
        wb.send(json.dumps({"type": "typing", "conversation_id": conv_id}))
        wb.close()
        b.post(f"/api/v1/conversations/{conv_id}/messages", json={"text": "from b"})
        # c, unblocked: its receipt arrives, which proves delivery works and ends the wait
        time.sleep(0.3)
        assert c.post(f"/api/v1/conversations/{conv_id}/typing").status_code == 204
        got = frames_until(ws, lambda f: f["type"] == "typing" and f.get("user_id") == c.uid)
    finally:
        ws.close()
    from_b = [f for f in got if b.uid in json.dumps(f)]
    assert from_b == [], from_b
