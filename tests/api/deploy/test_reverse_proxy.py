"""The production reverse proxy (``deploy/Caddyfile``, run by the real Caddy
binary) in front of the app and the local S3 server, shaped as in compose:
one public origin, media URLs signed for it (``SG_S3_PUBLIC_ENDPOINT``) and
served through it, WebSocket upgrades of ``/api/v1/stream`` sent to the
stream service, unsafe methods to the writes pool and the rest to the reads,
forwarded headers set by exactly one hop.

Skipped where the ``caddy`` binary is not installed (Debian package ``caddy``), except
under ``CI=true``, where that is an error.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
import simple_websocket

from socialgraph.stores.localstack import free_port
from tests import mediafiles
from tests.conftest import config, serve

CADDYFILE = Path(__file__).resolve().parents[3] / "deploy" / "Caddyfile"
if shutil.which("caddy") is None and os.environ.get("CI") == "true":
    raise RuntimeError("caddy is not installed (Debian package caddy; `make test` installs it as root)")
pytestmark = pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed")


class Recorder:
    """WSGI wrapper that notes each request's path and forwarded headers."""

    def __init__(self, app):
        self.app, self.seen = app, []

    def __call__(self, environ, start_response):
        self.seen.append({"path": environ.get("PATH_INFO"), "method": environ.get("REQUEST_METHOD"),
                          "xff": environ.get("HTTP_X_FORWARDED_FOR"),
                          "proto": environ.get("HTTP_X_FORWARDED_PROTO"), "host": environ.get("HTTP_HOST"),
                          "upgrade": environ.get("HTTP_UPGRADE")})
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def proxied(app, stack, tmp_path_factory):
    api, writes, stream = Recorder(app), Recorder(app), Recorder(app)
    api_server, writes_server, stream_server = serve(api), serve(writes), serve(stream)
    port = free_port()
    home = tmp_path_factory.mktemp("caddy")
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"), "CADDY_ADMIN": "off",
           "SG_SITE_ADDRESS": f"http://127.0.0.1:{port}", "SG_S3_BUCKET": app.config["S3_BUCKET"],
           "SG_API_HOST": "127.0.0.1", "SG_API_PORT": str(api_server.server_port),
           "SG_API_WRITES_HOST": "127.0.0.1", "SG_API_WRITES_PORT": str(writes_server.server_port),
           "SG_STREAM_HOST": "127.0.0.1", "SG_STREAM_PORT": str(stream_server.server_port),
           "SG_S3_UPSTREAM": urlparse(stack.env()["SG_S3_ENDPOINT"]).netloc}
    log = open(home / "caddy.log", "wb")
    proc = subprocess.Popen(["caddy", "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("caddy did not start:\n" + (home / "caddy.log").read_text())
        time.sleep(0.1)
    origin = f"http://127.0.0.1:{port}"
    with config(app, S3_PUBLIC_ENDPOINT=origin):
        yield {"origin": origin, "api": api, "writes": writes, "stream": stream}
    proc.terminate()
    proc.wait(timeout=10)
    log.close()
    for server in (api_server, writes_server, stream_server):
        server.shutdown()
        server.server_close()  # the listening socket too


def test_media_urls_are_public_urls_the_proxy_serves(proxied, make_user, ctx, app):
    origin = proxied["origin"]
    a = make_user()
    r = a.post("/api/v1/media", data={"file": (io.BytesIO(mediafiles.png(320, 200)), "a.png", "image/png")},
               content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    urls = r.get_json()["urls"]
    assert all(u.startswith(f"{origin}/{app.config['S3_BUCKET']}/") for u in urls.values()), urls
    got = requests.get(urls["full"], timeout=10)
    assert got.status_code == 200 and got.content[:8] == b"\x89PNG\r\n\x1a\n"
    # the signature covers the host: the same URL on the internal endpoint is refused
    internal = urls["full"].replace(origin, app.config["S3_ENDPOINT"])
    assert requests.get(internal, timeout=10).status_code == 403
    # and it cannot be widened: without the signature the object is private
    assert requests.get(urls["full"].split("?")[0], timeout=10).status_code == 403


def test_direct_upload_goes_through_the_proxy(proxied, make_user, ctx):
    a = make_user()
    data = mediafiles.png(300, 200)
    start = a.post("/api/v1/media/uploads", json={"size": len(data), "content_type": "image/png"}).get_json()
    assert start["upload_url"].startswith(proxied["origin"] + "/")
    # the POST policy's form through the proxy: the object store checks key, type and size
    sent = requests.post(start["upload_url"], data=dict(start["fields"]),
                         files={"file": ("pic.png", data, "image/png")}, timeout=10)
    assert sent.status_code == 204, sent.text
    done = a.post(f"/api/v1/media/{start['media']['id']}/complete")
    assert done.status_code == 200 and done.get_json()["width"] == 300


def test_api_sits_behind_one_hop_that_sets_forwarded_headers(proxied):
    before = len(proxied["api"].seen)
    r = requests.get(proxied["origin"] + "/api/v1/openapi.json", timeout=10,
                     headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert r.status_code == 200 and r.json()["info"]["title"] == "socialgraph"
    seen = proxied["api"].seen[before:]
    assert [s["path"] for s in seen] == ["/api/v1/openapi.json"]
    # a client-sent X-Forwarded-For is replaced, so trusting one hop gives the real peer
    assert seen[0]["xff"] == "127.0.0.1" and seen[0]["proto"] == "http"
    assert seen[0]["host"] == urlparse(proxied["origin"]).netloc
    assert not any(s["path"] == "/api/v1/openapi.json" for s in proxied["stream"].seen)


def test_stream_upgrades_go_to_the_stream_service(proxied, make_user):
    a = make_user()
    host = urlparse(proxied["origin"]).netloc
    ws = simple_websocket.Client.connect(f"ws://{host}/api/v1/stream", headers=a.headers)
    try:
        hello = json.loads(ws.receive(timeout=10))
        assert hello["type"] == "hello" and hello["uid"] == a.uid
    finally:
        ws.close()
    assert any(s["path"] == "/api/v1/stream" and s["upgrade"] == "websocket" for s in proxied["stream"].seen)
    assert not any(s["path"] == "/api/v1/stream" for s in proxied["api"].seen)
    # a plain GET (no upgrade) is the API's, which refuses it
    r = requests.get(proxied["origin"] + "/api/v1/stream", timeout=10)
    assert r.status_code == 400
    assert any(s["path"] == "/api/v1/stream" for s in proxied["api"].seen)


def test_writes_go_to_the_writes_pool_and_reads_to_the_reads(proxied, make_user):
    """Through the real proxy: a login (a POST), a post, its edit, a reaction (PUT) and the
    post's deletion reach the writes pool; the reads of the same post, a HEAD and a CORS
    preflight reach the reads pool; both answer as one app (the write is read back at once)."""
    origin, api, writes = proxied["origin"], proxied["api"], proxied["writes"]
    a = make_user()
    n_api, n_writes = len(api.seen), len(writes.seen)
    s = requests.Session()
    login = s.post(f"{origin}/api/v1/auth/login", json={"login": a.username, "password": a.password}, timeout=10)
    assert login.status_code == 200, login.text
    s.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    made = s.post(f"{origin}/api/v1/posts", json={"text": "through the writes pool"}, timeout=10)
    assert made.status_code == 201, made.text
    pid = made.json()["id"]
    got = s.get(f"{origin}/api/v1/posts/{pid}", timeout=10)  # the other pool reads it back
    assert got.status_code == 200 and got.json()["text"] == "through the writes pool"
    assert s.patch(f"{origin}/api/v1/posts/{pid}", json={"text": "edited"}, timeout=10).status_code == 200
    assert s.put(f"{origin}/api/v1/posts/{pid}/reaction", json={"type": "like"}, timeout=10).status_code in (200, 201)
    assert s.get(f"{origin}/api/v1/posts/{pid}", timeout=10).json()["text"] == "edited"
    s.head(f"{origin}/api/v1/posts/{pid}", timeout=10)
    s.options(f"{origin}/api/v1/posts", timeout=10, headers={"Origin": "https://elsewhere.example",
                                                              "Access-Control-Request-Method": "POST"})
    assert s.delete(f"{origin}/api/v1/posts/{pid}", timeout=10).status_code == 204
    to_writes = [(r["method"], r["path"]) for r in writes.seen[n_writes:]]
    to_api = [(r["method"], r["path"]) for r in api.seen[n_api:]]
    assert to_writes == [("POST", "/api/v1/auth/login"), ("POST", "/api/v1/posts"),
                         ("PATCH", f"/api/v1/posts/{pid}"), ("PUT", f"/api/v1/posts/{pid}/reaction"),
                         ("DELETE", f"/api/v1/posts/{pid}")]
    assert to_api == [("GET", f"/api/v1/posts/{pid}"), ("GET", f"/api/v1/posts/{pid}"),
                      ("HEAD", f"/api/v1/posts/{pid}"), ("OPTIONS", "/api/v1/posts")]
    assert all(r["xff"] == "127.0.0.1" for r in writes.seen[n_writes:])  # the same one hop
