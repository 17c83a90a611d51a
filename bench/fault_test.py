"""Fault test: stop each store in turn under a steady load of writes, restart it,
and prove that every write the API acknowledged is present afterwards and
that the API answered 503 (never 500) while the store was away.

    python bench/fault_test.py [--down 6] [--writers 3]

It starts its own local servers (ArcadeDB, SecantusDB, SeaweedFS, Valkey),
the API under gunicorn and one RQ worker, registers users, then for each of
``graph``, ``mongo``, ``s3``, ``redis`` (and finally the RQ ``worker``, killed
with SIGKILL) runs: load before, stop (``LocalStack.stop_one``), load while
away, restart (``LocalStack.restart_one``), load after. The load mixes, each
with a unique marker:

- ``POST /posts`` (MongoDB), ``POST /posts/{id}/comments`` (MongoDB, counter);
- ``PUT /users/{u}/follow`` (graph, Redis cache drop);
- ``POST /auth/register`` (MongoDB + graph + verification-mail job: the
  multi-store write with compensation and the outbox);
- ``POST /me/exports`` (MongoDB + an RQ job that writes the zip to S3).

Afterwards it drains the outbox, waits for the jobs and checks that every
acknowledged post, comment, follow, registration (account *and* graph node,
and its verification email) and export (ready, zip in S3) exists; that no
registration was left half-written (account without node or vice versa);
and prints the figures: writes acknowledged, writes found, answers by
status per phase, and the number of 500s (must be 0). Exit code 1 if any
check fails.
"""
from __future__ import annotations

import argparse
import collections
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, app_config_from_stack, start_gunicorn  # noqa: E402

HIGH = "1000000 per minute"


class Load:
    """Writer threads that record every answer and every acknowledged write."""

    def __init__(self, base: str, users: list[dict], targets: list[str], seed: int):
        self.base = base
        self.users = users
        self.targets = targets
        self.phase = "setup"
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.statuses: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.acked: dict[str, list] = collections.defaultdict(list)
        self.attempted_usernames: list[str] = []
        self.post_ids: list[tuple[str, str]] = []  # (post id, owner token)
        self.rng = random.Random(seed)
    
    def _record(self, kind: str, status: int) -> None:
        with self.lock:
            self.statuses[self.phase][f"{kind} {status}"] += 1
            self.statuses[self.phase][status] += 1

    def one(self, http) -> None:
        import requests

        user = self.rng.choice(self.users)
        h = {"Authorization": f"Bearer {user['token']}"}
        kind = self.rng.choices(["post", "comment", "follow", "register", "export"], [4, 2, 3, 1, 0.3])[0]
        marker = uuid.uuid4().hex[:12]
        try:
            if kind == "post":
                r = http.post(f"{self.base}/posts", json={"text": f"fault {marker}"}, headers=h, timeout=30)
                if r.status_code == 201:
                    with self.lock:
                        self.acked["post"].append(r.json()["id"])
                        self.post_ids.append(r.json()["id"])
            elif kind == "comment":
                with self.lock:
                    pid = self.rng.choice(self.post_ids) if self.post_ids else None
                if pid is None:
                    return
                r = http.post(f"{self.base}/posts/{pid}/comments", json={"text": f"c {marker}"}, headers=h, timeout=30)
                if r.status_code == 201:
                    with self.lock:
                        self.acked["comment"].append(r.json()["id"])
            elif kind == "follow":
                target = self.rng.choice(self.targets)
                r = http.put(f"{self.base}/users/{target}/follow", headers=h, timeout=30)
                if r.status_code == 200:
                    with self.lock:
                        self.acked["follow"].append((user["uid"], target))
            elif kind == "register":
                name = f"flt_{marker}"
                with self.lock:
                    self.attempted_usernames.append(name)
                r = http.post(f"{self.base}/auth/register", json={"username": name, "email": f"{name}@example.test",
                                                                  "password": "a long enough password"}, timeout=30)
                if r.status_code == 201:
                    with self.lock:
                        self.acked["register"].append(name)
            else:
                r = http.post(f"{self.base}/me/exports", headers=h, timeout=30)
                if r.status_code == 202:
                    with self.lock:
                        self.acked["export"].append(r.json()["id"])
            self._record(kind, r.status_code)
        except requests.RequestException as exc:
            self._record(kind, f"no answer ({type(exc).__name__})")

    def run(self, n_threads: int) -> list[threading.Thread]:
        import requests

        def loop():
            http = requests.Session()
            while not self.stop.is_set():
                self.one(http)
                time.sleep(0.02)

        threads = [threading.Thread(target=loop, daemon=True) for _ in range(n_threads)]
        for t in threads:
            t.start()
        return threads


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=float, default=3.0, help="seconds of load before each stop")
    ap.add_argument("--down", type=float, default=6.0, help="seconds of load while the store is away")
    ap.add_argument("--after", type=float, default=4.0, help="seconds of load after the restart")
    ap.add_argument("--writers", type=int, default=3)
    ap.add_argument("--stores", default="graph,mongo,s3,redis,worker")
    ap.add_argument("--seed", type=int, default=8)
    args = ap.parse_args()

    import requests

    from socialgraph.app import create_app
    from socialgraph.stores.localstack import LocalStack, free_port

    root = Path(tempfile.mkdtemp(prefix="sg-fault-"))
    stack = LocalStack(root=root, redis_appendonly=True).start()  # Redis keeps its AOF, as in production
    outbox_dir = root / "mail"
    extra = {"SG_RATELIMIT_DEFAULT": HIGH, "SG_RATELIMIT_LOGIN": HIGH, "SG_RATELIMIT_SIGNUP": HIGH,
             "SG_RATELIMIT_POSTING": HIGH, "SG_LOGIN_IP_LOCK_AFTER": "1000000", "SG_STORE_TIMEOUT_SECONDS": "2",
             "SG_MAIL_OUTBOX_DIR": str(outbox_dir), "SG_MONGO_DATABASE": "socialgraph"}
    env = {**stack.env(), **extra}
    config = {**app_config_from_stack(stack), "MAIL_OUTBOX_DIR": str(outbox_dir), "RQ_ASYNC": True}
    app = create_app(config)
    procs: dict[str, subprocess.Popen] = {}
    ok = True
    try:
        with app.app_context():
            from socialgraph.stores.schema import ensure_all

            ensure_all()
        port = free_port()
        procs["api"] = start_gunicorn(env, port, workers=2, threads=8)

        def start_worker():
            procs["worker"] = subprocess.Popen([sys.executable, "-m", "socialgraph", "worker"],
                                               env={**os.environ, **env}, cwd=REPO, start_new_session=True,
                                               stdout=open(root / "worker.log", "ab"), stderr=subprocess.STDOUT)

        start_worker()
        base = f"http://127.0.0.1:{port}/api/v1"
        users, targets = [], []
        for i in range(30):
            name = f"ft_{i}_{uuid.uuid4().hex[:6]}"
            r = requests.post(f"{base}/auth/register", json={"username": name, "email": f"{name}@example.test",
                                                             "password": "a long enough password"})
            r.raise_for_status()
            targets.append(name)
            if i < 6:
                tok = requests.post(f"{base}/auth/login", json={"login": name, "password": "a long enough password"}).json()
                users.append({"uid": r.json()["uid"], "username": name, "token": tok["access_token"]})
        load = Load(base, users, targets, args.seed)
        load.phase = "warm-up"
        threads = load.run(args.writers)
        time.sleep(args.before)
        timeline = []
        for store in args.stores.split(","):
            load.phase = f"{store}: before"
            time.sleep(args.before)
            t0 = time.monotonic()
            if store == "worker":
                os.killpg(procs["worker"].pid, signal.SIGKILL)
                procs["worker"].wait()
            else:
                stack.stop_one(store)
            load.phase = f"{store}: away"
            time.sleep(args.down)
            load.phase = f"{store}: restarting"
            if store == "worker":
                start_worker()
            else:
                stack.restart_one(store)
            timeline.append((store, time.monotonic() - t0))
            load.phase = f"{store}: after"
            time.sleep(args.after)
        load.stop.set()
        for t in threads:
            t.join(timeout=60)

        # let side effects land: drain the outbox, wait for the queue and retries
        with app.app_context():
            from socialgraph import stores

            drained = stores.tasks().drain_outbox()
            deadline = time.monotonic() + 180
            db = stores.mongo()
            while time.monotonic() < deadline:
                pending_exports = db.exports.count_documents({"_id": {"$in": load.acked["export"]},
                                                             "status": {"$ne": "ready"}})
                q = stores.tasks().queue()
                busy = q.count + q.started_job_registry.count + q.scheduled_job_registry.count
                mails = len(list(outbox_dir.glob("*.eml")))
                if not pending_exports and not busy and not db.outbox.count_documents({}) \
                        and mails >= len(load.acked["register"]) + 30:
                    break
                time.sleep(1)
            found = check(app, load, outbox_dir)
        print_figures(args, load, found, timeline, drained)
        five_hundreds = sum(c[500] for c in load.statuses.values())
        ok = five_hundreds == 0 and all(v["missing"] == 0 for k, v in found.items() if k != "half_written") \
            and found["half_written"]["count"] == 0
        print("RESULT:", "PASS" if ok else "FAIL")
    finally:
        for name, p in procs.items():
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM) if name == "worker" else p.terminate()
                    p.wait(timeout=15)
                except Exception:
                    p.kill()
        stack.stop()
    return 0 if ok else 1


def check(app, load: Load, outbox_dir: Path) -> dict:
    """What of the acknowledged writes is in the stores now."""
    from bson import ObjectId

    from socialgraph import stores

    db = stores.mongo()
    g = stores.graph()
    out = {}
    posts = load.acked["post"]
    got = db.posts.count_documents({"_id": {"$in": [ObjectId(p) for p in posts]}})
    out["post"] = {"acked": len(posts), "found": got, "missing": len(posts) - got}
    comments = load.acked["comment"]
    got = db.comments.count_documents({"_id": {"$in": [ObjectId(c) for c in comments]}})
    out["comment"] = {"acked": len(comments), "found": got, "missing": len(comments) - got}
    follows = set(load.acked["follow"])
    present = 0
    for uid, target in follows:
        rows = g.read("graph/follows/list_following_uids", uid=uid)
        tuid = g.read("graph/users/get_uid_by_username", username=target)
        present += bool(tuid and tuid[0]["uid"] in {r["uid"] for r in rows})
    out["follow"] = {"acked": len(follows), "found": present, "missing": len(follows) - present}
    regs = load.acked["register"]
    accounts = {d["username"]: d["_id"] for d in db.accounts.find({"username": {"$in": regs}})}
    both = 0
    mails = 0
    mail_to = set()
    for path in outbox_dir.glob("*.eml"):
        text = path.read_text(errors="replace")
        for line in text.splitlines():
            if line.startswith("To: "):
                mail_to.add(line[4:].strip())
    for name in regs:
        both += bool(name in accounts and g.read("graph/users/get_uid_by_username", username=name))
        mails += f"{name}@example.test" in mail_to
    out["register"] = {"acked": len(regs), "found": both, "missing": len(regs) - both,
                       "verification_emails": mails}
    out["verification email"] = {"acked": len(regs), "found": mails, "missing": len(regs) - mails}
    half = []
    for name in load.attempted_usernames:
        in_mongo = db.accounts.count_documents({"username": name}) == 1
        in_graph = bool(g.read("graph/users/get_uid_by_username", username=name))
        if in_mongo != in_graph:
            half.append(name)
    out["half_written"] = {"count": len(half), "attempted": len(load.attempted_usernames)}
    exports = load.acked["export"]
    ready = list(db.exports.find({"_id": {"$in": exports}, "status": "ready"}, {"key": 1}))
    in_s3 = 0
    for d in ready:
        try:
            stores.objects().stat_object(app.config["S3_BUCKET"], d["key"])
            in_s3 += 1
        except Exception:
            pass
    out["export"] = {"acked": len(exports), "found": in_s3, "missing": len(exports) - in_s3}
    return out


def print_figures(args, load: Load, found: dict, timeline, drained: int) -> None:
    print("\n== fault test: each store stopped under load, then restarted ==")
    print(f"writers={args.writers}  load before/away/after = {args.before}/{args.down}/{args.after} s;"
          f" outbox jobs drained at the end: {drained}")
    for store, secs in timeline:
        print(f"  {store:<7} away for {secs:5.1f} s (stop + {args.down} s + restart)")
    print("\nanswers by phase (status: count)")
    for phase, counter in load.statuses.items():
        codes = {k: v for k, v in counter.items() if isinstance(k, int) or k.startswith("no answer")}
        kinds = {k: v for k, v in counter.items() if isinstance(k, str) and not k.startswith("no answer")}
        print(f"  {phase:<22} {dict(sorted(codes.items(), key=lambda kv: str(kv[0])))}")
        errs = {k: v for k, v in kinds.items() if not k.endswith((" 200", " 201", " 202"))}
        if errs:
            print(f"  {'':<22}   non-2xx by write: {dict(sorted(errs.items()))}")
    total = collections.Counter()
    for c in load.statuses.values():
        total.update({k: v for k, v in c.items() if isinstance(k, int)})
    print(f"\nall answers: {dict(sorted(total.items()))}   500s: {total[500]}")
    print("\nacknowledged writes found afterwards")
    for kind in ("post", "comment", "follow", "register", "export", "verification email"):
        f = found[kind]
        print(f"  {kind:<18} acknowledged {f['acked']:>5}  found {f['found']:>5}  missing {f['missing']}")
    print(f"  registrations half-written (account xor graph node): {found['half_written']['count']}"
          f" of {found['half_written']['attempted']} attempted")


if __name__ == "__main__":
    sys.exit(main())
