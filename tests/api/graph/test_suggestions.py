"""Friend suggestions: ranking by resource allocation, reasons, dismissals,
privacy settings, the cache after follows, the learned model and the CLI."""
from __future__ import annotations

import io
import json
import math
import random
import zipfile

import pytest

from socialgraph import stores
from socialgraph.core import clock
from socialgraph.core.areas import AREAS, ExportContext
from socialgraph.graph import suggestions, suggestions_model, suggestions_training
from socialgraph.importers import import_uid, write_friendship_graph

PROBLEM = "application/problem+json"
S = "/api/v1/me/suggestions"


def befriend(a, b):
    assert a.post(f"/api/v1/users/{b.username}/friend-request").status_code == 201
    assert b.post(f"/api/v1/me/friend-requests/{a.username}/accept").status_code == 200


def names(user, **q):
    r = user.get(S, query_string=q)
    assert r.status_code == 200, r.get_json()
    return [i["username"] for i in r.get_json()["items"]]


@pytest.fixture()
def no_model(app):
    """Suggestions ranked by the documented fallback (no stored model), restored after."""
    with app.app_context():
        db = stores.mongo()[suggestions_model.COLLECTION]
        saved = list(db.find({}))
        db.delete_many({})
        suggestions_model.forget_cached()
    yield
    with app.app_context():
        db.delete_many({})
        if saved:
            db.insert_many(saved)
        suggestions_model.forget_cached()


def test_resource_allocation_beats_raw_mutual_counts(make_user, no_model):
    """c shares two hub friends with me, d two friends who know almost nobody:
    common neighbours ties them; resource allocation (1/k per mutual friend)
    puts d first, and the reason still names the mutual friends."""
    me, h1, h2, q1, q2, c, d = (make_user(p) for p in ("ra_me", "ra_h1", "ra_h2", "ra_q1", "ra_q2", "ra_c", "ra_d"))
    for f in (h1, h2, q1, q2):
        befriend(me, f)
    befriend(h1, c)
    befriend(h2, c)
    befriend(q1, d)
    befriend(q2, d)
    extra = [make_user("ra_x") for _ in range(3)]
    for x in extra:  # h1 and h2 become hubs (5 friends each); q1, q2 have 2
        befriend(h1, x)
        befriend(h2, x)
    page = me.get(S).get_json()["items"]
    ranked = [i["username"] for i in page]
    assert ranked.index(d.username) < ranked.index(c.username)
    top = page[0]
    assert top["username"] == d.username and top["mutual_friends"] == 2
    assert top["reason"] in (f"2 mutual friends: {q1.username} and {q2.username}",
                             f"2 mutual friends: {q2.username} and {q1.username}")
    assert top["reasons"][0] == top["reason"] and isinstance(top["score"], float)
    # scores are non-increasing and the keyset cursor walks the same order
    scores = [i["score"] for i in page]
    assert scores == sorted(scores, reverse=True)
    walked, cursor = [], None
    while True:
        body = me.get(S, query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        walked += [i["username"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert walked == ranked
    r = me.get(S, query_string={"cursor": "eyJzIjogIngiLCAidWlkIjogMX0"})  # {"s": "x", "uid": 1}
    assert r.status_code == 400 and r.mimetype == PROBLEM


def test_reasons_shared_group_and_follows_you(make_user, no_model):
    me, f, s = make_user("rg_me"), make_user("rg_f"), make_user("rg_s")
    befriend(me, f)
    befriend(f, s)
    g = me.post("/api/v1/groups", json={"name": "Home Brewers", "description": "beer", "privacy": "public"})
    assert g.status_code == 201, g.get_json()
    assert s.post(f"/api/v1/groups/{g.get_json()['id']}/join").status_code == 200
    assert s.put(f"/api/v1/users/{me.username}/follow").status_code == 200
    item = me.get(S).get_json()["items"][0]
    assert item["username"] == s.username
    assert item["reasons"] == [f"1 mutual friend: {f.username}", "also in Home Brewers", "follows you"]


def test_dismiss_is_permanent_idempotent_and_exported(app, make_user, no_model):
    me, f, c, d = make_user("dm_me"), make_user("dm_f"), make_user("dm_c"), make_user("dm_d")
    befriend(me, f)
    befriend(f, c)
    befriend(f, d)
    assert set(names(me)) == {c.username, d.username}
    r = me.delete(f"{S}/{c.username}")
    assert r.status_code == 204
    assert names(me) == [d.username]  # the cached copy was dropped
    assert me.delete(f"{S}/{c.username}").status_code == 204  # idempotent
    # a new path to c does not bring c back
    g = make_user("dm_g")
    befriend(me, g)
    befriend(g, c)
    assert c.username not in names(me)
    # errors: unknown user, oneself
    r = me.delete(f"{S}/nobody_by_that_name")
    assert r.status_code == 404 and r.mimetype == PROBLEM
    r = me.delete(f"{S}/{me.username}")
    assert r.status_code == 422 and r.mimetype == PROBLEM
    # unauthenticated
    assert me.client.delete(f"{S}/{c.username}").status_code == 401
    # the data archive lists it
    area = next(a for a in AREAS if a.name == "suggestions")
    buf = io.BytesIO()
    with app.app_context(), zipfile.ZipFile(buf, "w") as zf:
        area.export(ExportContext(me.uid, me.username, "http://testserver", zf))
    dismissed = json.loads(zipfile.ZipFile(buf).read("suggestions.json"))["dismissed"]
    assert [x["username"] for x in dismissed] == [c.username] and dismissed[0]["created_at"]


def test_requests_blocks_and_friend_requests_from(app, make_user, no_model):
    me, f, a, b, c = (make_user(p) for p in ("pr_me", "pr_f", "pr_a", "pr_b", "pr_c"))
    befriend(me, f)
    for x in (a, b, c):
        befriend(f, x)
    assert set(names(me)) == {a.username, b.username, c.username}
    # a asks nobody's friendship: cannot be asked, so not suggested
    assert a.patch("/api/v1/me/privacy", json={"friend_requests_from": "nobody"}).status_code == 200
    # b sent me a friend request: pending either way is left out
    assert b.post(f"/api/v1/users/{me.username}/friend-request").status_code == 201
    # c blocks me
    assert c.put(f"/api/v1/users/{me.username}/block").status_code == 200
    assert names(me) == []
    # friends_of_friends holds for every candidate (they share a friend); another
    # user's setting reaches a cached copy at its next computation
    assert a.patch("/api/v1/me/privacy", json={"friend_requests_from": "friends_of_friends"}).status_code == 200
    with app.app_context():
        suggestions.forget(me.uid)
    assert names(me) == [a.username]


def test_a_follow_does_not_drop_the_followees_copy(app, make_user, no_model):
    hub, f, s, fan = make_user("fh_hub"), make_user("fh_f"), make_user("fh_s"), make_user("fh_fan")
    befriend(hub, f)
    befriend(f, s)
    assert names(hub) == [s.username]
    key = suggestions.CACHE_KEY.format(uid=hub.uid)
    with app.app_context():
        assert stores.cache().get(key) is not None
    assert fan.put(f"/api/v1/users/{hub.username}/follow").status_code == 200
    with app.app_context():
        assert stores.cache().get(key) is not None  # the hub's copy survives a new follower
        fan_key = suggestions.CACHE_KEY.format(uid=fan.uid)
        stores.cache().set(fan_key, "[]")
    assert fan.delete(f"/api/v1/users/{hub.username}/follow").status_code == 200
    with app.app_context():
        assert stores.cache().get(fan_key) is None  # the follower's own copy is dropped


def _community_graph(source: str, seed: int = 5) -> list[tuple[int, int]]:
    """Four dense communities of 15 with a few bridges: a graph with clear link structure."""
    rng = random.Random(seed)
    edges = set()
    for c in range(4):
        members = list(range(c * 15, c * 15 + 15))
        for i in members:
            for j in members:
                if i < j and rng.random() < 0.45:
                    edges.add((i, j))
    for _ in range(12):
        a, b = rng.randrange(60), rng.randrange(60)
        if a != b:
            edges.add((min(a, b), max(a, b)))
    return sorted(edges)


def test_train_stores_a_versioned_model_used_at_serving(app, no_model):
    source = f"test-suggest-{random.randrange(10**9)}"
    edges = _community_graph(source)
    with app.app_context():
        users = [{"uid": import_uid(source, n), "username": f"ts{n}_{source[-6:]}", "display_name": f"T {n}",
                  "source": source, "created_at": clock.now()} for n in range(60)]
        write_friendship_graph(source, users, edges, clock.now(), 500)
        me = import_uid(source, 0)
        before = suggestions.compute(me)
        assert suggestions_model.current() is None  # the fallback ranks before any model
        assert before and all(i["mutual_friends"] >= 1 for i in before)
        doc = suggestions_training.train(source=source, users=40, seed=1, kind="logistic-regression")
        assert doc["version"] == 1 and doc["kind"] == "logistic-regression"
        assert doc["metrics"]["positives"] > 0 and doc["metrics"]["auc"] is not None
        doc2 = suggestions_training.train(source=source, users=40, seed=2, kind="lightgbm-binary")
        assert doc2["version"] == 2 and doc2["kind"] == "lightgbm-binary"
        assert doc2["walk"] is True and doc2["pool"] == suggestions_training.POOL and len(doc2["hubs"]) == 30
        model = suggestions_model.current()
        assert model["version"] == 2
        after = suggestions.compute(me)
        # the same candidates, re-ranked, and the hubs the model asks for
        assert {i["uid"] for i in before} <= {i["uid"] for i in after}
        expected = suggestions_model.scores(suggestions.candidates(me, **suggestions.generation(model)), model)
        assert sorted((round(s, 6) for s in expected), reverse=True) == [i["score"] for i in after]
        # the CLI prints the same ranking, keyed by username
        out = app.test_cli_runner().invoke(args=["suggestions", "for", users[0]["username"], "--limit", "3", "--json"])
        assert out.exit_code == 0, out.output
        body = json.loads(out.output)
        assert body["_model"] == {"version": 2, "kind": "lightgbm-binary"}
        assert [i["username"] for i in body[users[0]["username"]]] == [i["username"] for i in after[:3]]
        assert all(i["reasons"] and "score" in i for i in body[users[0]["username"]])
        bad = app.test_cli_runner().invoke(args=["suggestions", "for", "no_such_user_here", "--json"])
        assert bad.exit_code != 0 and "no user named" in bad.output
        trained = app.test_cli_runner().invoke(args=["suggestions", "train", "--source", source, "--users", "30"])
        assert trained.exit_code == 0, trained.output
        out3 = json.loads(trained.output)
        assert out3["version"] == 3 and out3["params"]["kind"] == "auto"
        assert list(out3["metrics"]["validation"]) == list(suggestions_model.AUTO_KINDS)


def test_hubs_get_tighter_bounds(app, monkeypatch):
    """A viewer with more than HUB_FRIENDS friends expands only HUB_FANOUT of
    them; at or below it, every friend (here 4 friends, each with 1 friend of
    their own, so 4 candidates)."""
    source = f"test-hub-{random.randrange(10**9)}"
    edges = [(0, f) for f in range(1, 5)] + [(f, f + 4) for f in range(1, 5)]
    with app.app_context():
        users = [{"uid": import_uid(source, n), "username": f"th{n}_{source[-6:]}", "display_name": f"H {n}",
                  "source": source, "created_at": clock.now()} for n in range(9)]
        write_friendship_graph(source, users, edges, clock.now(), 500)
        me = import_uid(source, 0)
        monkeypatch.setattr(suggestions, "HUB_FRIENDS", 4)
        monkeypatch.setattr(suggestions, "HUB_FANOUT", 2)
        assert len(suggestions.candidates(me)) == 4
        monkeypatch.setattr(suggestions, "HUB_FRIENDS", 3)
        assert len(suggestions.candidates(me)) == 2
        assert len(suggestions.candidates(me, fanout=300)) == 4  # explicit bounds win


def test_walk_feature_and_hub_candidates_match_an_independent_computation(app, no_model):
    """p3(s) = sum over s's friends w of p2(w)/k(w) (p2: the 2-step walk from
    the viewer through its friends), from the Cypher of list_candidates and
    list_walk_scores, equals a plain-Python computation on the same edges; a
    hub candidate not reached in two steps comes with mutual 0 and the reason
    "5 friends"."""
    source = f"test-walk-{random.randrange(10**9)}"
    edges = [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (2, 4), (3, 5), (4, 6), (7, 5), (7, 6), (7, 8), (7, 9), (7, 10)]
    adj: dict[int, set] = {}
    for a, b in edges:
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set()).add(a)
    p2: dict[int, float] = {}
    for f in adj[0]:
        for w in adj[f] - {0}:
            p2[w] = p2.get(w, 0.0) + 1.0 / len(adj[f])
    with app.app_context():
        users = [{"uid": import_uid(source, n), "username": f"tw{n}_{source[-6:]}", "display_name": f"W {n}",
                  "source": source, "created_at": clock.now()} for n in range(11)]
        write_friendship_graph(source, users, edges, clock.now(), 500)
        node = {import_uid(source, n): n for n in range(11)}
        got = suggestions.candidates(import_uid(source, 0), walk=True, hubs=[import_uid(source, 7)])
        by = {node[c["uid"]]: c for c in got}
        assert sorted(by) == [3, 4, 7]
        for s, c in by.items():
            expected = sum(p2.get(w, 0.0) / len(adj[w]) for w in adj[s])
            assert c["p3"] == pytest.approx(expected, abs=1e-12)
        assert by[3]["p3"] == pytest.approx((1 / 4) / 3 + (1 / 3) / 4)  # via 1 (p2 1/4, 3 friends) and 2
        assert by[7]["mutual"] == 0 and by[7]["display_name"] == "W 7"
        assert suggestions.reasons(by[7]) == ["5 friends"]
        assert all(c["p3"] == 0.0 for c in suggestions.candidates(import_uid(source, 0)))  # walk off by default


def test_resource_allocation_kind_is_stored_with_its_own_generation(app, no_model):
    """The resource-allocation kind (the simplest of the model selection)
    stores the plain pool, no hubs, no walk and the wider bounds; served, its
    ranking is the candidates by resource allocation."""
    source = f"test-ra-{random.randrange(10**9)}"
    edges = _community_graph(source)
    with app.app_context():
        users = [{"uid": import_uid(source, n), "username": f"tr{n}_{source[-6:]}", "display_name": f"R {n}",
                  "source": source, "created_at": clock.now()} for n in range(60)]
        write_friendship_graph(source, users, edges, clock.now(), 500)
        doc = suggestions_training.train(source=source, users=30, seed=3, kind="resource-allocation")
        assert doc["kind"] == "resource-allocation" and doc["pool"] == suggestions.POOL
        assert doc["hubs"] == [] and doc["walk"] is False and doc["bounds"] == suggestions_training.WIDE_BOUNDS
        assert list(doc["metrics"]["validation"]) == ["resource-allocation"]
        me = import_uid(source, 0)
        got = suggestions.compute(me)
        cands = suggestions.candidates(me)
        assert [i["uid"] for i in got] == [c["uid"] for c in sorted(cands, key=lambda c: (-round(math.log(c["ra"] + 1e-6), 6), c["uid"]))]


def test_a_hub_candidate_reached_outside_the_pool_keeps_its_own_counts(app, no_model):
    """A model's hub candidate that is a friend of a friend but ranks below
    the pool by resource allocation comes with its own mutual count, RA and
    reason (it came back as unreached, mutual 0, with a pool of 1); the hub
    in the pool, and one not reached, are unchanged."""
    source = f"test-hubpool-{random.randrange(10**9)}"
    # viewer 0, friends 1 and 2; 1 reaches 3 (RA 1/2 + 1/3 via 1 and 2); 2 also reaches the hub 5 (RA 1/3);
    # 5 has 4 more friends (6..9); 10 is a hub nobody of 0's friends knows
    edges = [(0, 1), (0, 2), (1, 3), (2, 3), (2, 5)] + [(5, n) for n in range(6, 10)] + [(10, n) for n in range(6, 10)]
    with app.app_context():
        users = [{"uid": import_uid(source, n), "username": f"hp{n}_{source[-6:]}", "display_name": f"P {n}",
                  "source": source, "created_at": clock.now()} for n in range(11)]
        write_friendship_graph(source, users, edges, clock.now(), 500)
        node = {import_uid(source, n): n for n in range(11)}
        me, hubs = import_uid(source, 0), [import_uid(source, 5), import_uid(source, 10)]
        by = {node[c["uid"]]: c for c in suggestions.candidates(me, pool=1, hubs=hubs)}
        assert sorted(by) == [3, 5, 10]
        assert by[3]["mutual"] == 2 and by[3]["ra"] == pytest.approx(1 / 2 + 1 / 3)
        assert by[5]["mutual"] == 1 and by[5]["ra"] == pytest.approx(1 / 3) and by[5]["sample"] == [f"hp2_{source[-6:]}"]
        assert suggestions.reasons(by[5])[0] == f"1 mutual friend: hp2_{source[-6:]}"
        assert by[10]["mutual"] == 0 and by[10]["username"] == f"hp10_{source[-6:]}" and by[10]["degree"] == 4
        # the same counts whatever the pool: the pool only decides who else comes along
        wide = {node[c["uid"]]: c for c in suggestions.candidates(me, pool=200, hubs=hubs)}
        assert {n: (c["mutual"], c["ra"]) for n, c in wide.items()} == {n: (c["mutual"], c["ra"]) for n, c in by.items()}


def test_stored_friend_counts_replace_counting(app, no_model):
    """``degrees`` (a model's snapshot of the high-degree users' friend
    counts) is used instead of counting, for intermediaries (RA = 1/k) and
    candidates alike; users not in it are counted. Training stores the
    snapshot of users with at least DEGREE_FLOOR friends and serving passes it on."""
    source = f"test-deg-{random.randrange(10**9)}"
    edges = [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)]
    with app.app_context():
        users = [{"uid": import_uid(source, n), "username": f"dg{n}_{source[-6:]}", "display_name": f"D {n}",
                  "source": source, "created_at": clock.now()} for n in range(5)]
        write_friendship_graph(source, users, edges, clock.now(), 500)
        u = {n: import_uid(source, n) for n in range(5)}
        [plain] = suggestions.candidates(u[0])
        assert plain["uid"] == u[3] and plain["ra"] == pytest.approx(1.0) and plain["degree"] == 3
        [snap] = suggestions.candidates(u[0], degrees={u[1]: 4, u[3]: 40})
        assert snap["ra"] == pytest.approx(1 / 4 + 1 / 2) and snap["degree"] == 40
        pop = [{"uid": u[n], "friends": k} for n, k in ((0, 150), (1, 99), (2, 100), (3, 3000))]
        assert suggestions_training.high_degrees(pop) == {u[3]: 3000, u[2]: 100, u[0]: 150} and \
            list(suggestions_training.high_degrees(pop)) == [u[3], u[0], u[2]]
        assert suggestions.generation({"degrees": {u[3]: 40}})["degrees"] == {u[3]: 40}
        assert suggestions.generation(None) == {}


def test_degree_scaled_walk_reaches_what_the_fixed_bound_dropped(app, no_model, monkeypatch):
    """Viewer 0 has 2 friends (1 and 2); 3 and 4 are reached in two steps
    with p2 1/2 each and are friends, so each one's p3 is p2(other)/k(other)
    = 1/4. With a walk set of WALK = 1 user, the fixed bound looks up only
    one of them: one candidate's p3 is lost. The degree-scaled bound
    (walk_scale C = 4: 2 friends, times max(1, 4/2) = 2) gives both their
    exact p3; a hub viewer (HUB_FRIENDS = 1) keeps the fixed bound."""
    source = f"test-walkscale-{random.randrange(10**9)}"
    edges = [(0, 1), (0, 2), (1, 3), (2, 4), (3, 4)]
    with app.app_context():
        users = [{"uid": import_uid(source, n), "username": f"tx{n}_{source[-6:]}", "display_name": f"X {n}",
                  "source": source, "created_at": clock.now()} for n in range(5)]
        write_friendship_graph(source, users, edges, clock.now(), 500)
        me = import_uid(source, 0)
        node = {import_uid(source, n): n for n in range(5)}
        monkeypatch.setattr(suggestions, "WALK", 1)

        def p3(**kw):
            return {node[c["uid"]]: c["p3"] for c in suggestions.candidates(me, walk=True, **kw)}

        fixed = p3()
        assert sorted(fixed) == [3, 4] and sorted(fixed.values()) == [0.0, pytest.approx(0.25)]
        assert p3(walk_scale=4) == {3: pytest.approx(0.25), 4: pytest.approx(0.25)}
        monkeypatch.setattr(suggestions, "HUB_FRIENDS", 1)
        assert sorted(p3(walk_scale=4).values()) == [0.0, pytest.approx(0.25)]


def test_walk_scale_is_stored_with_the_learned_kinds_only(app, no_model):
    """A learned kind is trained, validated and served with the degree-scaled
    walk bound (``walk_scale`` stored, passed on by ``generation``); the
    resource-allocation kind has no walk; a model stored before the scaled
    bound (no ``walk_scale``) keeps the fixed one."""
    source = f"test-walkscale-train-{random.randrange(10**9)}"
    edges = _community_graph(source)
    with app.app_context():
        users = [{"uid": import_uid(source, n), "username": f"ty{n}_{source[-6:]}", "display_name": f"Y {n}",
                  "source": source, "created_at": clock.now()} for n in range(60)]
        write_friendship_graph(source, users, edges, clock.now(), 500)
        doc = suggestions_training.train(source=source, users=30, seed=4, kind="logistic-regression")
        assert doc["walk_scale"] == suggestions.WALK_SCALE_FRIENDS
        assert suggestions.generation(doc)["walk_scale"] == suggestions.WALK_SCALE_FRIENDS
        assert doc["_fitted"]["logistic-regression"]["walk_scale"] == suggestions.WALK_SCALE_FRIENDS
        old = {k: v for k, v in doc.items() if k != "walk_scale"}
        assert suggestions.generation(old)["walk_scale"] == 0.0
        ra = suggestions_training.train(source=source, users=30, seed=4, kind="resource-allocation")
        assert ra["walk"] is False and ra["walk_scale"] == 0.0
