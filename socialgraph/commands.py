"""Flask CLI commands of the app (``socialgraph db init``, ``import ...``,
``worker``, ``outbox drain``, ``media cleanup``, ``stories purge``, ``users ...``), registered
by :func:`socialgraph.app.create_app`. The console entry point and ``dev`` are
in :mod:`socialgraph.cli`.
"""
from __future__ import annotations

import json
import sys
import threading
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from socialgraph.operations import doctor, interactions as interaction_mirror, scheduler

from socialgraph import stores
from socialgraph.stores import readcache
from socialgraph.accounts import admin as account_admin
from socialgraph.accounts.deletion import resume_pending
from socialgraph.accounts.service import expire_unverified
from socialgraph.content.media import cleanup_orphans
from socialgraph.core.errors import DomainError
from socialgraph.content.search import reindex
from socialgraph.feeds.trends import schedule_next
from socialgraph.importers.musae import import_musae_github
from socialgraph.messaging.push import ensure_vapid_keys
from socialgraph.importers.snap import import_snap_facebook
from socialgraph.graph.suggestions_cli import suggestions_cli
from socialgraph.importers.stackexchange import import_stackexchange
from socialgraph.operations.sweeper import schedule_sweep
from socialgraph.stores.queue import REAP_EVERY, make_worker
from socialgraph.stores.schema import ensure_all
from socialgraph.stories.stories import purge_expired


def register_cli(app: Flask) -> None:
    db = AppGroup("db", help="Database schema.")

    @db.command("init")
    def db_init():
        """Create constraints, indexes and the bucket (idempotent)."""

        t = time.perf_counter()
        ensure_all()
        click.echo(f"schema ready on graph, documents and objects in {time.perf_counter() - t:.2f}s")
        generated, public = ensure_vapid_keys()
        click.echo(("generated a VAPID key pair (kept in MongoDB settings)" if generated else "VAPID key ready")
                   + f"; Web Push server key: {public}")

    imp = AppGroup("import", help="Load real public data sets.")

    @imp.command("snap-facebook")
    @click.argument("path", type=click.Path(exists=True))
    @click.option("--batch", default=5000, show_default=True, help="Rows per UNWIND batch.")
    def import_snap(path, batch):
        """Load SNAP ego-Facebook (facebook_combined.txt or its folder)."""

        stats = import_snap_facebook(path, batch=batch, progress=_progress)
        click.echo(f"\nsnap-facebook: {stats}")
        stores.tasks().enqueue("jobs.graph.precompute_heavy_suggestions", "snap-facebook", job_timeout=3600)

    @imp.command("musae-github")
    @click.argument("directory", type=click.Path(exists=True, file_okay=False))
    @click.option("--batch", default=5000, show_default=True, help="Rows per UNWIND batch.")
    def import_musae(directory, batch):
        """Load MUSAE GitHub (folder with git_target.csv and git_edges.csv)."""

        stats = import_musae_github(directory, batch=batch, progress=_progress)
        click.echo(f"\nmusae-github: {stats}")
        stores.tasks().enqueue("jobs.graph.precompute_heavy_suggestions", "musae-github", job_timeout=3600)

    @imp.command("stackexchange")
    @click.argument("directory", type=click.Path(exists=True, file_okay=False))
    @click.option("--site", default=None, help="Site name (default: folder name).")
    @click.option("--onto", default="snap-facebook", show_default=True,
                  help="Import source whose users become the authors.")
    def import_se(directory, site, onto):
        """Load a Stack Exchange dump (posts, answers, comments, tags, up-votes)."""

        try:
            stats = import_stackexchange(directory, site=site, onto=onto, progress=_progress)
        except ValueError as exc:
            raise click.ClickException(str(exc))
        click.echo(f"\nstackexchange: {stats}")

    outbox = AppGroup("outbox", help="Jobs kept while Redis was away.")

    @outbox.command("drain")
    def outbox_drain():
        """Move jobs kept in MongoDB while Redis was away onto their RQ queues."""
        click.echo(f"re-queued {stores.tasks().drain_outbox()} job(s)")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    @click.option("--queues", default=None,
                  help="Comma-separated queues in priority order (default: every lane, "
                       "SG_RQ_NOTIFY_QUEUE, SG_RQ_FEED_QUEUE, SG_RQ_QUEUE, SG_RQ_HEAVY_QUEUE).")
    @click.option("--fork", is_flag=True,
                  help="Run each job in a forked child (RQ's Worker) instead of in the worker process.")
    def worker(burst, queues, fork):
        """Run an RQ worker (jobs run inside the app). By default it takes jobs
        from every lane in priority order (notifications, feeds, default,
        heavy); ``--queues notifications`` runs a worker dedicated to one
        lane (docker-compose runs one per lane). Jobs run in the worker process
        (RQ's SimpleWorker, as Sidekiq runs jobs in its threads): measured
        4.0 ms per small job against 28.7 ms with a fork per job
        (``--fork``), which let notification bursts queue up behind fan-out.
        A running job's heartbeat is refreshed every 10 s; every worker
        re-queues, every 10 s, the jobs of workers that died
        (:meth:`~socialgraph.stores.queue.TaskQueue.requeue_abandoned`), and
        keeps the sweeper of stuck work scheduled (``jobs.operations.sweep``)."""
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeout

        tasks = stores.tasks()
        stop_reaper = threading.Event()

        def reap():  # a thread: jobs of dead workers go back to their queues within ~40 s
            with app.app_context():
                while not stop_reaper.wait(REAP_EVERY):
                    try:
                        tasks.reap_once()
                        readcache.replay_pending()  # copies a write could not drop while Redis was away
                    except Exception as exc:  # noqa: BLE001 - Redis away: the next pass retries
                        click.echo(f"re-queue of abandoned jobs skipped: {exc}", err=True)

        threading.Thread(target=reap, daemon=True, name="sg-reaper").start()
        try:
            while True:  # survive Redis outages: RQ's worker quits on a lost connection
                try:
                    try:
                        tasks.drain_outbox()
                    except Exception as exc:  # the worker still starts; the next drain retries
                        click.echo(f"outbox drain skipped: {exc}", err=True)
                    if current_app.config["SCHEDULER"] == "worker":  # no scheduler service: keep the chains
                        tasks.enqueue("jobs.stories.purge_expired", reschedule=True)  # then every 10 min
                        tasks.enqueue("jobs.accounts.expire_unverified_accounts", reschedule=True)  # hourly
                        schedule_next(delay=1)  # trends job; it re-schedules itself (one per time slot)
                        schedule_sweep(delay=5)  # sweeper of stuck work; re-schedules itself
                    names = [q.strip() for q in queues.split(",") if q.strip()] if queues else tasks.queue_names
                    w = make_worker(names, connection=stores.queue_redis(), fork=fork)
                    w.work(burst=burst, with_scheduler=True)
                    return
                except (RedisConnectionError, RedisTimeout) as exc:
                    click.echo(f"redis unavailable ({exc}); worker restarts in 2 s", err=True)
                    time.sleep(2)
        finally:
            stop_reaper.set()

    @app.cli.command("scheduler")
    @click.option("--once", is_flag=True, help="Queue what is due now, print it and exit.")
    def scheduler_cmd(once):
        """Queue every periodic job on time (trends, stories purge, media cleanup, ...);
        one process per deployment is enough, more are safe (one run per slot)."""
        import signal

        if once:
            click.echo("queued: " + (", ".join(scheduler.tick()) or "nothing due"))
            return
        stopping: list[int] = []
        signal.signal(signal.SIGTERM, lambda signum, _f: stopping.append(signum))
        signal.signal(signal.SIGINT, lambda signum, _f: stopping.append(signum))
        jobs = ", ".join(f"{e.name} every {e.seconds(current_app.config)}s" for e in scheduler.PERIODIC.values())
        click.echo(f"scheduler: {jobs}")
        scheduler.run(stop=lambda: bool(stopping),
                      sleep=lambda seconds: _sleep_unless(stopping, seconds))

    med = AppGroup("media", help="Media in object storage.")

    @med.command("cleanup")
    @click.option("--older-than", type=int, default=None,
                  help="Seconds an unattached upload may live (default SG_MEDIA_ORPHAN_SECONDS).")
    def media_cleanup(older_than):
        """Delete uploads never attached to a post (the scheduler queues this hourly)."""

        click.echo(f"media cleanup: {cleanup_orphans(older_than)}")

    app.cli.add_command(med)

    search_cli = AppGroup("search", help="Post search.")

    @search_cli.command("reindex")
    @click.option("--batch", default=1000, show_default=True, help="Posts per bulk write.")
    @click.option("--all", "everything", is_flag=True, help="Every post, not only those with older terms.")
    def search_reindex(batch, everything):
        """Write the search terms of existing posts (imported or older ones; resumable)
        and rebuild the user-search index."""

        stats = reindex(batch=batch, progress=_progress, everything=everything)
        click.echo(f"\nsearch reindex: {stats}")

    app.cli.add_command(search_cli)

    stories_cli = AppGroup("stories", help="Stories.")

    @stories_cli.command("purge-expired")
    def stories_purge():
        """Remove media and documents of expired stories not kept in a highlight (cron)."""

        click.echo(f"purged {purge_expired()}")

    accounts_cmd = AppGroup("accounts", help="Account maintenance.")

    @accounts_cmd.command("resume-deletions")
    def resume_deletions():
        """Queue again every account deletion that has not finished (after a crash)."""

        click.echo(f"re-queued {len(resume_pending())} deletion(s)")

    @accounts_cmd.command("expire-unverified")
    def expire_unverified_cmd():
        """Delete sign-ups never verified within SG_UNVERIFIED_ACCOUNT_SECONDS (hourly from the worker)."""

        click.echo(f"queued {len(expire_unverified())} deletion(s) of unverified account(s)")

    app.cli.add_command(accounts_cmd)
    app.cli.add_command(_users_group())
    app.cli.add_command(db)
    app.cli.add_command(imp)
    app.cli.add_command(outbox)
    app.cli.add_command(stories_cli)
    app.cli.add_command(suggestions_cli)

    @suggestions_cli.command("rebuild-interactions")
    def rebuild_interactions_cmd():
        """Count existing reactions, comments, mentions, shares and direct
        messages into the engagement ledger and mirror every pair as
        INTERACTED_WITH into the graph (idempotent)."""
        click.echo(json.dumps(interaction_mirror.rebuild()))

    @app.cli.command("doctor")
    @click.option("--repair", is_flag=True, help="Fix what can be fixed, then report what is left.")
    @click.option("--check", "only", multiple=True, help="Run only this check (repeatable).")
    def doctor_cmd(repair, only):
        """Consistency check across the four stores; one line per finding, exit 1 if any."""
        try:
            found, left = doctor.run(repair=repair, only=only or None, progress=_progress_bar)
        except KeyError as exc:
            raise click.UsageError(str(exc.args[0]))
        sys.stderr.write("\n")
        for finding in found:
            click.echo(("repaired " if repair and finding not in left else "") + finding.line())
        click.echo(f"{len(found)} finding(s), {len(left)} left, {len(doctor.CHECKS) if not only else len(only)} check(s)")
        if left:
            sys.exit(1)


def _users_group() -> AppGroup:
    users = AppGroup("users", help="Create accounts and change roles (operators).")

    @users.command("create")
    @click.argument("username")
    @click.option("--email", required=True, help="The account's email address.")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                  envvar="SG_NEW_USER_PASSWORD",
                  help="Password (asked for when not given; or set SG_NEW_USER_PASSWORD).")
    @click.option("--admin", is_flag=True, help="Give the account the admin role (moderation).")
    @click.option("--confirmed", is_flag=True, help="Mark the email address as verified.")
    def users_create(username, email, password, admin, confirmed):
        """Create an account USERNAME as signup would, optionally an admin."""
        try:
            acc = account_admin.create_account(username, email, password, role="admin" if admin else "user",
                                               confirmed=confirmed)
        except DomainError as exc:
            raise click.ClickException(_explain(exc))
        click.echo(f"created {acc['username']} ({acc['uid']}), role {acc['role']}")

    @users.command("set-role")
    @click.argument("username")
    @click.argument("role", type=click.Choice(account_admin.ROLES))
    def users_set_role(username, role):
        """Give the account USERNAME the role ROLE (user or admin)."""
        try:
            acc = account_admin.set_role(username, role)
        except DomainError as exc:
            raise click.ClickException(_explain(exc))
        click.echo(f"{acc['username']} is now {acc['role']}")

    return users


def _sleep_unless(stopping: list, seconds: float) -> None:
    end = time.monotonic() + seconds
    while not stopping and time.monotonic() < end:
        time.sleep(min(0.5, max(end - time.monotonic(), 0)))


def _explain(exc: DomainError) -> str:
    """One line for the operator: the problem's detail, then each field error."""
    return exc.detail + "".join(f"; {e.get('field')}: {e.get('message')}" for e in exc.errors or [])


def _progress(label: str, done: int, total: int | None = None) -> None:
    if total:
        sys.stderr.write(f"\r  {label}: {done:,}/{total:,} ({100 * done // max(total, 1)}%)   ")
    else:
        sys.stderr.write(f"\r  {label}: {done:,}   ")
    sys.stderr.flush()


def _progress_bar(label: str, done: int, total: int | None = None, width: int = 30) -> None:
    """A one-line progress bar on stderr: ``  counters [#########-----] 61% 3,050/5,000``."""
    if not total:
        return _progress(label, done, total)
    filled = width * min(done, total) // max(total, 1)
    sys.stderr.write(f"\r  {label:<12} [{'#' * filled}{'-' * (width - filled)}] "
                     f"{100 * min(done, total) // max(total, 1):3d}% {done:,}/{total:,}   ")
    sys.stderr.flush()
