"""MUSAE GitHub importer on a slice of the real edges: counts, names, idempotency."""
from __future__ import annotations

import re

import pytest

from socialgraph import stores
from socialgraph.importers import import_uid
from socialgraph.importers.musae import (
    SOURCE,
    normalise,
    read_edges,
    read_targets,
    usernames,
)

SLICE_EDGES = 400


@pytest.fixture(scope="module")
def musae_slice(app, shared_data, tmp_path_factory):
    src = shared_data / "musae_github"  # the shared_data fixture checks it is there
    d = tmp_path_factory.mktemp("musae")
    lines = (src / "git_edges.csv").read_text().splitlines()
    (d / "git_edges.csv").write_text("\n".join(lines[: SLICE_EDGES + 1]) + "\n")
    (d / "git_target.csv").write_text((src / "git_target.csv").read_text())
    result = app.test_cli_runner().invoke(args=["import", "musae-github", str(d)])
    assert result.exit_code == 0, result.output
    return d


def test_username_rule():
    names = usernames({5: "Ab-C", 7: "ab_c", 9: "x", 11: "y" * 39, 12: "Torvalds"}, taken={"torvalds"})
    assert names == {5: "ab_c", 7: "ab_c_7", 9: "x_9", 11: "y" * 30, 12: "torvalds_12"}
    assert all(re.fullmatch(r"[a-z0-9_]{3,30}", u) for u in names.values())


def test_slice_counts_and_idempotency(app, ctx, musae_slice):
    edges = read_edges(musae_slice)
    targets = read_targets(musae_slice)
    nodes = {n for e in edges for n in e}
    pairs = {tuple(sorted(e)) for e in edges}
    g = stores.graph()
    before = g.read("importers/count_source", source=SOURCE)[0]
    friends = g.read("importers/count_source_friendships", source=SOURCE)[0]["friendships"]
    assert before["users"] == len(nodes)
    assert before["follows"] == 2 * len(pairs)
    assert friends == len(pairs)
    a = edges[0][0]
    prof = g.read("graph/users/get_profile_by_uid", uid=import_uid(SOURCE, a))[0]
    assert prof["user"]["username"] == normalise(targets[a])
    assert prof["user"]["display_name"] == targets[a]
    degree = sum(1 for p in pairs if a in p)
    assert prof["followers_count"] == prof["following_count"] == degree
    # a re-run adds nothing
    again = app.test_cli_runner().invoke(args=["import", "musae-github", str(musae_slice)])
    assert again.exit_code == 0, again.output
    assert g.read("importers/count_source", source=SOURCE)[0] == before
    assert g.read("importers/count_source_friendships", source=SOURCE)[0]["friendships"] == friends
