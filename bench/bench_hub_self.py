#!/usr/bin/env python
"""The heaviest MUSAE user's OWN reads (issue 22, session 5; the guide's
"design for the heaviest user: hubs with 9,000 friends"). Prints figures, not a test.

1. starts the local real servers in ``--data-dir``; when that holds no MUSAE
   import yet, imports MUSAE GitHub through the project's importer (14-23 min);
   once (``hubhome.json`` marks it) registers and verifies ``hubcopy``, which
   copies the place of the highest-degree MUSAE user (dalinhuang99: 9,492
   follows both ways and 9,492 friendships) with the importers' bulk queries,
   degree counts recounted;
2. through the WSGI interface (Flask's test client, no socket; ``RQ_ASYNC``
   off, so the feed rebuild runs inline in the first home read), as the hub,
   per endpoint: the first read and the p50 / max of ``n`` reads (wall ms):
   home (the feed set dropped first, so the first read rebuilds it; then
   warm, and page 2), the rebuild alone (``feeds.rebuild_feed``, wall and
   thread CPU), own profile (cold: the hub's Redis copies dropped), the
   friends, followers and following pages (first and a deep page, the copies
   dropped first), suggestions, discover, notifications, and the Mastodon home
   timeline, ``verify_credentials`` and notifications (OAuth token through
   the test client).

The data in ``/tmp/hubhome`` (MUSAE + the two Stack Exchange dumps mapped
onto MUSAE users, from bench_scale) is the state the figures in BENCHMARKS.md
("Session 5") were measured on; copy it, never run two stacks on one directory.

Usage: ``python bench/bench_hub_self.py --data-dir /tmp/<copy> [--rounds 10]``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, SHARED_DATA, app_config_from_stack, percentile

PASSWORD = "bench-password-123"


def prepare(app, root: Path) -> dict:
    """MUSAE (when missing) and the hub copy (once); returns the marker's data."""
    from socialgraph import stores
    from socialgraph.accounts import service as accounts
    from socialgraph.core import clock
    from socialgraph.importers import set_degree_counts
    from socialgraph.importers.musae import SOURCE, import_musae_github
    from socialgraph.messaging.push import ensure_vapid_keys
    from socialgraph.stores.schema import ensure_all

    marker = root / "hubhome.json"
    with app.app_context():
        t = time.perf_counter()
        ensure_all()
        ensure_vapid_keys()  # as `db init` does: the Mastodon app registration needs Web Push set up
        print(f"ensure_all {time.perf_counter() - t:.1f} s", flush=True)
        if marker.exists():
            return json.loads(marker.read_text())
        g = stores.graph()
        ranked = g.read("importers/list_users_by_degree", source=SOURCE)
        if not ranked:
            print("importing MUSAE GitHub", import_musae_github(SHARED_DATA / "musae_github"), flush=True)
            ranked = g.read("importers/list_users_by_degree", source=SOURCE)
        top = ranked[0]
        acc = accounts.register("hubcopy", "hubcopy@bench.test", PASSWORD)
        accounts.verify_email(accounts.verification_token(acc["uid"], "hubcopy@bench.test"))
        fol = [r["uid"] for r in g.read("graph/follows/list_following_uids", uid=top["uid"])]
        t = time.perf_counter()
        for c in range(0, len(fol), 2000):
            ch = fol[c:c + 2000]
            g.write("importers/merge_follows", rows=[{"a": acc["uid"], "b": f} for f in ch], created_at=clock.now())
            g.write("importers/merge_follows", rows=[{"a": f, "b": acc["uid"]} for f in ch], created_at=clock.now())
            g.write("importers/merge_friendships", rows=[{"a": acc["uid"], "b": f} for f in ch],
                    created_at=clock.now())
        set_degree_counts([acc["uid"], *fol])
        info = {"uid": acc["uid"], "model": top, "follows": len(fol), "copy_s": round(time.perf_counter() - t, 1)}
        marker.write_text(json.dumps(info))
        return info


def mastodon_token(client) -> str | None:
    """An OAuth token for the hub through the test client (the tests' helper)."""
    sys.path.insert(0, str(REPO))
    from tests.api.mastodon.conftest import token_through_test_client

    try:
        # no "push": Web Push needs VAPID keys (`db init`), which a bench data dir has not
        return token_through_test_client(client, SimpleNamespace(username="hubcopy", password=PASSWORD),
                                         scopes="read write follow")
    except (KeyError, AssertionError) as exc:
        probe = client.post("/mastodon/api/v1/apps", data={"client_name": "probe", "scopes": "read write follow",
                                                          "redirect_uris": "https://client.example/callback"})
        print(f"mastodon token failed: {exc!r}; apps answered {probe.status_code} {probe.get_data(as_text=True)[:300]}",
              flush=True)
        return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", required=True, type=Path)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()

    from socialgraph.app import create_app
    from socialgraph.stores.localstack import LocalStack

    stack = LocalStack(root=args.data_dir).start()
    try:
        app = create_app(app_config_from_stack(stack, RQ_ASYNC=False, RATELIMIT_ENABLED=False,
                                               PUBLIC_BASE_URL="http://localhost",
                                               JWT_ACCESS_TOKEN_EXPIRES=timedelta(days=1)))
        info = prepare(app, args.data_dir)
        print(info, flush=True)
        run(app, info, args.rounds)
    finally:
        stack.stop()


def run(app, info: dict, rounds: int) -> None:
    """The timed reads (see the module docstring)."""
    from socialgraph import stores
    from socialgraph.feeds import home as feeds
    from socialgraph.graph import ordered
    from socialgraph.graph.people import forget_profile

    uid = info["uid"]
    client = app.test_client()
    tok = client.post("/api/v1/auth/login", json={"login": "hubcopy", "password": PASSWORD}).get_json()["access_token"]
    auth = {"Authorization": f"Bearer {tok}"}

    def timed(name, path, n=rounds, headers=auth):
        ms = []
        r = None
        for _ in range(n):
            t = time.perf_counter()
            r = client.get(path, headers=headers)
            ms.append((time.perf_counter() - t) * 1000)
        print(f"{name:<34} n={n:<3} status {r.status_code} first {ms[0]:8.1f} ms  p50 {percentile(ms, 50):7.1f}"
              f"  max {max(ms):7.1f}  {len(r.data)} bytes", flush=True)
        return r.get_json(silent=True) or {}

    with app.app_context():
        stores.cache().delete(feeds.FEED_KEY.format(uid=uid))
    home = timed("home first (rebuild inline)", "/api/v1/feeds/home?limit=20", 1)
    home = timed("home warm", "/api/v1/feeds/home?limit=20", 30)
    print(f"  items {len(home.get('items', []))} rebuilding {home.get('rebuilding')}", flush=True)
    if home.get("next_cursor"):
        timed("home page 2", f"/api/v1/feeds/home?limit=20&cursor={home['next_cursor']}")
    with app.app_context():
        for i in range(3):
            t, c = time.perf_counter(), time.thread_time()
            n = feeds.rebuild_feed(uid)
            print(f"rebuild_feed alone                 entries {n} wall {(time.perf_counter() - t) * 1000:7.0f} ms"
                  f"  cpu {(time.thread_time() - c) * 1000:5.0f} ms", flush=True)
    for _ in range(3):
        with app.app_context():
            forget_profile(uid)
        timed("own profile cold", "/api/v1/users/hubcopy", 1)
    timed("own profile warm", "/api/v1/users/hubcopy")
    for kind, path in (("friends", "friends"), ("followers", "followers"), ("following", "following")):
        with app.app_context():
            ordered.forget(uid)
        page = timed(f"{kind} page 1 limit=50", f"/api/v1/users/hubcopy/{path}?limit=50")
        cur, deep = page.get("next_cursor"), 0
        for _ in range(60):  # page 61: 3,000 entries down
            if not cur:
                break
            page = client.get(f"/api/v1/users/hubcopy/{path}?limit=50&cursor={cur}", headers=auth).get_json()
            cur, deep = page.get("next_cursor"), deep + 1
        if cur:
            timed(f"{kind} page {deep + 2} limit=50", f"/api/v1/users/hubcopy/{path}?limit=50&cursor={cur}")
    timed("suggestions", "/api/v1/me/suggestions?limit=20", 3)
    timed("discover", "/api/v1/feeds/discover?limit=20", 5)
    timed("notifications", "/api/v1/notifications?limit=20", 5)
    mt = mastodon_token(client)
    if mt:
        mh = {"Authorization": f"Bearer {mt}"}
        timed("mastodon home", "/mastodon/api/v1/timelines/home?limit=20", headers=mh)
        timed("mastodon verify_credentials", "/mastodon/api/v1/accounts/verify_credentials", headers=mh)
        timed("mastodon notifications", "/mastodon/api/v1/notifications?limit=20", 5, headers=mh)


if __name__ == "__main__":
    main()
