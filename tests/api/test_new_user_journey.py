"""The issue's "done when" path over real HTTP (a real server on a socket):
a new user registers, verifies the email from the outbox, logs in, follows an
imported ego-Facebook user and sees that user's imported Stack Exchange posts
in the home feed."""
from __future__ import annotations

import pytest
import requests

from socialgraph import stores
from tests.conftest import unique


def test_new_user_follows_imported_user_and_sees_posts(app, imported, live_server, mailbox):
    base = live_server + "/api/v1"
    username = unique("newbie")
    addr = f"{username}@example.test"
    r = requests.post(f"{base}/auth/register", json={"username": username, "email": addr,
                                                    "password": "my first password"}, timeout=10)
    assert r.status_code == 201, r.text
    link = next(l for l in mailbox.messages_to(addr)[-1].get_content().splitlines() if "#/verify?token=" in l)
    # what the web client's verify page does with the link's token
    r = requests.post(f"{base}/auth/verify-email", json={"token": link.split("token=", 1)[1].strip()}, timeout=10)
    assert r.status_code == 200 and r.json()["email_verified"] is True

    tokens = requests.post(f"{base}/auth/login", json={"login": username, "password": "my first password"},
                           timeout=10).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}

    # the most active imported author (rank 0 of the author join = highest degree)
    with app.app_context():
        post = stores.mongo().posts.find_one({"source_key": "se:beer:q:1"})
        author = stores.graph().read("graph/users/get_users_by_uid", uids=[post["author_id"]])[0]["username"]
    assert author.startswith("fb_")
    r = requests.put(f"{base}/users/{author}/follow", headers=auth, timeout=10)
    assert r.status_code == 200 and r.json()["following"] is True

    feed, cursor = [], None
    for _ in range(20):
        params = {"limit": 50} | ({"cursor": cursor} if cursor else {})
        page = requests.get(f"{base}/feeds/home", headers=auth, params=params, timeout=10).json()
        feed += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert feed and {p["author"]["username"] for p in feed} == {author}
    assert any(p["id"] == str(post["_id"]) for p in feed)
    times = [p["created_at"] for p in feed]
    assert times == sorted(times, reverse=True)
    with app.app_context():
        expected = stores.mongo().posts.count_documents({"author_id": post["author_id"]})
    assert len(feed) == expected

    r = requests.get(f"{base}/posts/{post['_id']}/comments", timeout=10)
    assert r.status_code == 200 and r.json()["items"]
    assert r.headers["Content-Type"].startswith("application/json")
    r = requests.get(f"{base}/users/{author}", timeout=10).json()
    assert r["followers_count"] >= 2 and r["following_count"] >= 1
