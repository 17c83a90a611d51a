#!/usr/bin/env python
"""PNG plots of ``bench/results/scale.json`` (written by ``bench/bench_scale.py``) into ``bench/figures/``;
with ``bench/results/hot_before.json`` and ``hot_after.json`` (``bench/bench_hot.py``, issue 22) also
``hot_cpu.png``: CPU per request in one process, before and after, against ``/ping``."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "figures"


def main(path: str | None = None) -> None:
    res = json.loads(Path(path or REPO / "bench" / "results" / "scale.json").read_text())
    OUT.mkdir(parents=True, exist_ok=True)
    ceiling, peer = res.get("ceiling", {}), res.get("peer", {}).get("steps", {})
    mix, reads, home = res.get("mix", {}), res.get("reads", {}), res.get("home", {})
    steps = sorted(int(s) for s in ceiling or mix or reads or home or peer)

    def series(load, op, key):
        return [load.get(str(s), {}).get("ops", {}).get(op, {}).get(key, float("nan")) for s in steps]

    fig, axes = plt.subplots(1, 2, figsize=(12, 5), sharey=True)
    for ax, (title, load) in zip(axes, (("mixed load (reads and writes)", mix), ("reads only (home, profile, suggestions)", reads))):
        if not load:
            continue
        ops = [o for o in load[str(steps[0])]["ops"] if o != "overall"]
        for op in ops + ["overall"]:
            ax.plot(steps, series(load, op, "p95"), marker="o", label=op, linewidth=2.5 if op == "overall" else 1.2)
        ax.axhline(50, color="grey", linestyle=":", linewidth=1)
        ax.set(xlabel="concurrent clients", title=f"p95 latency, {title}", xscale="log", yscale="log")
        ax.set_xticks(steps, [str(s) for s in steps])
        ax.legend(fontsize=8)
        ax.grid(alpha=.3)
    axes[0].set_ylabel("p95 latency (ms); dotted: the 50 ms home-feed target")
    fig.tight_layout()
    fig.savefig(OUT / "scale_latency.png", dpi=110)

    fig, ax = plt.subplots(figsize=(8, 5))
    ax.plot(steps, series(ceiling, "ping", "rps"), marker="s", color="black", linestyle="--",
            label="ceiling (GET /ping)")
    ax.plot(steps, [v / 2 for v in series(ceiling, "ping", "rps")], color="grey", linestyle=":",
            label="half the ceiling (target for the home feed)")
    if home:
        ax.plot(steps, series(home, "home_feed", "rps"), marker="o", linewidth=2.5, label="home feed only")
    if reads:
        ax.plot(steps, series(reads, "overall", "rps"), marker="o", label="reads only, all requests")
    if mix:
        ax.plot(steps, series(mix, "overall", "rps"), marker="o", label="mixed load, all requests")
        ax.plot(steps, series(mix, "create_post", "rps"), marker=".", label="mixed load: create_post")
    ax.set(xlabel="concurrent clients", ylabel="requests/s", title="throughput vs concurrency", xscale="log",
           yscale="log")
    ax.set_xticks(steps, [str(s) for s in steps])
    ax.legend(fontsize=8)
    ax.grid(alpha=.3)
    fig.tight_layout()
    fig.savefig(OUT / "scale_throughput.png", dpi=110)

    if peer:
        fig, axes = plt.subplots(1, 3, figsize=(12, 4), sharey=True)
        ours = reads or mix
        for ax, op in zip(axes, ("home_feed", "profile", "suggestions")):
            ax.plot(steps, series(ours, op, "p95"), marker="o",
                    label="socialgraph (reads only)" if reads else "socialgraph (mixed load)")
            ax.plot(steps, series(peer, op, "p95"), marker="s", label="DRF + PostgreSQL peer (reads only)")
            ax.set(title=f"{op}: p95", xlabel="concurrent clients", xscale="log", yscale="log")
            ax.set_xticks(steps, [str(s) for s in steps])
            ax.grid(alpha=.3)
        axes[0].set_ylabel("p95 latency (ms)")
        axes[0].legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(OUT / "scale_vs_peer.png", dpi=110)
    print("\n".join(str(p.relative_to(REPO)) for p in sorted(OUT.glob("scale_*.png"))))


def hot(before: Path = REPO / "bench" / "results" / "hot_before.json",
        after: Path = REPO / "bench" / "results" / "hot_after.json") -> None:
    """``hot_cpu.png``: thread CPU ms per request (p50) of each read, before / after."""
    if not (before.exists() and after.exists()):
        return
    b, a = json.loads(before.read_text()), json.loads(after.read_text())
    names = [n for n in ("ping", "home", "profile", "profile_cold", "hub_cold", "post", "comments", "search")
             if n in b and n in a]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    x = range(len(names))
    ax.bar([i - 0.2 for i in x], [b[n]["cpu_p50"] for n in names], width=0.4, label=f"before ({b['started']})")
    ax.bar([i + 0.2 for i in x], [a[n]["cpu_p50"] for n in names], width=0.4, label=f"after ({a['started']})")
    ax.axhline(5 * a["ping"]["cpu_p50"], color="grey", linestyle="--", label="5 x /ping (after run)")
    ax.set_xticks(list(x), names)
    ax.set(ylabel="CPU ms per request (p50, one process, WSGI)",
           title="ego-Facebook + beer: CPU per request through the WSGI interface")
    ax.legend(fontsize=8)
    ax.grid(alpha=.3, axis="y")
    fig.tight_layout()
    OUT.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT / "hot_cpu.png", dpi=110)
    print(str((OUT / "hot_cpu.png").relative_to(REPO)))


def merge(out: Path, *parts: Path) -> Path:
    """One results file from several runs of ``bench_scale.py`` (e.g. ours with
    ``--no-peer`` and the peer with ``--peer-only`` on the same data): the
    loads of each, later files winning."""
    merged: dict = {}
    for part in parts:
        merged.update({k: v for k, v in json.loads(part.read_text()).items() if v})
    out.write_text(json.dumps(merged, indent=1))
    return out


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("scale", nargs="*", help="scale results (several: merged, later ones winning)")
    ap.add_argument("--hot-before", default=str(REPO / "bench" / "results" / "hot_before.json"))
    ap.add_argument("--hot-after", default=str(REPO / "bench" / "results" / "hot_after.json"))
    a = ap.parse_args()
    if len(a.scale) > 1:
        main(str(merge(REPO / "bench" / "results" / "scale_merged.json", *map(Path, a.scale))))
    elif a.scale or (REPO / "bench" / "results" / "scale.json").exists():
        main(*a.scale)
    hot(Path(a.hot_before), Path(a.hot_after))
