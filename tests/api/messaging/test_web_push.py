"""Web Push end to end: a real HTTP push receiver in the test, standing in for
a browser's push service, that checks the VAPID JWT (RFC 8292) and decrypts
the aes128gcm payload (RFC 8291/8188) with the subscription's private key."""
from __future__ import annotations

import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from socialgraph import stores
from socialgraph.messaging import push
from tests.conftest import config


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Receiver:
    """A push service on 127.0.0.1: records every POST; answers ``status[path]`` (201 by default)."""

    def __init__(self):
        self.received: list[dict] = []
        self.status: dict[str, int] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.received.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                self.send_response(outer.status.get(self.path, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.origin = f"http://127.0.0.1:{self.server.server_port}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()  # the listening socket too


class Browser:
    """The browser's side of a subscription: its P-256 key pair and auth secret."""

    def __init__(self, receiver: Receiver, path: str):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = receiver.origin + path
        self.path = path

    def subscription(self) -> dict:
        public = self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": b64u(public), "auth": b64u(self.auth)}}

    def decrypt(self, message: dict) -> dict:
        assert message["headers"]["content-encoding"] == "aes128gcm"
        return json.loads(http_ece.decrypt(message["body"], private_key=self.key, auth_secret=self.auth,
                                           version="aes128gcm"))


def verify_vapid(message: dict, server_key: str, audience: str, subject: str) -> dict:
    """Check the ``Authorization: vapid t=<JWT>, k=<key>`` header (RFC 8292 section 3)."""
    scheme, _, params = message["headers"]["authorization"].partition(" ")
    assert scheme == "vapid"
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    assert parts["k"] == server_key
    header, claims, signature = parts["t"].split(".")
    assert json.loads(unb64u(header)) == {"typ": "JWT", "alg": "ES256"}
    sig = unb64u(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64u(server_key))
    public.verify(encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")),
                  f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    body = json.loads(unb64u(claims))
    assert body["aud"] == audience and body["sub"] == subject
    assert time.time() < body["exp"] <= time.time() + 24 * 3600
    return body


@pytest.fixture()
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_a_notification_reaches_the_browser_encrypted_and_signed(app, ctx, client, make_user, receiver, subtests):
    """One subscription; the pushed follow, and each rule on what is not
    pushed, a subtest. Each write that must not push is checked to have
    happened (else "nothing pushed" would pass for a refused write)."""
    _, public = push.ensure_vapid_keys()
    assert push.ensure_vapid_keys() == (False, public)  # stable once made
    assert client.get("/api/v1/push/server-key").get_json() == {"server_key": public}
    a, b = make_user("pa"), make_user("pb")
    browser = Browser(receiver, "/push/b-phone")
    with config(app, PUSH_ALLOW_INSECURE=True):
        r = b.post("/api/v1/push/subscription", json={"subscription": browser.subscription(),
                                                      "data": {"alerts": {"comment": False}}})
        assert r.status_code == 200, r.get_json()
        sub = r.get_json()
        assert sub["server_key"] == public and sub["alerts"]["follow"] is True and sub["alerts"]["comment"] is False
        assert b.get("/api/v1/push/subscription").get_json()["endpoint"] == browser.endpoint

        assert a.put(f"/api/v1/users/{b.username}/follow").status_code == 200
        assert len(receiver.received) == 1
        with subtests.test("a follow is pushed encrypted, VAPID-signed, with its text, link and icon"):
            msg = receiver.received[0]
            assert msg["path"] == "/push/b-phone" and int(msg["headers"]["ttl"]) == app.config["PUSH_TTL_SECONDS"]
            assert msg["body"] and b"followed" not in msg["body"]  # encrypted on the wire
            verify_vapid(msg, public, receiver.origin, app.config["VAPID_SUBJECT"])
            payload = browser.decrypt(msg)
            assert payload["type"] == "follow" and payload["body"] == f"{a.username} followed you"
            assert payload["url"] == f"/#/u/{a.username}" and payload["notification_id"]
            assert payload["icon"].endswith(f"/api/v1/avatars/{a.uid}/96")

        post = b.post("/api/v1/posts", json={"text": "push me"}).get_json()
        with subtests.test("the subscription's alerts: comments are not pushed"):
            assert a.post(f"/api/v1/posts/{post['id']}/comments", json={"text": "hi"}).status_code == 201
            assert len(receiver.received) == 1
        with subtests.test("the user's preferences: reactions are not pushed when the push channel is off"):
            r = b.patch("/api/v1/notifications/preferences", json={"preferences": {"reaction": {"push": False}}})
            assert r.status_code == 200 and r.get_json()["preferences"]["reaction"]["push"] is False
            assert a.put(f"/api/v1/posts/{post['id']}/reaction", json={"type": "like"}).status_code == 200
            assert len(receiver.received) == 1
        with subtests.test("alerts can be changed later"):
            assert b.put("/api/v1/push/subscription", json={"data": {"alerts": {"comment": True}}}).status_code == 200
            c = make_user("pc")
            assert c.post(f"/api/v1/posts/{post['id']}/comments", json={"text": "me too"}).status_code == 201
            assert len(receiver.received) == 2
            assert browser.decrypt(receiver.received[1])["url"] == f"/#/post/{post['id']}"


def test_gone_subscriptions_and_ended_sessions_are_removed(app, ctx, make_user, receiver):
    push.ensure_vapid_keys()
    a, b = make_user("pg"), make_user("ph")
    browser = Browser(receiver, "/push/gone")
    with config(app, PUSH_ALLOW_INSECURE=True):
        assert b.post("/api/v1/push/subscription", json={"subscription": browser.subscription()}).status_code == 200
        receiver.status["/push/gone"] = 410  # the browser unsubscribed at the push service
        a.put(f"/api/v1/users/{b.username}/follow")
        assert len(receiver.received) == 1
        assert b.get("/api/v1/push/subscription").status_code == 404
        assert stores.mongo().push_subscriptions.count_documents({"user_id": b.uid}) == 0

        # a subscription of a session that logged out is never used, and goes
        browser2 = Browser(receiver, "/push/old-laptop")
        assert b.post("/api/v1/push/subscription", json={"subscription": browser2.subscription()}).status_code == 200
        assert b.post("/api/v1/auth/logout").status_code == 204
        c = make_user("pi")
        c.put(f"/api/v1/users/{b.username}/follow")
        assert len(receiver.received) == 1
        assert stores.mongo().push_subscriptions.count_documents({"user_id": b.uid}) == 0


def test_subscriptions_are_validated(app, make_user):
    push_user = make_user("pv")
    fake = Receiver.__new__(Receiver)  # no server: these subscriptions are never sent to
    fake.origin = "https://push.example.net"
    good = Browser(fake, "/send/abc")
    ok = push_user.post("/api/v1/push/subscription", json={"subscription": good.subscription()})
    assert ok.status_code == 200
    for endpoint in ("http://push.example.net/x", "https://127.0.0.1/x", "https://localhost/x",
                     "https://10.1.2.3/x", "not a url"):
        sub = {**good.subscription(), "endpoint": endpoint}
        r = push_user.post("/api/v1/push/subscription", json={"subscription": sub})
        assert r.status_code == 422 and r.mimetype == "application/problem+json", endpoint
    bad_keys = {**good.subscription(), "keys": {"p256dh": b64u(b"\x04" + b"x" * 10), "auth": "short"}}
    r = push_user.post("/api/v1/push/subscription", json={"subscription": bad_keys})
    fields = {e["field"] for e in r.get_json()["errors"]}
    assert r.status_code == 422 and fields == {"subscription.keys.p256dh", "subscription.keys.auth"}
    r = push_user.post("/api/v1/push/subscription", json={"subscription": good.subscription(),
                                                          "data": {"alerts": {"nonsense": True}}})
    assert r.status_code == 422
    assert push_user.delete("/api/v1/push/subscription").status_code == 204
    assert push_user.delete("/api/v1/push/subscription").status_code == 204
    assert push_user.get("/api/v1/push/subscription").status_code == 404
