"""``socialgraph suggestions ...``: train the ranking model, print suggestions,
precompute heavy users' suggestions.

- ``suggestions train [--source S] [--users N] [--seed N] [--kind auto|...]``: learn
  (model selection on held-out edges of the graph) and store a new model version (:mod:`socialgraph.graph.suggestions_training`).
- ``suggestions for USERNAME... [--limit N] --json``: for each username, the
  ranked suggestions with scores and reasons, one JSON object keyed by username.
- ``suggestions precompute [--source S] [--queue]``: precompute the heavy
  users' suggestions now, or queue the job on the ``heavy`` lane.
- ``suggestions rebuild-interactions``: registered by :mod:`socialgraph.commands`
  (it needs :mod:`socialgraph.operations.interactions`, above this package).
"""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from socialgraph import stores
from socialgraph.core.errors import NotFound
from socialgraph.graph import suggestions, suggestions_model, suggestions_training
from socialgraph.graph.people import resolve_uid

suggestions_cli = AppGroup("suggestions", help="Friend suggestions: model, inspection, precomputation.")


@suggestions_cli.command("train")
@click.option("--source", default=None, help="Only users of this import source (e.g. musae-github).")
@click.option("--users", default=1500, show_default=True, help="Seeded users whose candidates are the samples.")
@click.option("--seed", default=23, show_default=True, help="Random seed of the user sample and the hidden edges.")
@click.option("--kind", type=click.Choice(["auto", *suggestions_model.KINDS]), default="auto", show_default=True,
              help="auto: keep the kind with the best validation precision@10 (ties: the simpler); "
                   "or force resource-allocation, logistic-regression (scikit-learn), lightgbm-binary.")
def train_cmd(source, users, seed, kind):
    """Learn the ranking model from the graph (friendships as labels) and store it with a new version."""
    try:
        doc = suggestions_training.train(source=source, users=users, seed=seed, kind=kind)
    except ValueError as exc:
        raise click.ClickException(str(exc))
    click.echo(json.dumps({k: doc[k] for k in ("version", "kind", "samples", "metrics", "params", "pool", "walk")}, default=str))


@suggestions_cli.command("for")
@click.argument("usernames", nargs=-1, required=True)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, suggestions.MAX_SUGGESTIONS),
              help="How many suggestions per user.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the only output format).")
def for_cmd(usernames, limit, as_json):
    """Ranked suggestions with scores and reasons of each USERNAME, freshly
    computed: ``{username: [{username, display_name, mutual_friends, score, reasons}]}``."""
    model = suggestions_model.current()
    out = {"_model": {"version": model["version"], "kind": model["kind"]} if model else "fallback"}
    for name in usernames:
        try:
            uid = resolve_uid(name)
        except NotFound:
            raise click.ClickException(f"no user named {name!r}")
        out[name] = [{k: i[k] for k in ("username", "display_name", "mutual_friends", "score", "reasons")}
                     for i in suggestions.compute(uid)[:limit]]
    click.echo(json.dumps(out, indent=1, ensure_ascii=False))


@suggestions_cli.command("precompute")
@click.option("--source", default=None, help="Only users of this import source.")
@click.option("--queue", "queued", is_flag=True, help="Queue the job on the heavy lane instead of running it here.")
def precompute_cmd(source, queued):
    """Precompute and cache the suggestions of every heavy user (after an import)."""
    if queued:
        click.echo(stores.tasks().enqueue("jobs.graph.precompute_heavy_suggestions", source, job_timeout=3600))
    else:
        click.echo(json.dumps(suggestions.precompute_heavy(source)))
