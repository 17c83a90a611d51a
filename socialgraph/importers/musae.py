"""MUSAE GitHub -> users, follows and friendships.

Data: ``git_target.csv`` (``id,name,ml_target``: 37,700 GitHub developers
with their real user names) and ``git_edges.csv`` (``id_1,id_2``: 289,003
mutual follower relationships). Source: B. Rozemberczki, C. Allen and
R. Sarkar, "Multi-scale Attributed Node Embedding", Journal of Complex
Networks 2021 (SNAP ``github-social``).

Mapping: node ``n`` with name ``N`` -> ``(:User {uid: uuid5("musae-github:n"),
username, display_name: N, source: "musae-github"})``; each (mutual) edge ->
two ``FOLLOWS`` and one ``FRIENDS_WITH {since}``, as for SNAP. Re-running adds
nothing.

Username rule (:func:`usernames`): GitHub names are ``[A-Za-z0-9-]``, up to
39 characters, unique ignoring case. Ours must match ``^[a-z0-9_]{3,30}$``:
lower-case, every character outside ``[a-z0-9_]`` becomes ``_``, cut to 30.
A name that is then shorter than 3 characters, repeats a name already given
to a lower node id, or belongs to a user of another source (a sign-up, another
import) gets the suffix ``_<id>`` (the base cut so the whole stays <= 30).
"""
from __future__ import annotations

import csv
import re
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

SOURCE = "musae-github"
_INVALID = re.compile(r"[^a-z0-9_]")


def normalise(name: str) -> str:
    """GitHub name -> candidate username (may still be < 3 chars)."""
    return _INVALID.sub("_", name.strip().lower())[:30]


def _suffixed(base: str, node: int) -> str:
    suffix = f"_{node}"
    return base[: 30 - len(suffix)] + suffix


def usernames(names: dict[int, str], taken: set[str] = frozenset()) -> dict[int, str]:
    """``{node: username}`` by the rule of the module docstring (deterministic:
    nodes in id order). ``taken``: names used by users of other sources."""
    out: dict[int, str] = {}
    used: set[str] = set()
    for node in sorted(names):
        u = normalise(names[node])
        if len(u) < 3 or u in used or u in taken:
            u = _suffixed(u, node)
        out[node] = u
        used.add(u)
    return out


def read_targets(directory: Path) -> dict[int, str]:
    with open(Path(directory) / "git_target.csv", encoding="utf-8", newline="") as fh:
        return {int(r["id"]): r["name"] for r in csv.DictReader(fh)}


def read_edges(directory: Path) -> list[tuple[int, int]]:
    with open(Path(directory) / "git_edges.csv", encoding="utf-8", newline="") as fh:
        return [(a, b) for a, b in ((int(r["id_1"]), int(r["id_2"])) for r in csv.DictReader(fh)) if a != b]


def import_musae_github(directory, batch: int = 5000, progress=no_progress) -> dict:
    """Load the folder holding ``git_target.csv`` and ``git_edges.csv``.

    Users are the nodes that appear in the edge file (all of them in the full
    data set). Returns ``{users, edges, follows, friendships, renamed, seconds}``
    with users, follows and friendships as stored after the run (a re-run shows
    the same numbers); ``renamed``: users whose name got an ``_<id>`` suffix.
    """
    t0 = time.perf_counter()
    directory = Path(directory)
    targets = read_targets(directory)
    edges = read_edges(directory)
    nodes = sorted({n for e in edges for n in e})
    unknown = [n for n in nodes if n not in targets]
    if unknown:
        raise ValueError(f"{len(unknown)} edge ids missing from git_target.csv (e.g. {unknown[:3]})")
    g = stores.graph()
    candidates = sorted({normalise(targets[n]) for n in nodes})
    taken: set[str] = set()
    for chunk in batched(candidates, 5000):
        taken.update(r["username"] for r in g.read("importers/list_taken_usernames", names=chunk, source=SOURCE))
    names = usernames({n: targets[n] for n in nodes}, taken)
    renamed = sum(1 for n in nodes if names[n] != normalise(targets[n]))
    now = clock.now()
    users = [{"uid": import_uid(SOURCE, n), "username": names[n], "display_name": targets[n],
              "source": SOURCE, "created_at": now} for n in nodes]
    write_friendship_graph(SOURCE, users, edges, now, batch, progress)
    usersearch.rebuild()  # the new users become searchable by prefix
    counts = g.read("importers/count_source", source=SOURCE)[0]
    friends = g.read("importers/count_source_friendships", source=SOURCE)[0]
    return {"users": counts["users"], "edges": len(edges), "follows": counts["follows"],
            "friendships": friends["friendships"], "renamed": renamed,
            "seconds": round(time.perf_counter() - t0, 2)}
