"""The Redis user-search index against the real graph and Redis: rebuilt
when lost (the graph answers meanwhile), renames and deletions, pages
without repeats, blocks."""
from __future__ import annotations

from socialgraph import stores
from socialgraph.content import search
from socialgraph.graph import usersearch
from tests.conftest import unique


def _names(page) -> list[str]:
    return [p["username"] for p in page.items]


def test_lost_index_is_answered_by_the_graph_and_rebuilt(ctx, make_user):
    stem = unique("ix")
    a = make_user(stem)
    r = stores.cache()
    r.delete(usersearch.READY_KEY, usersearch.INDEX_KEY, usersearch.BUILDING_KEY)
    assert not usersearch.is_ready()
    # the first search queues the rebuild (a worker in production: meanwhile the graph answers;
    # inline in tests, so the new index answers at once)
    assert _names(search.search_users(stem, None)) == [a.username]
    assert usersearch.is_ready() and r.zcard(usersearch.INDEX_KEY) > 0
    assert _names(search.search_users(stem.upper(), None)) == [a.username]


def test_new_users_renames_and_deletions(ctx, make_user):
    if not usersearch.is_ready():
        usersearch.rebuild()
    stem = unique("rn")
    a = make_user(stem)
    assert _names(search.search_users(stem, None)) == [a.username]  # indexed at registration
    word = unique("Zoë").replace("_", "")
    a.patch("/api/v1/me", json={"display_name": f"Dr {word} Smith"})
    assert _names(search.search_users(word.lower().replace("ë", "e"), None)) == [a.username]  # accents folded
    a.patch("/api/v1/me", json={"display_name": "Someone Else"})
    assert search.search_users(word, None).items == []  # the old word no longer finds them
    # a deleted account drops out although its terms are still in the index
    assert a.post("/api/v1/me/deletion", json={"password": a.password}).status_code == 202
    assert search.search_users(stem, None).items == []


def test_pages_never_repeat_a_user_and_blocks_are_kept(ctx, make_user):
    if not usersearch.is_ready():
        usersearch.rebuild()
    stem = unique("pg")
    users = [make_user(f"{stem}{i}") for i in range(5)]
    users[0].patch("/api/v1/me", json={"display_name": f"{stem}zz second term"})  # matches twice
    seen, cursor = [], None
    while True:
        page = search.search_users(stem, None, cursor, 2)
        seen += _names(page)
        cursor = page.next_cursor
        if not cursor:
            break
    assert sorted(seen) == sorted(u.username for u in users) and len(seen) == len(set(seen))
    users[1].put(f"/api/v1/users/{users[2].username}/block")
    assert users[2].username not in _names(search.search_users(stem, users[1].uid, limit=10))
    assert users[1].username not in _names(search.search_users(stem, users[2].uid, limit=10))


def test_a_search_page_is_one_redis_round_trip(ctx, make_user, monkeypatch):
    """The readiness check, the terms and their users' names come in one
    script: a page of the index costs one Redis round trip; without the
    index's marker the search says so (None) in that same round trip."""
    import redis.connection

    stem = unique("rt")
    made = [make_user(f"{stem}{i}") for i in range(3)]
    if not usersearch.is_ready():
        usersearch.rebuild()
    sent = []
    orig = redis.connection.AbstractConnection.send_packed_command
    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command",
                        lambda self, c, check_health=True: (sent.append(1), orig(self, c, check_health))[1])
    items, _ = usersearch.search(stem, {made[1].uid}, 20)
    assert sorted(p["username"] for p in items) == sorted(m.username for m in (made[0], made[2]))
    assert len(sent) == 1
    stores.cache().rename(usersearch.READY_KEY, usersearch.READY_KEY + "-away")
    try:
        assert usersearch.search(stem, set(), 20) is None
    finally:
        stores.cache().rename(usersearch.READY_KEY + "-away", usersearch.READY_KEY)
