"""Friend suggestions ("people you may know").

Algorithm (README "Friend suggestions"):

1. **Context**: the viewer's own relationships, as lists in one row
   (``graph/suggestions/list_viewer_context``): friends (the intermediaries)
   and everyone ruled out: the viewer, friends, users they follow, pending
   friend requests either way, follow requests they sent, blocks either
   way, users they mute and suggestions they dismissed
   (``DELETE /me/suggestions/{username}``).
2. **Bounded candidate generation by the score's own math**: a candidate's
   resource-allocation score is the sum over mutual friends ``f`` of
   ``1/k(f)`` (T. Zhou, L. Lü and Y.-C. Zhang, "Predicting missing links via
   local information", Eur. Phys. J. B 71, 2009), so an intermediary with
   ``k`` friends adds at most ``1/k`` to any candidate while costing ``k``
   expansions. Intermediaries with more than ``max_degree`` friends are
   skipped; at most ``fanout`` friends are considered (``HUB_FANOUT`` for a viewer
   with more than ``HUB_FRIENDS`` friends, also ``HUB_MAX_PATHS``; a sample seeded by the
   viewer's uid beyond that), and they are expanded cheapest-first until ``max_paths``
   friend-of-friend paths. For users under those bounds (everyone but hubs)
   the candidate set and its counts are exact.
3. **Features** of the best ``pool`` by resource allocation
   (``graph/suggestions/list_candidate_features``): mutual friends, resource
   allocation and Adamic-Adar sums (L. Adamic and E. Adar, "Friends and
   neighbors on the Web", Social Networks 2003), both friend counts (the
   preferential-attachment term), lists both are in and whether the viewer
   listed the candidate, shared groups, "follows you", interactions
   (``INTERACTED_WITH`` both ways) and, when the model asks for it, the
   3-step random-walk probability p3 (``graph/suggestions/list_walk_scores``:
   expanded from the users most reached in two steps, skipping those with
   more than ``max_degree`` friends, biggest contribution first, at most
   ``WALK_PATHS`` expansions, ``HUB_WALK_PATHS`` for a hub viewer; for a
   viewer who is no hub, both bounds scaled by their friend count under a
   model trained so: :func:`walk_bounds`). A model
   may also ask for a bigger pool, the graph's highest-degree users as extra
   candidates (with their own mutual count and sums when reached in two
   steps, wherever they rank), wider bounds for viewers who are no hubs,
   and brings the friend counts of the graph's high-degree users as of its
   training (``degrees``), used instead of counting them per request
   (:func:`generation`).
4. **Ranking** in Python by the learned model of
   :mod:`socialgraph.graph.suggestions_model` (trained by ``socialgraph
   suggestions train``), or its documented fallback before any model exists.
   Candidates whose ``friend_requests_from`` is ``nobody`` are left out (they
   cannot be asked); ``friends_of_friends`` always holds for a candidate.

Each suggestion carries reasons ("3 mutual friends: a, b and 1 other",
"also in Home Brewers", "follows you"); ``reason`` is the first. Lists are
private to their owners and never named in a reason.

Heavy users (at least ``SUGGESTIONS_HEAVY_FRIENDS`` friends) get the ranked
top ``MAX_SUGGESTIONS`` precomputed by an RQ job (``jobs.graph``) and cached
in Redis (``sg:suggest:<uid>``, ``SUGGESTIONS_CACHE_SECONDS``); everyone else
is computed on demand and cached. A graph change drops the affected caches (the two
users, and for friendship changes their friends, whose friends-of-friends
changed) and re-queues the precomputation for heavy users involved; blocks
are also filtered on every read, so a stale cache never shows a blocked user.
"""
from __future__ import annotations

import json
import logging
import math
import random
from collections.abc import Callable

from flask import current_app
from redis.exceptions import RedisError

from socialgraph import stores
from socialgraph.core import clock
from socialgraph.core.areas import ExportContext, register_area
from socialgraph.core.errors import MalformedRequest, NotFound, ValidationFailed
from socialgraph.core.pagination import Page, clamp_limit, decode_cursor, encode_cursor
from socialgraph.graph import suggestions_model
from socialgraph.graph.people import resolve_uid
from socialgraph.graph.relations import CACHE_KEY as RELATIONS_KEY
from socialgraph.graph.relations import blocked_either_way
from socialgraph.stores import readcache

log = logging.getLogger(__name__)

CACHE_KEY = "sg:suggest:{uid}"
MAX_SUGGESTIONS = 200

#: bounds of the candidate generation (README "Friend suggestions"; the
#: benchmark, bench/bench_suggestions.py, reports what each costs in precision)
FANOUT = 300         # intermediaries considered (a seeded sample of the friends beyond it)
MAX_DEGREE = 2000    # intermediaries with more friends are skipped (add <= 1/2000 each)
MAX_PATHS = 6000     # friend-of-friend paths expanded, cheapest intermediaries first
POOL = 60            # candidates featurised and ranked by the model (a model may ask for more)
#: bounds of the 3-step walk feature (``list_walk_scores``): the `WALK` users
#: most reached in two steps are looked up; those with at most `MAX_DEGREE`
#: friends are expanded, biggest contribution p2/k first, up to `WALK_PATHS`
#: expansions (`HUB_WALK_PATHS` for a hub viewer)
WALK = 300
WALK_PATHS = 4000
HUB_WALK_PATHS = 1000
#: the degree-scaled walk bound (a model's ``walk_scale``; :func:`walk_bounds`):
#: a viewer who is no hub with ``n`` friends gets both walk bounds times
#: ``max(1, WALK_SCALE_FRIENDS / n)`` (README "Friend suggestions")
WALK_SCALE_FRIENDS = 1000
#: hubs (more than HUB_FRIENDS friends) get tighter bounds: their sample of
#: friends is a small share of them anyway, and on MUSAE the tighter bounds
#: cost no precision (README "Friend suggestions"); below it nothing changes
HUB_FRIENDS = 1000
HUB_FANOUT = 100
HUB_MAX_PATHS = 2000


def walk_bounds(friends: int, scale: float = 0.0) -> tuple[int, int]:
    """``(walk, budget)``: how many of the users most reached in two steps the
    3-step walk feature looks up, and how many expansions it may spend
    (:func:`_walk_scores`), for a viewer with ``friends`` friends (not
    counting hidden ones). A hub (more than :data:`HUB_FRIENDS`) gets
    :data:`WALK` / :data:`HUB_WALK_PATHS`; with ``scale`` 0 (models trained
    before the scaled bound) everyone else :data:`WALK` / :data:`WALK_PATHS`.
    With ``scale`` C > 0, a viewer who is no hub gets both times
    ``s = max(1, C / friends)``: the bounds are for the latency of hubs, and
    a viewer's walk costs about ``friends x (mean friends of a friend) x
    (mean friends of those)`` expansions unbounded, so dividing by the
    friend count keeps the budget's reach about the same per friend. Measured
    in memory on MUSAE (``bench/explore_suggestion_walk.py --scaled``, the
    benchmark's 500 users, logistic, P@10 / hit@10): fixed 0.0376 / 0.290,
    C = 1,000 0.0390 / 0.306, exact walk 0.0392 / 0.308; the cost over those
    users: p50 65,000, p95 150,000, max 189,000 expansions (fixed: at most
    4,000), walk set p50 1,424 users. Hubs' bounds do not move."""
    if friends > HUB_FRIENDS:
        return WALK, HUB_WALK_PATHS
    s = max(1.0, scale / max(friends, 1)) if scale else 1.0
    return int(WALK * s), int(WALK_PATHS * s)


def reason(mutual: int, sample: list[str]) -> str:
    """Human reason of a suggestion: "1 mutual friend: a", "2 mutual friends: a
    and b", "3 mutual friends: a, b and 1 other", "7 mutual friends: a, b and 5 others"."""
    noun = "mutual friend" if mutual == 1 else "mutual friends"
    names = list(sample[:2])
    if not names:
        return f"{mutual} {noun}"
    rest = mutual - len(names)
    if rest <= 0:
        listed = " and ".join(names)
    else:
        listed = ", ".join(names) + f" and {rest} other" + ("s" if rest > 1 else "")
    return f"{mutual} {noun}: {listed}"


def _context(uid: str) -> dict:
    """The viewer's friends and everyone excluded (step 1)."""
    rows = stores.graph().read("graph/suggestions/list_viewer_context", uid=uid)
    if not rows:
        return {"friends": [], "exclude": {uid}}
    r = rows[0]
    friends = sorted(set(r["friends"] or []))
    return {"friends": friends, "exclude": {uid, *friends, *(r["sent"] or []), *(r["either"] or [])}}


def _intermediaries(uid: str, friends: list[str], fanout: int, max_degree: int, max_paths: int,
                    known: dict | None = None) -> list[dict]:
    """The friends expanded, as ``list_candidates`` ``$via`` rows (the bounds of
    step 2): a seeded sample of ``fanout`` friends (all of them below it),
    without those with more than ``max_degree`` friends, cheapest first up to
    ``max_paths`` paths. ``known``: ``{uid: friends}`` not counted again (a
    model's snapshot of the high-degree users)."""
    chosen = friends if len(friends) <= fanout else sorted(random.Random(uid).sample(friends, fanout))
    if not chosen:
        return []
    rows = stores.graph().read("graph/suggestions/list_intermediary_degrees", uids=chosen, known=_known(known, chosen))
    triples = sorted(((k, f, name) for f, name, k in (rows[0]["degrees"] if rows else [])))
    via, paths = [], 0
    for k, f, name in triples:
        if k < 2 or k > max_degree:
            continue  # a friend with only the viewer reaches nobody; a hub adds <= 1/k to any score
        if paths + k > max_paths:
            break
        paths += k
        via.append({"uid": f, "username": name, "ra": 1.0 / k, "aa": 1.0 / math.log(k)})
    return via


def _known(known: dict | None, uids) -> dict:
    """The entries of ``known`` (``{uid: friends}``) about ``uids``: the map parameter stays small."""
    return {u: known[u] for u in uids if u in known} if known else {}


def _interaction_total(rows: list[dict]) -> float:
    total = 0.0
    for i in rows or []:
        total += sum(float(i.get(k) or 0) for k in ("reactions", "comments", "mentions", "shares", "messages"))
    return total


def _walk_scores(walk: list[dict], cands: list[str], max_degree: int, budget: int,
                 known: dict | None = None) -> dict[str, float]:
    """p3 of the candidates ``cands`` (``{uid: p3}``) from the 2-step walk
    ``walk`` (``[{uid, p2}]``, most reached first) under the bounds: a step
    through ``w`` adds ``p2(w)/k(w)`` to each friend of ``w`` and costs
    ``k(w)`` expansions, so users with more than ``max_degree`` friends are
    skipped and the biggest contributions go first until ``budget``.
    ``known``: friend counts not counted again (:func:`_intermediaries`)."""
    if not walk or not cands:
        return {}
    g = stores.graph()
    p2 = {w["uid"]: w["p2"] for w in walk}
    rows = g.read("graph/suggestions/list_intermediary_degrees", uids=list(p2), known=_known(known, p2))
    steps, paths = [], 0
    for q, k, w in sorted(((-p2[w] / k, k, w) for w, _, k in (rows[0]["degrees"] if rows else []) if k >= 1)):
        if k > max_degree or paths + k > budget:
            continue
        paths += k
        steps.append({"uid": w, "q": -q})
    if not steps:
        return {}
    out = g.read("graph/suggestions/list_walk_scores", steps=steps, cands={c: True for c in cands})
    return {r["uid"]: r["p3"] for r in (out[0]["walks"] if out else [])}


def candidates(uid: str, *, hide: float = 0.0, fanout: int | None = None,
               max_degree: int = MAX_DEGREE, max_paths: int | None = None, pool: int = POOL,
               hubs: list[str] | tuple = (), walk: bool = False, wide: dict | None = None,
               degrees: dict | None = None, walk_scale: float = 0.0) -> list[dict]:
    """The featurised candidates of ``uid`` (steps 1-3), unranked:
    ``[{uid, username, display_name, mutual, ra, aa, degree, my_degree, co_lists,
    in_my_lists, shared_groups, groups_named, follows_me, interactions, sample,
    friend, p3}]``. ``hubs``: uids added as candidates whatever their
    resource allocation (a model's hub list: the graph's highest-degree
    users, with their own mutual count and sums when reached in two steps
    wherever they rank, mutual 0 if not reached); ``walk``: compute ``p3``, the bounded
    3-step walk feature (:func:`_walk_scores`; 0.0 otherwise) under
    :func:`walk_bounds` (``walk_scale``: 0 the fixed bound, C the
    degree-scaled one, :data:`WALK_SCALE_FRIENDS` for models trained with it). ``wide``:
    ``{fanout, max_paths}`` replacing :data:`FANOUT` and :data:`MAX_PATHS`
    for a viewer who is no hub (a model's own bounds). ``degrees``: ``{uid:
    friends}`` used instead of counting (a model's snapshot of the graph's
    high-degree users; counting costs one step per friend). ``fanout`` and ``max_paths`` default to :data:`FANOUT` and
    :data:`MAX_PATHS`, or :data:`HUB_FANOUT` and :data:`HUB_MAX_PATHS` for a
    viewer with more than :data:`HUB_FRIENDS` friends. ``hide`` (training only): that share of the viewer's
    friendships (at least one, seeded by the uid) is treated as unknown, as
    in the benchmark's protocol: those friends are neither intermediaries nor
    excluded, and come back as candidates with ``friend``: True."""
    g = stores.graph()
    ctx = _context(uid)
    friends = ctx["friends"]
    exclude = ctx["exclude"]
    friend_set: set[str] = set()
    if hide and friends:
        friend_set = set(random.Random(uid).sample(friends, max(1, round(len(friends) * hide))))
        friends = [f for f in friends if f not in friend_set]
        exclude = exclude - friend_set
    hub = len(friends) > HUB_FRIENDS
    wide = wide or {}
    if fanout is None:
        fanout = HUB_FANOUT if hub else wide.get("fanout", FANOUT)
    if max_paths is None:
        max_paths = HUB_MAX_PATHS if hub else wide.get("max_paths", MAX_PATHS)
    known = degrees or {}
    via = _intermediaries(uid, friends, fanout, max_degree, max_paths, known)
    if not via:
        return []
    walk_size, walk_budget = walk_bounds(len(friends), walk_scale)
    got = g.read("graph/suggestions/list_candidates", uid=uid, via=via, exclude={u: True for u in exclude},
                 pool=pool, walk=walk_size if walk else 0, hubs={h: True for h in hubs})
    rows = got[0]["candidates"] if got else []
    seen = {r["uid"] for r in rows}
    reached = {r["uid"]: r for r in (got[0]["hubs"] if got else [])}
    for h in hubs:
        if h in seen or h in exclude or h == uid:
            continue
        seen.add(h)  # reached in two steps: its own counts; else mutual 0 (username from the features)
        rows.append(reached.get(h) or {"uid": h, "username": None, "display_name": None, "mutual": 0, "ra": 0.0,
                                       "aa": 0.0, "sample": []})
    if not rows:
        return []
    p3 = _walk_scores(got[0]["walk"], [r["uid"] for r in rows], max_degree, walk_budget,
                      known) if walk and got else {}
    mine = g.read("graph/suggestions/get_viewer_memberships", uid=uid)
    mine = mine[0] if mine else {"groups": [], "lists": [], "owned": []}
    my_groups = {gr["uid"]: gr["name"] for gr in mine["groups"] or []}
    my_lists, owned = set(mine["lists"] or []), set(mine["owned"] or [])
    feats = g.read("graph/suggestions/list_candidate_features", uid=uid, uids=[r["uid"] for r in rows],
                   known=_known(known, seen))
    feats = {f["uid"]: f for f in (feats[0]["features"] if feats else [])}
    out = []
    for r in rows:
        f = feats.get(r["uid"])
        if f is None:
            continue
        is_friend = r["uid"] in friend_set
        if not hide and (f["friend_requests_from"] == "nobody" or
                         (r["mutual"] == 0 and f["friend_requests_from"] == "friends_of_friends")):
            continue  # cannot be asked (a hub candidate not reached in two steps is no friend of a friend)
        lists = set(f["lists"] or [])
        shared = [my_groups[gid] for gid in (f["groups"] or []) if gid in my_groups]
        out.append({"uid": r["uid"], "username": r["username"] or f["username"], "display_name": r["display_name"],
                    "mutual": r["mutual"], "ra": r["ra"], "aa": r["aa"], "degree": f["degree"],
                    "my_degree": len(friends), "co_lists": len(lists & my_lists), "in_my_lists": len(lists & owned),
                    "shared_groups": len(shared), "groups_named": sorted(shared)[:1],
                    "follows_me": bool(f["follows_me"]) and not is_friend,
                    "interactions": _interaction_total(f["interactions"]),
                    "sample": r["sample"], "friend": is_friend, "p3": p3.get(r["uid"], 0.0),
                    **({"display_name": f["display_name"]} if r["display_name"] is None else {})})
    return out


def reasons(c: dict) -> list[str]:
    """The reasons shown for candidate ``c``, strongest first."""
    if c["mutual"]:
        out = [reason(c["mutual"], c["sample"])]
    else:  # a hub candidate, reached by the walk feature only
        out = [f"{c['degree']} friends" if c["degree"] != 1 else "1 friend"]
    if c.get("groups_named"):
        out.append(f"also in {c['groups_named'][0]}")
    if c.get("follows_me"):
        out.append("follows you")
    return out


def generation(model: dict | None) -> dict:
    """The :func:`candidates` options a stored model was validated with
    (``pool``, ``hubs``, ``walk``, ``wide``, ``degrees``: the friend counts
    of the graph's high-degree users at training time, ``walk_scale``: 0 for
    models stored before the degree-scaled walk bound, :func:`walk_bounds`);
    the defaults before any model."""
    if not model:
        return {}
    return {"pool": int(model.get("pool", POOL)), "hubs": list(model.get("hubs") or []),
            "walk": bool(model.get("walk")), "wide": dict(model.get("bounds") or {}),
            "degrees": dict(model.get("degrees") or {}), "walk_scale": float(model.get("walk_scale") or 0.0)}


def compute(uid: str, **bounds) -> list[dict]:
    """The ranked suggestions of ``uid`` from the graph (at most ``MAX_SUGGESTIONS``),
    best first: ``[{uid, username, display_name, mutual_friends, score, reason,
    reasons}]``; ``score`` is the model's log-odds (the fallback's score before
    any model, :mod:`socialgraph.graph.suggestions_model`), rounded to 6 places.
    ``bounds``: ``fanout``, ``max_degree``, ``max_paths``, ``pool``
    (the model's generation, :func:`generation`, else the module constants)."""
    model = suggestions_model.current()
    cands = candidates(uid, **{**generation(model), **bounds})
    ranked = [(round(sc, 6), c) for sc, c in zip(suggestions_model.scores(cands, model), cands)]
    ranked.sort(key=lambda t: (-t[0], t[1]["uid"]))
    out = []
    for s, c in ranked[:MAX_SUGGESTIONS]:
        rs = reasons(c)
        out.append({"uid": c["uid"], "username": c["username"], "display_name": c["display_name"],
                    "mutual_friends": c["mutual"], "score": s, "reason": rs[0], "reasons": rs})
    return out


def is_heavy(uid: str) -> bool:
    """Whether ``uid`` has enough friends to get precomputed, cached suggestions."""
    rows = stores.graph().read("graph/friends/count_friends", uid=uid)
    return bool(rows) and rows[0]["friends"] >= current_app.config.get("SUGGESTIONS_HEAVY_FRIENDS", 100)


def precompute(uid: str) -> int:
    """Compute and cache ``uid``'s suggestions (the RQ job's work); returns how many."""

    key = CACHE_KEY.format(uid=uid)
    (_,), (version,) = readcache.get_many([key])
    items = compute(uid)
    readcache.put_many([(key, version, json.dumps(items))],
                       int(current_app.config.get("SUGGESTIONS_CACHE_SECONDS", 3600)))
    return len(items)


def precompute_heavy(source: str | None = None) -> dict:
    """Precompute the suggestions of every heavy user of ``source`` (the
    after-import job's work, ``jobs.graph.precompute_heavy_suggestions``),
    most friends first. Returns ``{"users": n}``."""
    threshold = int(current_app.config.get("SUGGESTIONS_HEAVY_FRIENDS", 100))
    rows = stores.graph().read("graph/suggestions/list_training_users", source=source)
    heavy = sorted((r for r in rows if r["friends"] >= threshold), key=lambda r: (-r["friends"], r["uid"]))
    for r in heavy:
        precompute(r["uid"])
    return {"users": len(heavy)}


def _ranked(uid: str, prefetched: tuple[bytes | None, str] | None = None) -> list[dict]:
    """The cached ranking, else computed and cached (every user: the
    friends-of-friends expansion costs the graph tens to hundreds of ms; the
    copy is versioned, :mod:`socialgraph.stores.readcache`, so a graph change during
    the computation is not hidden for a whole TTL). ``prefetched``: ``(copy,
    version)`` of :data:`CACHE_KEY` already read by the caller (:func:`_one_read`)."""
    ttl = int(current_app.config.get("SUGGESTIONS_CACHE_SECONDS", 3600))
    if prefetched is None:
        return readcache.read_through(CACHE_KEY.format(uid=uid), ttl, lambda: compute(uid))
    raw, version = prefetched
    if raw is not None:
        return json.loads(raw)
    value = compute(uid)
    readcache.put_many([(CACHE_KEY.format(uid=uid), version, json.dumps(value))], ttl)
    return value


def _one_read(uid: str, also: list[str] | None,
              also_then: Callable[[list | None], None] | None) -> tuple[tuple, tuple] | None:
    """``((block sets copy, version), (ranking copy, version))`` of ``uid``
    from one ``MGET`` that also reads the keys ``also`` (the token's session
    keys; ``also_then`` gets their values first, before anything else is
    decided), or None when it cannot run in one round trip (copies and
    session keys on two servers, a cluster, Redis away; ``also_then(None)``
    first)."""
    r = readcache.one_trip_client(None if also_then is None else lambda: also_then(None))
    if r is None:
        return None
    extra = list(also or [])
    rel, ranked = RELATIONS_KEY.format(uid=uid), CACHE_KEY.format(uid=uid)
    try:
        raw = r.mget([*extra, rel, readcache.version_key(rel), ranked, readcache.version_key(ranked)])
    except RedisError:
        if also_then is not None:
            also_then(None)  # the view's own fallback (a check that needs Redis fails as it would have)
        return None
    if also_then is not None:
        also_then(raw[:len(extra)])
    got = raw[len(extra):]

    def version(v):
        return v.decode() if v else "0"

    return (got[0], version(got[1])), (got[2], version(got[3]))


def suggest(uid: str, cursor: str | None = None, limit: int | None = None, *, also: list[str] | None = None,
            also_then: Callable[[list | None], None] | None = None) -> Page:
    """A page of ``uid``'s friend suggestions, best first: items ``{uid,
    username, display_name, mutual_friends, score, reason, reasons}``; keyset
    cursor on (score, uid). At most ``MAX_SUGGESTIONS`` in all.
    Raises :class:`~socialgraph.core.errors.MalformedRequest` for a bad cursor.

    Warm (block sets and ranking copied): one Redis round trip, the ``MGET``
    of :func:`_one_read`, which also reads ``also`` (up to a few more keys: the
    token's session keys, in a view that deferred its revocation check;
    ``also_then`` gets their values before anything else is read, None when
    it could not run). A copy missing is computed and stored as before."""

    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "s", "uid")
    reads = _one_read(uid, also, also_then)
    rel, ranked = reads if reads is not None else (None, None)
    hidden = blocked_either_way(uid, rel)
    items = [i for i in _ranked(uid, ranked) if i["uid"] not in hidden]
    if key:
        try:
            sc, after = float(key["s"]), str(key["uid"])
        except (TypeError, ValueError):
            raise MalformedRequest("invalid cursor", errors=[{"field": "cursor", "message": "not a cursor"}])
        items = [i for i in items if i.get("score", 0) < sc or (i.get("score", 0) == sc and i["uid"] > after)]
    page = items[:limit]
    next_cursor = None
    if len(items) > limit:
        last = page[-1]
        next_cursor = encode_cursor({"s": last.get("score", 0), "uid": last["uid"]})
    return Page(page, next_cursor)


def dismiss(uid: str, username: str) -> dict:
    """Never suggest ``username`` to ``uid`` again (``DELETE /me/suggestions/{username}``):
    ``(uid)-[:DISMISSED_SUGGESTION {created_at}]->(them)``, idempotent, in the
    data export; drops ``uid``'s cached suggestions. Returns ``{"dismissed":
    username, "created": bool}``. Raises :class:`~socialgraph.core.errors.NotFound`
    for an unknown user (or one blocked either way) and :class:`ValidationFailed` for oneself."""
    other = resolve_uid(username)
    if other == uid:
        raise ValidationFailed("not possible with yourself", errors=[{"field": "username", "message": "is yourself"}])
    if other in blocked_either_way(uid):  # a block answers as if the other did not exist
        raise NotFound(f"no user named {username!r}")
    rows = stores.graph().write("graph/suggestions/create_dismissal", viewer=uid, dismissed=other,
                                created_at=clock.now())
    forget(uid)
    return {"dismissed": username, "created": bool(rows and rows[0]["created"])}


def dismissals(uid: str) -> list[dict]:
    """``[{uid, username, created_at}]`` of the suggestions ``uid`` dismissed, newest first."""
    return stores.graph().read("graph/suggestions/list_dismissals", uid=uid)


def forget(*uids: str) -> None:
    """Drop cached suggestions of ``uids`` (Redis away: their TTL bounds staleness)."""
    if not uids:
        return

    readcache.invalidate(*[CACHE_KEY.format(uid=u) for u in uids])


def graph_changed(a: str, b: str, friendship: bool, only_a: bool = False) -> dict:
    """Invalidate after a change between ``a`` and ``b`` (the job's work).

    Drops the caches of the users whose suggestions the change can alter:
    ``a`` alone with ``only_a`` (``a`` followed, unfollowed, muted or asked
    to follow ``b``: only ``a``'s exclusions changed; ``b``'s suggestions
    are the same, so a follow of a hub never recomputes the hub's), else
    both, and, for a friendship change, their friends (whose friends of
    friends changed). The heavy ones among ``a`` and ``b`` get one
    recomputation queued per ``SUGGESTIONS_DEBOUNCE_SECONDS`` window
    (:meth:`~socialgraph.stores.queue.TaskQueue.enqueue_debounced`; a burst
    of changes costs one run). Returns ``{"dropped": n, "precomputed": n}``
    (precomputations queued or run). Idempotent.
    """
    direct = [a] if only_a else [a, b]
    affected = set(direct)
    if friendship:
        g = stores.graph()
        for uid in direct:
            affected |= {r["uid"] for r in g.read("graph/friends/list_friend_uids", uid=uid)}
    forget(*affected)
    precomputed = 0
    window = int(current_app.config.get("SUGGESTIONS_DEBOUNCE_SECONDS", 30))
    for uid in direct:
        if is_heavy(uid):
            stores.tasks().enqueue_debounced(f"suggest:{uid}", window, "jobs.graph.refresh_suggestions", uid)
            precomputed += 1
    return {"dropped": len(affected), "precomputed": precomputed}


def _export(ctx: ExportContext) -> None:
    """The data archive's ``suggestions.json``: the suggestions the user dismissed
    (the relationships go with the user node on deletion)."""
    ctx.add_json("suggestions.json", {"dismissed": [{"username": d["username"], "created_at": d["created_at"]}
                                                    for d in dismissals(ctx.uid)]})


register_area("suggestions", order=82, export=_export)
