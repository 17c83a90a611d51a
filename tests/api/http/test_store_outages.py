"""Each store away, on read paths as well as writes: 503 problem+json with
Retry-After, never a 500 or a trace; reads that Redis only caches keep
working without Redis; the generic 500 handler hides the error.

A second app points one store at a port where nothing listens (the other
stores are the session's real servers), so the servers the other tests use
stay up; ``test_cache_invalidation_while_redis_is_away`` stops the real Redis.
"""
from __future__ import annotations

import io
import logging

import pytest

from socialgraph.stores.localstack import free_port
from tests.conftest import verify_user, extra_app, unique
from tests.mediafiles import png

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def data(app):
    """A user with a public post, a comment and a follower, made through the healthy app."""
    client = app.test_client()
    users = []
    for prefix in ("out", "outf"):
        name = unique(prefix)
        r = client.post("/api/v1/auth/register", json={"username": name, "email": f"{name}@example.test",
                                                       "password": "a long enough password"})
        assert r.status_code == 201
        verify_user(client, r.get_json()["uid"], f"{name}@example.test")
        tokens = client.post("/api/v1/auth/login", json={"login": name, "password": "a long enough password"}).get_json()
        users.append({"name": name, "uid": r.get_json()["uid"],
                      "headers": {"Authorization": f"Bearer {tokens['access_token']}"}})
    author, follower = users
    word = f"outage{author['uid'][:8]}"
    r = client.post("/api/v1/posts", json={"text": f"public {word} #{word}"}, headers=author["headers"])
    pid = r.get_json()["id"]
    assert client.post(f"/api/v1/posts/{pid}/comments", json={"text": "c"}, headers=follower["headers"]).status_code == 201
    assert client.put(f"/api/v1/users/{author['name']}/follow", headers=follower["headers"]).status_code == 200
    return {"author": author, "follower": follower, "post": pid, "word": word}


def _dead(store: str) -> dict:
    port = free_port()
    return {"graph": {"BOLT_URI": f"bolt://127.0.0.1:{port}"},
            "mongo": {"MONGO_URI": f"mongodb://127.0.0.1:{port}/?directConnection=true"},
            "s3": {"S3_ENDPOINT": f"http://127.0.0.1:{port}"},
            "redis": {"REDIS_URL": f"redis://127.0.0.1:{port}/0"}}[store]


@pytest.fixture(scope="module")
def broken(app_config):
    """``broken[store]``: a test client of an app whose ``store`` is away."""
    apps, clients = [], {}
    for store in ("graph", "mongo", "s3", "redis"):
        cm = extra_app(app_config, STORE_TIMEOUT_SECONDS=0.5, **_dead(store))
        apps.append(cm)
        clients[store] = cm.__enter__().test_client()
    yield clients
    for cm in apps:
        cm.__exit__(None, None, None)


def _unavailable(r):
    assert r.status_code == 503, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.mimetype == PROBLEM and int(r.headers["Retry-After"]) > 0
    body = r.get_json()
    assert body["type"] == "/problems/store-unavailable" and "Traceback" not in r.get_data(as_text=True)


# (method, url template, json body, as whom): every one needs the store in its column
READS = {
    "graph": [("GET", "/api/v1/users/{author}/followers", None, "follower"),
              ("GET", "/api/v1/users/{author}/following", None, "follower"),
              ("GET", "/api/v1/users/{author}/posts", None, "follower"),
              ("GET", "/api/v1/users/{author}/following", None, "follower"),
              ("GET", "/api/v1/users/{author}/friends", None, "follower")],
    "mongo": [("GET", "/api/v1/users/{author}/posts", None, "follower"),
              ("GET", "/api/v1/search/posts", {"q": "{word}"}, "follower"),
              ("GET", "/api/v1/tags/{word}/posts", None, "follower"),
              ("GET", "/api/v1/posts/{post}/comments", None, "follower"),
              ("GET", "/api/v1/notifications", None, "author")],
    # every authenticated call checks the session blocklist in Redis
    "redis": [("GET", "/api/v1/me", None, "author"),
              ("GET", "/api/v1/feeds/home", None, "follower"),
              ("GET", "/api/v1/posts/{post}", None, "follower")],
}
WRITES = {
    "graph": [("PUT", "/api/v1/users/{follower}/follow", None, "author")],
    "mongo": [("POST", "/api/v1/posts", {"text": "while mongo is away"}, "author"),
              ("POST", "/api/v1/posts/{post}/comments", {"text": "while mongo is away"}, "follower")],
    "redis": [("POST", "/api/v1/posts", {"text": "while redis is away"}, "author")],
}


def _cases(table):
    return [pytest.param(store, *row, id=f"{store}-{row[0]}-{row[1]}") for store, rows in table.items() for row in rows]


def _call(client, data, method, url, body, who):
    fill = {"author": data["author"]["name"], "follower": data["follower"]["name"], "post": data["post"],
            "word": data["word"]}
    url = url.format(**fill)
    headers = data[who]["headers"]
    if method == "GET":
        params = {k: v.format(**fill) for k, v in (body or {}).items()}
        return client.get(url, query_string=params, headers=headers)
    return client.open(url, method=method, json=body, headers=headers)


def _drop_thread_copy(post_id: str) -> None:
    """The warm comment thread is a Redis copy (:data:`postcache.THREAD_KEY`) that
    needs no MongoDB: drop it so the read below has to go to MongoDB."""
    from socialgraph import stores
    from socialgraph.content import postcache

    stores.read_cache().delete(postcache.THREAD_KEY.format(id=post_id))


@pytest.mark.parametrize("store,method,url,body,who", _cases(READS))
def test_reads_answer_503_when_their_store_is_away(broken, client, ctx, data, store, method, url, body, who):
    assert _call(client, data, method, url, body, who).status_code == 200  # the healthy app answers
    _drop_thread_copy(data["post"])
    _unavailable(_call(broken[store], data, method, url, body, who))


def test_a_warm_comment_thread_is_served_while_mongodb_is_away(broken, client, ctx, data):
    """The thread's first page read once (so its Redis copy exists) is served, the same
    bytes, by an app whose MongoDB is away; without the copy the read is a 503."""
    url = "/api/v1/posts/{post}/comments"
    healthy = _call(client, data, "GET", url, None, "follower")
    assert healthy.status_code == 200 and len(healthy.get_json()["items"]) == 1
    again = _call(broken["mongo"], data, "GET", url, None, "follower")
    assert again.status_code == 200 and again.get_data() == healthy.get_data()
    _drop_thread_copy(data["post"])
    _unavailable(_call(broken["mongo"], data, "GET", url, None, "follower"))


@pytest.mark.parametrize("store,method,url,body,who", _cases(WRITES))
def test_writes_answer_503_and_write_nothing(broken, ctx, data, store, method, url, body, who):
    from socialgraph import stores

    before = stores.mongo().posts.count_documents({"author_id": data[who]["uid"]})
    _unavailable(_call(broken[store], data, method, url, body, who))
    assert stores.mongo().posts.count_documents({"author_id": data[who]["uid"]}) == before


def test_s3_outage_on_upload_and_health(broken, client, data):
    r = broken["s3"].post("/api/v1/media", data={"file": (io.BytesIO(png()), "a.png")},
                          headers=data["author"]["headers"], content_type="multipart/form-data")
    _unavailable(r)
    health = broken["s3"].get("/api/v1/health")
    assert health.status_code == 503 and health.get_json()["stores"] == {"graph": True, "documents": True, "objects": False, "cache": True}
    assert client.get("/api/v1/health").get_json()["stores"]["objects"] is True


@pytest.fixture(scope="module")
def anon(app):
    """An author (own data: the Redis-restart test edits ``data``'s post) with a
    public post carrying a fresh tag and a comment, and a followers-only post
    with the same tag and its own comment: what an anonymous reader may and
    may not see."""
    client = app.test_client()
    name = unique("anon")
    r = client.post("/api/v1/auth/register", json={"username": name, "email": f"{name}@example.test",
                                                   "password": "a long enough password"})
    assert r.status_code == 201
    uid = r.get_json()["uid"]
    verify_user(client, uid, f"{name}@example.test")
    tokens = client.post("/api/v1/auth/login", json={"login": name, "password": "a long enough password"}).get_json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    word = f"anon{uid[:8]}"
    public_text, private_text = f"seen by all #{word}", f"followers only #{word}"
    pub = client.post("/api/v1/posts", json={"text": public_text}, headers=headers).get_json()["id"]
    priv = client.post("/api/v1/posts", json={"text": private_text, "visibility": "followers"},
                       headers=headers).get_json()["id"]
    comment = client.post(f"/api/v1/posts/{pub}/comments", json={"text": "a public comment"}, headers=headers)
    assert comment.status_code == 201
    assert client.post(f"/api/v1/posts/{priv}/comments", json={"text": "a hidden comment"},
                       headers=headers).status_code == 201
    return {"name": name, "uid": uid, "word": word, "public": pub, "private": priv,
            "public_text": public_text, "private_text": private_text, "comment": comment.get_json()["id"]}


PROFILE_FIELDS = ("username", "uid", "followers_count", "following_count", "friendship", "followed_by_viewer",
                  "restricted")


def _ids(body):
    return [i["id"] for i in body["items"]]


#: what each anonymous read must serve, with Redis up and with Redis away:
#: ``(url, what is read from the body, what it must be)``
ANON_READS = {
    "post": ("/api/v1/posts/{public}",
             lambda b: (b["id"], b["text"], b["visibility"], b["author"]["username"]),
             lambda a: (a["public"], a["public_text"], "public", a["name"])),
    "profile": ("/api/v1/users/{name}",
                lambda b: [b.get(k) for k in PROFILE_FIELDS],
                lambda a: [a["name"], a["uid"], 0, 0, None, False, False]),
    "user-posts": ("/api/v1/users/{name}/posts", _ids, lambda a: [a["public"]]),
    "tag-posts": ("/api/v1/tags/{word}/posts", _ids, lambda a: [a["public"]]),
    "comments": ("/api/v1/posts/{public}/comments",
                 lambda b: [(c["id"], c["text"]) for c in b["items"]],
                 lambda a: [(a["comment"], "a public comment")]),
}
#: per-viewer decorations (the anonymous viewer gets the same either way, but a
#: counter may be served from a cache that is a moment behind)
STRIP = ("counts", "viewer")


def _strip(body):
    if isinstance(body, dict):
        return {k: _strip(v) for k, v in body.items() if k not in STRIP}
    if isinstance(body, list):
        return [_strip(v) for v in body]
    return body


@pytest.mark.parametrize("what", list(ANON_READS))
def test_anonymous_reads_work_without_redis(broken, client, anon, what):
    """Redis only caches these: with Redis away they read the stores directly
    and serve the same documents as with Redis up, and nothing more (the
    followers-only post, its comment, the address never reach an anonymous reader)."""
    template, read, expected = ANON_READS[what]
    url = template.format(**anon)
    healthy, away = client.get(url), broken["redis"].get(url)
    assert (healthy.status_code, away.status_code) == (200, 200), away.get_data(as_text=True)[:300]
    for r in (healthy, away):
        body = r.get_json()
        assert read(body) == expected(anon), body
        text = r.get_data(as_text=True)
        for secret in (anon["private"], anon["private_text"], "a hidden comment", f"{anon['name']}@example.test"):
            assert secret not in text, (what, secret)
    assert _strip(away.get_json()) == _strip(healthy.get_json())


def test_s3_outage_on_read_paths(broken, client, data):
    """Reads that need the object store's bytes (an uploaded avatar the API
    serves) answer 503; reads that only name objects (a post with an image:
    its URLs are presigned locally, no S3 round trip) and a generated avatar
    keep working, the same as with S3 up."""
    headers = data["author"]["headers"]
    up = client.put("/api/v1/me/avatar", data={"file": (io.BytesIO(png(120, 120)), "me.png", "image/png")},
                    headers=headers, content_type="multipart/form-data")
    assert up.status_code == 200, up.get_json()
    avatar = "/api/v1/avatars/{uid}/96".format(uid=data["author"]["uid"])
    media = client.post("/api/v1/media", data={"file": (io.BytesIO(png(40, 30)), "x.png", "image/png")},
                        headers=headers, content_type="multipart/form-data")
    assert media.status_code == 201, media.get_json()
    post = client.post("/api/v1/posts", json={"text": "with a picture", "media_ids": [media.get_json()["id"]]},
                       headers=headers)
    assert post.status_code == 201, post.get_json()
    pid = post.get_json()["id"]
    try:
        assert (client.get(avatar).status_code, client.get(avatar).mimetype) == (200, "image/jpeg")
        _unavailable(broken["s3"].get(avatar))
        generated = broken["s3"].get("/api/v1/avatars/{uid}/96".format(uid=data["follower"]["uid"]))
        assert (generated.status_code, generated.mimetype) == (200, "image/svg+xml")
        healthy, away = client.get(f"/api/v1/posts/{pid}"), broken["s3"].get(f"/api/v1/posts/{pid}")
        assert (healthy.status_code, away.status_code) == (200, 200), away.get_data(as_text=True)[:300]

        def attachments(body):
            return [(m["id"], m["kind"], sorted(m["urls"])) for m in body["media"]]
        assert attachments(away.get_json()) == attachments(healthy.get_json()) == [
            (media.get_json()["id"], "image", ["full"])]  # 40x30: smaller than any resized variant
    finally:  # the module's author goes back to the generated avatar and has no extra post
        assert client.delete("/api/v1/me/avatar", headers=headers).status_code == 200
        assert client.delete(f"/api/v1/posts/{pid}", headers=headers).status_code == 204


def test_malformed_token_is_401_even_with_redis_away(broken):
    """A token that does not decode never reaches the blocklist: 401, not 503."""
    r = broken["redis"].get("/api/v1/me", headers={"Authorization": "Bearer x.y.z"})
    assert r.status_code == 401 and r.get_json()["type"] == "/problems/invalid-token"


def test_cache_invalidation_while_redis_is_away(stack, app, client, data, caplog):
    """An edit made while Redis is away (a job or the CLI: the API itself
    answers 503 then) is in the store at once; readers without Redis see it;
    the copy it could not drop is logged, kept in MongoDB and dropped as soon
    as Redis answers again (Redis restarts here with its data: AOF)."""
    from socialgraph import stores
    from socialgraph.content import posts

    pid = data["post"]
    assert client.get(f"/api/v1/posts/{pid}").status_code == 200  # warm the post's cached copy
    stack.stop_one("redis")
    try:
        with app.app_context(), caplog.at_level(logging.WARNING, logger="socialgraph.stores.readcache"):
            posts.edit_post(pid, data["author"]["uid"], text="edited while redis was away")
            assert stores.mongo().posts.find_one({"_id": __import__("bson").ObjectId(pid)})["text"] == \
                "edited while redis was away"
        assert "could not invalidate" in caplog.text
        r = client.get(f"/api/v1/posts/{pid}")
        assert r.status_code == 200 and r.get_json()["text"] == "edited while redis was away"
    finally:
        stack.restart_one("redis")
    assert client.get(f"/api/v1/posts/{pid}").get_json()["text"] == "edited while redis was away"


def test_unexpected_error_is_a_generic_500_problem(app_config, caplog):
    with extra_app(app_config, TESTING=False, PROPAGATE_EXCEPTIONS=False) as other:
        @other.route("/api/v1/_boom")
        def boom():
            raise RuntimeError("secret internals: password=hunter2")

        with caplog.at_level(logging.ERROR):
            r = other.test_client().get("/api/v1/_boom")
    assert r.status_code == 500 and r.mimetype == PROBLEM
    body = r.get_json()
    assert body == {"type": body["type"], "title": "Internal server error", "status": 500,
                    "detail": "an unexpected error occurred; it has been logged", "instance": "/api/v1/_boom"}
    assert body["type"].endswith("/internal-error")
    assert "hunter2" not in r.get_data(as_text=True) and "Traceback" not in r.get_data(as_text=True)
    assert "unhandled error on GET /api/v1/_boom" in caplog.text and "hunter2" in caplog.text
