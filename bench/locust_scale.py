"""Locust users of ``bench/bench_scale.py`` (run headless by it; not a test).

``BENCH_DATA``: JSON written by the bench with ``tokens`` (Authorization
header values of distinct users), ``post_ids`` and ``usernames``.
``BENCH_USER``: ``mix`` (the issue's mixed load on our API), ``reads`` (its
read operations only, with the peer's weights: home 50, profile 10,
suggestions 5), ``home`` (home feed only), ``ceiling`` (``GET /api/v1/ping``)
or ``peer`` (the read operations on the DRF peer).
Closed loop: no wait between requests, so each step measures the most the
server gives at that concurrency. ``FastHttpUser`` (geventhttpclient): the
generator shares the machine's cores with the servers, so it is kept light.
"""
from __future__ import annotations

import itertools
import json
import os
import random

from locust import FastHttpUser, constant, task

DATA = json.load(open(os.environ["BENCH_DATA"]))
WHICH = os.environ.get("BENCH_USER", "mix")
_tokens = itertools.cycle(DATA["tokens"])
#: BENCH_WRITE_HOST: the writes' own API pool (the proxy's method routing), else the same host
_W = os.environ.get("BENCH_WRITE_HOST", "")
#: BENCH_HOT_POSTS=N: the mix's post reads and writes on the first N posts only (hot posts); default all
_POSTS = DATA["post_ids"][:int(os.environ.get("BENCH_HOT_POSTS") or 0) or None]


class _Base(FastHttpUser):
    abstract = True
    wait_time = constant(0)

    def on_start(self):
        self.auth = {"Authorization": next(_tokens)}


class ReadsUser(_Base):
    """The mix's read operations with the peer's weights: home 50, profile 10, suggestions 5."""

    @task(50)
    def home(self):
        self.client.get("/api/v1/feeds/home?limit=20", headers=self.auth, name="home_feed")

    @task(10)
    def profile(self):
        self.client.get(f"/api/v1/users/{random.choice(DATA['usernames'])}", headers=self.auth, name="profile")

    @task(5)
    def suggestions(self):
        self.client.get("/api/v1/me/suggestions?limit=20", headers=self.auth, name="suggestions")


class MixUser(ReadsUser):
    """The reads (home 50, profile 10, suggestions 5) plus post+comments 15,
    create 5, react 10, comment 5 (locust takes a subclass's tasks with its base's)."""

    @task(15)
    def post_with_comments(self):
        pid = random.choice(_POSTS)
        self.client.get(f"/api/v1/posts/{pid}", headers=self.auth, name="post")
        self.client.get(f"/api/v1/posts/{pid}/comments?limit=20", headers=self.auth, name="post_comments")

    @task(5)
    def create_post(self):
        self.client.post(f"{_W}/api/v1/posts", json={"text": f"bench post {random.random():.9f} #bench"},
                         headers=self.auth, name="create_post")

    @task(10)
    def react(self):
        pid = random.choice(_POSTS)
        self.client.put(f"{_W}/api/v1/posts/{pid}/reaction", json={"type": random.choice(["like", "love", "laugh"])},
                        headers=self.auth, name="react")

    @task(5)
    def comment(self):
        pid = random.choice(_POSTS)
        self.client.post(f"{_W}/api/v1/posts/{pid}/comments", json={"text": "bench comment"},
                         headers=self.auth, name="comment")


class HomeUser(_Base):
    @task
    def home(self):
        self.client.get("/api/v1/feeds/home?limit=20", headers=self.auth, name="home_feed")


class CeilingUser(_Base):
    @task
    def ping(self):
        self.client.get("/api/v1/ping", name="ping")


class PeerUser(_Base):
    """The read operations of the mix, same relative weights, on the DRF peer."""

    @task(50)
    def home(self):
        self.client.get("/api/feed/", headers=self.auth, name="home_feed")

    @task(10)
    def profile(self):
        self.client.get(f"/api/users/{random.choice(DATA['usernames'])}/", headers=self.auth, name="profile")

    @task(5)
    def suggestions(self):
        self.client.get("/api/suggestions/", headers=self.auth, name="suggestions")


for _name, _cls in {"mix": MixUser, "reads": ReadsUser, "home": HomeUser, "ceiling": CeilingUser,
                     "peer": PeerUser}.items():
    if _name != WHICH:
        del globals()[_cls.__name__]
del _name, _cls
