"""``socialgraph doctor`` check of the degree counts stored on user nodes
(issue 22): ``followers_count``, ``following_count`` and ``friends_count``
against ``COUNT {}`` over the user's ``FOLLOWS`` and ``FRIENDS_WITH``
relationships.

Every graph write that adds or removes such a relationship changes the counts
in its own transaction (``cypher/graph/follows``, ``cypher/graph/friends``,
``cypher/graph/relations/create_block``, ``cypher/graph/users/delete_user``);
imports set them at the end (:func:`socialgraph.importers.set_degree_counts`)
and ``db init`` fills those of users stored before the counts existed
(:func:`socialgraph.stores.schema.fill_degree_counts`). A drifted count (a
write that bypassed those queries: a hand-written Cypher, a crash between an
import's batches) is a finding; the repair stores the counted values
(:func:`recount`) and drops the user's cached profile card.
"""
from __future__ import annotations

import logging
from typing import Callable, Iterator

from socialgraph import stores
from socialgraph.graph import ordered
from socialgraph.graph.people import forget_profile
from socialgraph.operations.doctor import Finding, register_check

log = logging.getLogger(__name__)

#: users read per round trip
PAGE = 2000
#: findings reported per run
MAX_FINDINGS = 1000

#: stored property -> counted column of ``graph/users/list_degree_counts``
FIELDS = {"followers_count": "followers", "following_count": "following", "friends_count": "friends"}


def recount(*uids: str) -> None:
    """Store the counted degree values of ``uids`` (``graph/users/set_degree_counts``)
    and drop their cached profile cards: the repair, and what other repairs
    that delete relationships run after deleting."""
    if not uids:
        return
    stores.graph().write("graph/users/set_degree_counts", uids=list(uids))
    forget_profile(*uids)
    ordered.forget(*uids)  # ordered people-list copies (a long list's pages come from them)


def degree_counts(progress: Callable[[int, int | None], None]) -> Iterator[Finding]:
    """Users whose stored degree counts differ from the counted ones (or are
    missing). One finding per user naming each wrong field as
    ``stored -> counted``; repair: :func:`recount`."""
    g = stores.graph()
    after, done, found = "", 0, 0
    while found < MAX_FINDINGS:
        rows = g.read("graph/users/list_degree_counts", after=after, limit=PAGE)
        if not rows:
            return
        for r in rows:
            wrong = {f: (r[f"stored_{c}"], r[c]) for f, c in FIELDS.items() if r[f"stored_{c}"] != r[c]}
            if wrong:
                found += 1
                yield Finding("graph.degree_counts",
                              f"user {r['uid']}: " + ", ".join(f"{f} {s} -> {c}" for f, (s, c) in wrong.items()),
                              lambda uid=r["uid"]: recount(uid))
                if found >= MAX_FINDINGS:
                    return
        done += len(rows)
        after = rows[-1]["uid"]
        progress(done, None)


register_check("graph.degree_counts", degree_counts)
