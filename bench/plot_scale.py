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
    mix, ceiling, peer = res["mix"], res.get("ceiling", {}), res.get("peer", {}).get("steps", {})
    steps = sorted(int(s) for s in mix)
    ops = [o for o in mix[str(steps[0])]["ops"] if o != "overall"]

    fig, ax = plt.subplots(figsize=(8, 5))
    for op in ops + ["overall"]:
        ax.plot(steps, [mix[str(s)]["ops"].get(op, {}).get("p95", float("nan")) for s in steps], marker="o", label=op,
                linewidth=2.5 if op == "overall" else 1.2)
    ax.set(xlabel="concurrent clients", ylabel="p95 latency (ms)", title="socialgraph: p95 latency vs concurrency",
           xscale="log", yscale="log")
    ax.set_xticks(steps, [str(s) for s in steps])
    ax.legend(fontsize=8)
    ax.grid(alpha=.3)
    fig.tight_layout()
    fig.savefig(OUT / "scale_latency.png", dpi=110)

    fig, ax = plt.subplots(figsize=(8, 5))
    ax.plot(steps, [ceiling.get(str(s), {}).get("ops", {}).get("ping", {}).get("rps", float("nan")) for s in steps],
            marker="s", color="black", linestyle="--", label="ceiling (GET /ping)")
    ax.plot(steps, [mix[str(s)]["ops"]["overall"]["rps"] for s in steps], marker="o", linewidth=2.5,
            label="mixed load, all requests")
    for op in ("home_feed", "profile", "suggestions", "create_post"):
        ax.plot(steps, [mix[str(s)]["ops"].get(op, {}).get("rps", float("nan")) for s in steps], marker=".", label=op)
    ax.set(xlabel="concurrent clients", ylabel="requests/s", title="throughput vs concurrency", xscale="log",
           yscale="log")
    ax.set_xticks(steps, [str(s) for s in steps])
    ax.legend(fontsize=8)
    ax.grid(alpha=.3)
    fig.tight_layout()
    fig.savefig(OUT / "scale_throughput.png", dpi=110)

    if peer:
        fig, axes = plt.subplots(1, 3, figsize=(12, 4), sharey=True)
        for ax, op in zip(axes, ("home_feed", "profile", "suggestions")):
            ax.plot(steps, [mix[str(s)]["ops"].get(op, {}).get("p95", float("nan")) for s in steps], marker="o",
                    label="socialgraph (mixed load)")
            ax.plot(steps, [peer.get(str(s), {}).get("ops", {}).get(op, {}).get("p95", float("nan")) for s in steps],
                    marker="s", label="DRF + PostgreSQL peer (reads only)")
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
