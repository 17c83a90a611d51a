"""The Mastodon streaming WebSocket at the protocol level (websocket-client):
Mastodon's event envelope, blocks on the public stream, errors for bad
frames, and the socket closing when its OAuth session is revoked."""
from __future__ import annotations

import json
import time

import pytest
import websocket


def _ws(mastodon_base: str, token: str | None, query: str = ""):
    url = mastodon_base.replace("http://", "ws://") + "/api/v1/streaming" + query
    headers = [f"Authorization: Bearer {token}"] if token else []
    return websocket.create_connection(url, header=headers, timeout=10)


def _close(ws) -> None:
    """Close the client socket whoever closed the WebSocket first (after a
    server-initiated close, ``close()`` alone leaves the TCP socket open)."""
    try:
        ws.close(timeout=2)
    finally:
        ws.shutdown()


def _frames(ws, seconds: float) -> list[dict]:
    out, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        ws.settimeout(max(deadline - time.monotonic(), 0.05))
        try:
            raw = ws.recv()
        except websocket.WebSocketTimeoutException:
            break
        if raw:
            out.append(json.loads(raw))
    return out


def test_envelope_public_stream_and_blocks(mastodon_user, mastodon_base):
    alice_user, alice = mastodon_user("sa")
    bob_user, bob = mastodon_user("sb")
    _carol_user, carol = mastodon_user("sc")
    ws = _ws(mastodon_base, alice.access_token, "?stream=public")
    try:
        time.sleep(0.5)
        seen = carol.status_post("public words")
        frames = [f for f in _frames(ws, 3) if f.get("event") == "update"]
        assert [(f["stream"], json.loads(f["payload"])["id"]) for f in frames] == [(["public"], seen["id"])]
        assert isinstance(frames[0]["payload"], str)  # Mastodon sends the payload as JSON text
        r = alice_user.put(f"/api/v1/users/{bob_user.username}/block")
        assert r.status_code == 200, r.get_json()
        bob.status_post("bob is blocked")
        assert [f for f in _frames(ws, 2) if f.get("event") == "update"] == []
        ws.send("not json")
        ws.send(json.dumps({"type": "subscribe", "stream": "nowhere"}))
        ws.send(json.dumps({"type": "subscribe", "stream": "hashtag"}))
        assert _frames(ws, 2) == [{"error": "Malformed message", "status": 400},
                                  {"error": "Unknown stream type", "status": 400},
                                  {"error": "No tag for stream provided", "status": 400}]
    finally:
        _close(ws)


def test_unauthenticated_upgrade_is_refused_in_mastodon_shape(mastodon_base):
    import requests

    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        r = requests.get(mastodon_base + "/api/v1/streaming?stream=user", headers={**upgrade, **headers}, timeout=30)
        assert (r.status_code, r.json()) == (401, {"error": "The access token is invalid"})
    assert requests.get(mastodon_base + "/api/v1/streaming/health", timeout=30).text == "OK"


def test_socket_closes_when_the_token_is_revoked(make_user, authorize, mastodon_app, mastodon_base):
    import requests

    token = authorize(make_user("sr"))["access_token"]
    ws = _ws(mastodon_base, token, "?stream=user")
    try:
        time.sleep(0.5)
        r = requests.post(mastodon_base + "/oauth/revoke", data={
            "token": token, "client_id": mastodon_app[0], "client_secret": mastodon_app[1]}, timeout=30)
        assert r.status_code == 200, r.text
        ws.settimeout(5)
        started = time.monotonic()
        op, data = ws.recv_data(control_frame=True)
        while op != websocket.ABNF.OPCODE_CLOSE:
            op, data = ws.recv_data(control_frame=True)
        assert int.from_bytes(data[:2], "big") == 4003  # the session ended, as on our own stream
        assert time.monotonic() - started < 5
    finally:
        _close(ws)


def test_direct_stream_sends_conversations(mastodon_user, mastodon_base):
    _alice_user, alice = mastodon_user("sd")
    _bob_user, bob = mastodon_user("se")
    ws = _ws(mastodon_base, alice.access_token, "?stream=direct")
    try:
        time.sleep(0.5)
        sent = bob.status_post(f"@{alice.me()['username']} psst", visibility="direct")
        frames = [f for f in _frames(ws, 3) if f.get("event") == "conversation"]
        assert [f["stream"] for f in frames] == [["direct"]]
        conv = json.loads(frames[0]["payload"])
        assert (conv["last_status"]["id"], conv["last_status"]["visibility"], conv["unread"]) == (
            sent["id"], "direct", True)
        assert [a["id"] for a in conv["accounts"]] == [bob.me()["id"]]
    finally:
        _close(ws)
