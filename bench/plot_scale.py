#!/usr/bin/env python
"""PNG plots of ``bench/results/scale.json`` (written by ``bench/bench_scale.py``) into ``bench/figures/``."""
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
    steps = sorted(int(s) for s in ceiling or mix)

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


if __name__ == "__main__":
    main(*sys.argv[1:])
