"""After an account is deleted, no store holds its uid or username: every
graph node and relationship property, every document of every MongoDB
collection, every S3 key, every Redis key name and string/hash/list/set value
(RQ job hashes decompressed)."""
from __future__ import annotations

import json
import zlib

from socialgraph import stores
from tests.api.mastodon.conftest import token_through_test_client
from tests.api.portability.test_portability import _populated, _put_media


def _graph_hits(needles):
    hits = []
    with stores.graph().driver.session(database=stores.graph().database) as s:
        for q in ("MATCH (n) RETURN labels(n) AS what, properties(n) AS props",
                  "MATCH ()-[r]->() RETURN type(r) AS what, properties(r) AS props"):
            for rec in s.run(q):
                text = json.dumps(rec["props"], default=str)
                hits += [(rec["what"], n, text[:200]) for n in needles if n in text]
    return hits


def _mongo_hits(needles):
    db, hits = stores.mongo(), []
    for name in db.list_collection_names():
        for doc in db[name].find({}):
            text = json.dumps(doc, default=str)
            hits += [(name, n, text[:200]) for n in needles if n in text]
    return hits


def _s3_hits(app, needles):
    objs = stores.objects().list_objects(app.config["S3_BUCKET"], recursive=True)
    return [o.object_name for o in objs if any(n in o.object_name for n in needles)]


def _redis_values(r, key: bytes) -> list[bytes]:
    kind = r.type(key)
    if kind == b"string":
        return [r.get(key) or b""]
    if kind == b"hash":
        out = []
        for field, value in r.hgetall(key).items():
            out.append(field)
            if field == b"data":  # an RQ job's call: zlib-compressed pickle
                try:
                    value = zlib.decompress(value)
                except zlib.error:
                    pass
            out.append(value)
        return out
    if kind == b"list":
        return r.lrange(key, 0, -1)
    if kind == b"set":
        return list(r.smembers(key))
    if kind == b"zset":
        return r.zrange(key, 0, -1)
    if kind == b"stream":
        return [v for _, fields in r.xrange(key) for kv in fields.items() for v in kv]
    return []


def _redis_hits(needles):
    r, hits = stores.cache(), []
    raw = [n.encode() for n in needles]
    for key in r.scan_iter(count=1000):
        for n in raw:
            if n in key:
                hits.append((key, n, "key name"))
                continue
            for value in _redis_values(r, key):
                if value and n in value:
                    hits.append((key, n, value[:200]))
                    break
    return hits


def test_deleted_account_leaves_nothing_in_any_store(app, client, make_user):
    owner, friend, pest, p1, p2, fp, c1 = _populated(make_user)
    _put_media(app, owner.uid)
    shared = owner.extra["shared"]["id"]
    # the leftovers issue 16 found: a ban made by the owner, a conversation the owner created
    # (friend stays in it), RQ job hashes carrying the uid
    assert pest.post(f"/api/v1/groups/{shared}/join").status_code == 200
    r = owner.put(f"/api/v1/groups/{shared}/bans/{pest.username}")
    assert r.status_code == 200, r.get_json()
    owner.get("/api/v1/feeds/home")
    owner.post("/api/v1/me/exports")
    client.post("/api/v1/auth/login", json={"login": owner.username, "password": "a wrong password"})
    # a Mastodon app's OAuth session (issue 24): its token, a marker, a rate-limit count
    token = token_through_test_client(client, owner)
    mastodon = {"Authorization": f"Bearer {token}"}
    assert client.get("/mastodon/api/v1/accounts/verify_credentials", headers=mastodon).status_code == 200
    assert client.post("/mastodon/api/v1/markers", data={"home[last_read_id]": "1"},
                       headers=mastodon).status_code == 200
    needles = [owner.uid, owner.username]
    with app.app_context():
        assert _graph_hits(needles) and _mongo_hits(needles) and _redis_hits(needles)
    r = owner.post("/api/v1/me/deletion", json={"password": owner.password})
    assert r.status_code == 202
    with app.app_context():
        assert _graph_hits(needles) == []
        assert _mongo_hits(needles) == []
        assert _s3_hits(app, needles) == []
        hits = _redis_hits(needles)
        assert not hits, sorted({(h[0].decode(), str(h[2])[:300])
                                 for h in hits})
    # the others keep what is theirs: the conversation, the ban
    conv = owner.extra["conversation"]
    assert friend.get(f"/api/v1/conversations/{conv}/messages").status_code == 200
    assert pest.post(f"/api/v1/groups/{shared}/join").status_code == 403
