"""Races on pair relationships (follows, blocks, friendships), fired from
threads released by a barrier and checked from the graph afterwards.

Each test repeats its conflicting pair ``TRIALS`` times on fresh users and
asserts the invariant after every trial (issue 25, items 1, 2 and 8).
"""
from __future__ import annotations

from socialgraph import stores
from socialgraph.core.errors import Conflict, NotFound
from socialgraph.graph import blocks, follows, friends
from tests.integration.racing import TRIALS, expected_errors, new_user, race


def _count(a: str, b: str, rel: str, directed: bool = True) -> int:
    arrow = "->" if directed else "-"
    rows = stores.graph().run_text(
        f"MATCH (:User {{uid: $a}})-[r:{rel}]{arrow}(:User {{uid: $b}}) RETURN count(r) AS n", a=a, b=b)
    return rows[0]["n"]


def test_double_tap_follow_leaves_one_follows(ctx):
    """Four follows of one account at once: one FOLLOWS, at most one ``created: true``."""
    broken = []
    for trial in range(TRIALS):
        a, _ = new_user("dt")
        b, b_name = new_user("dt")
        outs = race(ctx, *[(lambda: follows.follow(a, b_name))] * 4)  # a double tap, twice
        expected_errors(outs, Conflict)
        n = _count(a, b, "FOLLOWS")
        created = [o.value["created"] for o in outs if o.error is None]
        if n != 1 or created.count(True) > 1:
            broken.append((trial, n, created))
    assert not broken, f"{len(broken)} of {TRIALS} trials broke: {broken}"


def test_follow_racing_block_never_leaves_both(ctx):
    """a follows b while b blocks a: never FOLLOWS and BLOCKS together."""
    broken = []
    for trial in range(TRIALS):
        a, a_name = new_user("fb")
        b, b_name = new_user("fb")
        outs = race(ctx, lambda: follows.follow(a, b_name), lambda: blocks.block(b, a_name))
        expected_errors(outs, Conflict, NotFound)
        assert outs[1].error is None or isinstance(outs[1].error, Conflict)
        blocked = _count(b, a, "BLOCKS")
        following = _count(a, b, "FOLLOWS") + _count(b, a, "FOLLOWS")
        if blocked and following:
            broken.append(trial)
    assert not broken, f"{len(broken)} of {TRIALS} trials left FOLLOWS and BLOCKS together: {broken}"


def test_accept_racing_block_never_leaves_friendship(ctx):
    """b accepts a's friend request while a blocks b (and, alternately, b
    blocks a): never BLOCKS together with FRIENDS_WITH or FOLLOWS."""
    broken = []
    for trial in range(TRIALS):
        a, a_name = new_user("ab")
        b, b_name = new_user("ab")
        friends.send_request(a, b_name)
        blocker, blocked_name = (a, b_name) if trial % 2 == 0 else (b, a_name)
        outs = race(ctx, lambda: friends.accept_request(b, a_name), lambda: blocks.block(blocker, blocked_name))
        expected_errors(outs, Conflict, NotFound)
        blocks_n = _count(a, b, "BLOCKS", directed=False)
        left = _count(a, b, "FRIENDS_WITH", directed=False) + _count(a, b, "FOLLOWS", directed=False)
        if blocks_n and left:
            broken.append((trial, left))
    assert not broken, f"{len(broken)} of {TRIALS} trials left a friendship beside a block: {broken}"


def test_block_racing_follow_request_to_locked_account(ctx):
    """a asks to follow locked b while b blocks a: no FOLLOW_REQUEST survives the block."""
    from socialgraph.graph import privacy

    broken = []
    for trial in range(TRIALS):
        a, a_name = new_user("lk")
        b, b_name = new_user("lk")
        privacy.update_settings(b, {"locked": True})
        outs = race(ctx, lambda: follows.follow(a, b_name), lambda: blocks.block(b, a_name))
        expected_errors(outs, Conflict, NotFound)
        if _count(b, a, "BLOCKS") and (_count(a, b, "FOLLOW_REQUEST") or _count(a, b, "FOLLOWS")):
            broken.append(trial)
    assert not broken, f"{len(broken)} of {TRIALS} trials left a follow request beside a block: {broken}"


def test_follow_unfollow_storm_never_answers_500(app):
    """Several clients following and unfollowing one account at once: every
    answer is 200/201 or a 409/503 problem, never a 500; at most one FOLLOWS."""
    from socialgraph.accounts import service

    statuses: list[int] = []
    with app.app_context():
        a, _ = new_user("st")
        b, b_name = new_user("st")
        token = service.issue_tokens(a)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def hammer(i):
        def go():
            client = app.test_client()
            out = []
            for k in range(4):
                if (i + k) % 2:
                    r = client.put(f"/api/v1/users/{b_name}/follow", headers=headers)
                else:
                    r = client.delete(f"/api/v1/users/{b_name}/follow", headers=headers)
                out.append(r.status_code)
                if r.status_code >= 400:
                    assert r.mimetype == "application/problem+json"
            return out
        return go

    for _ in range(TRIALS // 2):
        outs = race(app, *[hammer(i) for i in range(4)])
        expected_errors(outs)
        for o in outs:
            statuses.extend(o.value)
        with app.app_context():
            assert _count(a, b, "FOLLOWS") <= 1
    assert not [s for s in statuses if s not in (200, 201, 204, 409, 503)], statuses
