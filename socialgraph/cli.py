"""The ``socialgraph`` command line (also ``flask --app wsgi``).

- ``socialgraph dev``: start the local real servers and the API (local default);
- ``socialgraph db init``: create graph schema, Mongo indexes, media bucket;
- ``socialgraph import snap-facebook PATH`` / ``import musae-github DIR`` / ``import stackexchange DIR``;
- ``socialgraph worker [--queues feeds,default]``: an RQ worker (feed queue first, then the default queue);
- ``socialgraph outbox drain``: re-queue jobs kept while Redis was away;
- ``socialgraph media cleanup``: delete orphaned uploads (schedule hourly).
"""
from __future__ import annotations

import sys
import time

import click
from flask import Flask
from flask.cli import AppGroup


def register_cli(app: Flask) -> None:
    db = AppGroup("db", help="Database schema.")

    @db.command("init")
    def db_init():
        """Create constraints, indexes and the bucket (idempotent)."""
        from socialgraph.stores.schema import ensure_all

        t = time.perf_counter()
        ensure_all()
        click.echo(f"schema ready on graph, documents and objects in {time.perf_counter() - t:.2f}s")

    imp = AppGroup("import", help="Load real public data sets.")

    @imp.command("snap-facebook")
    @click.argument("path", type=click.Path(exists=True))
    @click.option("--batch", default=5000, show_default=True, help="Rows per UNWIND batch.")
    def import_snap(path, batch):
        """Load SNAP ego-Facebook (facebook_combined.txt or its folder)."""
        from socialgraph.importers.snap import import_snap_facebook

        stats = import_snap_facebook(path, batch=batch, progress=_progress)
        click.echo(f"\nsnap-facebook: {stats}")

    @imp.command("musae-github")
    @click.argument("directory", type=click.Path(exists=True, file_okay=False))
    @click.option("--batch", default=5000, show_default=True, help="Rows per UNWIND batch.")
    def import_musae(directory, batch):
        """Load MUSAE GitHub (folder with git_target.csv and git_edges.csv)."""
        from socialgraph.importers.musae import import_musae_github

        stats = import_musae_github(directory, batch=batch, progress=_progress)
        click.echo(f"\nmusae-github: {stats}")

    @imp.command("stackexchange")
    @click.argument("directory", type=click.Path(exists=True, file_okay=False))
    @click.option("--site", default=None, help="Site name (default: folder name).")
    @click.option("--onto", default="snap-facebook", show_default=True,
                  help="Import source whose users become the authors.")
    def import_se(directory, site, onto):
        """Load a Stack Exchange dump (posts, answers, comments, tags, up-votes)."""
        from socialgraph.importers.stackexchange import import_stackexchange

        stats = import_stackexchange(directory, site=site, onto=onto, progress=_progress)
        click.echo(f"\nstackexchange: {stats}")

    outbox = AppGroup("outbox", help="Jobs kept while Redis was away.")

    @outbox.command("drain")
    def outbox_drain():
        from socialgraph import stores

        click.echo(f"re-queued {stores.tasks().drain_outbox()} job(s)")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    @click.option("--queues", default=None,
                  help="Comma-separated queues in priority order (default: SG_RQ_FEED_QUEUE, then SG_RQ_QUEUE).")
    @click.option("--fork", is_flag=True,
                  help="Run each job in a forked child (RQ's Worker) instead of in the worker process.")
    def worker(burst, queues, fork):
        """Run an RQ worker (jobs run inside the app). By default it takes jobs
        from the feed queue first, then the default queue; ``--queues feeds``
        runs a worker dedicated to fan-out. Jobs run in the worker process
        (RQ's SimpleWorker, as Sidekiq runs jobs in its threads): measured
        4.0 ms per small job against 28.7 ms with a fork per job
        (``--fork``), which let notification bursts queue up behind fan-out."""
        from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeout
        from rq import SimpleWorker, Worker

        from socialgraph import stores

        while True:  # survive Redis outages: RQ's worker quits on a lost connection
            try:
                try:
                    stores.tasks().drain_outbox()
                except Exception as exc:  # the worker still starts; the next drain retries
                    click.echo(f"outbox drain skipped: {exc}", err=True)
                stores.tasks().enqueue("jobs.stories.purge_expired", reschedule=True)  # then every 10 min
                from socialgraph.feeds.trends import schedule_next

                schedule_next(delay=1)  # trends job; it re-schedules itself (one per time slot)
                names = [q.strip() for q in queues.split(",") if q.strip()] if queues else \
                    stores.tasks().queue_names
                w = (Worker if fork else SimpleWorker)(names, connection=stores.cache())
                w.work(burst=burst, with_scheduler=True)
                return
            except (RedisConnectionError, RedisTimeout) as exc:
                click.echo(f"redis unavailable ({exc}); worker restarts in 2 s", err=True)
                time.sleep(2)

    med = AppGroup("media", help="Media in object storage.")

    @med.command("cleanup")
    @click.option("--older-than", type=int, default=None,
                  help="Seconds an unattached upload may live (default SG_MEDIA_ORPHAN_SECONDS).")
    def media_cleanup(older_than):
        """Delete uploads never attached to a post (run hourly from cron)."""
        from socialgraph.content.media import cleanup_orphans

        click.echo(f"media cleanup: {cleanup_orphans(older_than)}")

    app.cli.add_command(med)

    stories_cli = AppGroup("stories", help="Stories.")

    @stories_cli.command("purge-expired")
    def stories_purge():
        """Remove media and documents of expired stories not kept in a highlight (cron)."""
        from socialgraph.stories.service import purge_expired

        click.echo(f"purged {purge_expired()}")

    accounts_cmd = AppGroup("accounts", help="Account maintenance.")

    @accounts_cmd.command("resume-deletions")
    def resume_deletions():
        """Queue again every account deletion that has not finished (after a crash)."""
        from socialgraph.accounts.deletion import resume_pending

        click.echo(f"re-queued {len(resume_pending())} deletion(s)")

    app.cli.add_command(accounts_cmd)
    app.cli.add_command(db)
    app.cli.add_command(imp)
    app.cli.add_command(outbox)
    app.cli.add_command(stories_cli)


def _progress(label: str, done: int, total: int | None = None) -> None:
    if total:
        sys.stderr.write(f"\r  {label}: {done:,}/{total:,} ({100 * done // max(total, 1)}%)   ")
    else:
        sys.stderr.write(f"\r  {label}: {done:,}   ")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``socialgraph`` console command."""
    from flask.cli import FlaskGroup

    from socialgraph.app import create_app

    group = FlaskGroup(create_app=lambda: create_app(), help="socialgraph: manage the API and its stores.")
    group.add_command(dev)
    group.main(args=argv, prog_name="socialgraph")


@click.command("dev")
@click.option("--data-dir", default=".localdata", show_default=True, envvar="SG_LOCAL_DIR",
              help="Where the local servers keep their data, logs and the mail outbox.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes.")
@click.option("--threads", default=64, show_default=True, type=int,
              help="gthread threads per worker; each open WebSocket holds one.")
def dev(data_dir, host, port, workers, threads):
    """Start the local real servers, an RQ worker and the API; Ctrl-C stops all.

    The servers (ArcadeDB over Bolt, SecantusDB, SeaweedFS S3, Valkey) listen
    on the standard ports of the services they stand in for, so that other
    commands (``socialgraph import ...``) reach them with the default settings.
    """
    import os
    import signal
    import subprocess
    from pathlib import Path

    from socialgraph.core.config import DEV_BOLT_PASSWORD, DEV_S3_SECRET, LOCAL_PORTS
    from socialgraph.stores.localstack import LocalStack, _port_open

    busy = [f"{name}:{p}" for name, p in LOCAL_PORTS.items() if _port_open(p)]
    if busy or _port_open(port):
        raise click.ClickException(
            "ports already in use: " + ", ".join(busy + ([f"api:{port}"] if _port_open(port) else []))
            + " (is another `socialgraph dev` running?)")
    root = Path(data_dir).absolute()
    stack = LocalStack(root=root, bolt_port=LOCAL_PORTS["bolt"], arcade_http_port=LOCAL_PORTS["arcade_http"],
                       mongo_port=LOCAL_PORTS["mongo"], s3_port=LOCAL_PORTS["s3"], redis_port=LOCAL_PORTS["redis"],
                       graph_password=DEV_BOLT_PASSWORD, s3_secret_key=DEV_S3_SECRET)
    click.echo(f"starting local servers in {root} ...")
    t = time.perf_counter()
    stack.start()
    children: list[subprocess.Popen] = []
    stopping = False

    def stop(*_):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        click.echo("\nstopping ...")
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        stack.stop()
        click.echo("stopped.")

    requested: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, _f: requested.append(signum))
    signal.signal(signal.SIGTERM, lambda signum, _f: requested.append(signum))
    try:
        env = {**os.environ, **stack.env(), "SG_MAIL_OUTBOX_DIR": str(root / "outbox"),
               "SG_PUBLIC_BASE_URL": os.environ.get("SG_PUBLIC_BASE_URL", f"http://{host}:{port}")}
        click.echo(f"servers ready in {time.perf_counter() - t:.1f}s; creating schema ...")
        subprocess.run([sys.executable, "-m", "socialgraph", "db", "init"], env=env, check=True)
        # children get their own session: Ctrl-C reaches only us, and we stop them in order
        children.append(subprocess.Popen([sys.executable, "-m", "socialgraph", "worker"], env=env,
                                         start_new_session=True))
        children.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--threads", str(threads),
             "--workers", str(workers), "--bind", f"{host}:{port}", "--graceful-timeout", "5",
             "--access-logfile", "-", "socialgraph.app:create_app()"], env=env, start_new_session=True))
        click.echo(f"API on http://{host}:{port}/api/v1  (docs: /api/v1/docs, mail outbox: {root / 'outbox'})")
        click.echo("Ctrl-C stops the API, the worker and the servers.")
        while not requested:
            if any(c.poll() is not None for c in children):
                raise click.ClickException("a child process exited; see its output above")
            time.sleep(0.3)
    finally:
        stop()
