#!/usr/bin/env python
"""Markdown tables of ``bench/results/scale.json`` (for BENCHMARKS.md)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(path: str | None = None) -> None:
    res = json.loads(Path(path or REPO / "bench" / "results" / "scale.json").read_text())
    ceiling, peer = res.get("ceiling", {}), res.get("peer", {}).get("steps", {})
    loads = [w for w in ("home", "reads", "mix") if w in res]
    print("| load | clients | operation | req/s | of ceiling | p50 ms | p95 ms | p99 ms | errors | peer p95 ms | ours/peer p95 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for users in sorted(ceiling, key=int):
        ping = ceiling[users]["ops"].get("ping", {})
        print(f"| ceiling | {users} | GET /ping | {ping.get('rps')} | 1 | {ping.get('p50')} | {ping.get('p95')} | "
              f"{ping.get('p99')} | {ping.get('errors')} | | |")
    for which in loads:
        for users in sorted(res[which], key=int):
            ping = ceiling.get(users, {}).get("ops", {}).get("ping", {})
            for op, o in res[which][users]["ops"].items():
                p = peer.get(users, {}).get("ops", {}).get(op) if which == "reads" else None
                ratio = f"{o['p95'] / p['p95']:.2f}" if p and p["p95"] else ""
                share = f"{o['rps'] / ping['rps']:.3f}" if ping.get("rps") else ""
                print(f"| {which} | {users} | {op} | {o['rps']} | {share} | {o['p50']:g} | {o['p95']:g} | "
                      f"{o['p99']:g} | {o['errors']} | {p['p95'] if p else ''} | {ratio} |")
    print()
    print("| clients | peer operation | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for users in sorted(peer, key=int):
        for op, o in peer[users]["ops"].items():
            print(f"| {users} | {op} | {o['rps']} | {o['p50']:g} | {o['p95']:g} | {o['p99']:g} | {o['errors']} |")
    print()
    procs = {}
    labelled = [("ceiling", ceiling)] + [(w, res[w]) for w in loads] + [("peer", peer)]
    for label, steps in labelled:
        for users, st in steps.items():
            for name, v in st["procs"].items():
                procs.setdefault(name, {})[f"{label}@{users}"] = v
    cols = [f"{lab}@{u}" for lab, st in labelled for u in sorted(st, key=int)]
    print("| process | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for name, vals in procs.items():
        cells = [f"{vals[c]['cpu_pct']}% / {vals[c]['rss_mb']:.0f} MB" if c in vals else "" for c in cols]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    for key in ("load", "sizes", "readers", "fanout", "fanout_under_load", "store_calls", "graph_alone"):
        print(f"{key}: {json.dumps(res.get(key))}")
    print(f"peer: load_s={res.get('peer', {}).get('load_s')} posts={res.get('peer', {}).get('posts')} "
          f"pg_data_mb={res.get('peer', {}).get('pg_data_mb')}")


if __name__ == "__main__":
    main(*sys.argv[1:])
