"""SNAP ego-Facebook -> users and follows.

Data: ``facebook_combined.txt`` (``u v`` per line: an undirected friendship;
4,039 users, 88,234 edges). Source: J. McAuley and J. Leskovec, "Learning
to Discover Social Circles in Ego Networks", NIPS 2012 (SNAP).

Mapping: node ``n`` -> ``(:User {uid: uuid5("snap-facebook:n"), username:
"fb_n", display_name: "Facebook user n", source: "snap-facebook"})``; each
undirected edge -> two ``FOLLOWS`` (a friendship is a mutual follow) and one
``FRIENDS_WITH {since}`` (stored from the smaller to the larger node id;
always matched undirected). Re-running adds nothing.

Circles (``N.circles`` next to the edge file: ``name<TAB>member ...``, the
ego user N's friend lists) -> named lists of the ego user:
``(fb_N)-[:OWNS]->(:UserList {uid: uuid5("snap-facebook:circle:N:name"),
name, source})-[:INCLUDES]->(fb_member)``; members missing from the loaded
graph are skipped.
"""
from __future__ import annotations

import time
from pathlib import Path

from socialgraph import stores
from socialgraph.core import clock
from socialgraph.graph import usersearch
from socialgraph.importers import (
    batched,
    import_uid,
    no_progress,
    write_friendship_graph,
)

SOURCE = "snap-facebook"


def read_edges(path: Path) -> list[tuple[int, int]]:
    if path.is_dir():
        path = path / "facebook_combined.txt"
    edges = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 2:
                a, b = int(parts[0]), int(parts[1])
                if a != b:
                    edges.append((a, b))
    return edges


def read_circles(directory: Path) -> list[dict]:
    """``[{ego, name, members}]`` from every ``N.circles`` file in ``directory``."""
    out = []
    for f in sorted(directory.glob("*.circles")):
        ego = int(f.stem)
        for line in f.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if parts:
                out.append({"ego": ego, "name": parts[0], "members": [int(m) for m in parts[1:]]})
    return out


def import_snap_facebook(path, batch: int = 5000, progress=no_progress) -> dict:
    """Load the graph (and circles, if ``N.circles`` files lie next to it); returns
    ``{users, edges, follows, friendships, circles, circle_members, seconds}``
    (users, follows and friendships as stored after the run, so a re-run shows the same numbers)."""
    t0 = time.perf_counter()
    edges = read_edges(Path(path))
    nodes = sorted({n for e in edges for n in e})
    g = stores.graph()
    now = clock.now()
    users = [{"uid": import_uid(SOURCE, n), "username": f"fb_{n}", "display_name": f"Facebook user {n}",
              "source": SOURCE, "created_at": now} for n in nodes]
    write_friendship_graph(SOURCE, users, edges, now, batch, progress)
    path = Path(path)
    lists = import_circles(path if path.is_dir() else path.parent, progress)
    usersearch.rebuild()  # the new users become searchable by prefix
    counts = g.read("importers/count_source", source=SOURCE)[0]
    friends = g.read("importers/count_source_friendships", source=SOURCE)[0]
    return {"users": counts["users"], "edges": len(edges), "follows": counts["follows"],
            "friendships": friends["friendships"], **lists, "seconds": round(time.perf_counter() - t0, 2)}


def import_circles(directory: Path, progress=no_progress) -> dict:
    """Load the ``N.circles`` files of ``directory`` as named lists of the ego
    users already in the graph (idempotent). Returns ``{circles, circle_members}``
    as stored for the source after the run."""
    g = stores.graph()
    now = clock.now()
    circles = read_circles(Path(directory))
    rows = [{"owner": import_uid(SOURCE, c["ego"]), "uid": import_uid(SOURCE, f"circle:{c['ego']}:{c['name']}"),
             "name": c["name"], "members": [import_uid(SOURCE, m) for m in c["members"]]} for c in circles]
    for chunk in batched(rows, 50):
        g.write("importers/merge_circles", rows=chunk, created_at=now, source=SOURCE)
    if rows:
        progress("circles", len(rows), len(rows))
    lists = g.read("importers/count_source_lists", source=SOURCE)[0]
    return {"circles": lists["lists"] or 0, "circle_members": lists["members"] or 0}
