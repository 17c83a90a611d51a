"""The ``socialgraph`` command line (also ``flask --app wsgi``).

- ``socialgraph dev``: start the local real servers and the API (local default);
- ``socialgraph db init``: create graph schema, Mongo indexes, media bucket;
- ``socialgraph import snap-facebook PATH`` / ``import musae-github DIR`` / ``import stackexchange DIR``;
- ``socialgraph worker [--queues feeds,default]``: an RQ worker (feed queue first, then the default queue);
- ``socialgraph outbox drain``: re-queue jobs kept while Redis was away;
- ``socialgraph media cleanup``: delete orphaned uploads (the scheduler runs it hourly);
- ``socialgraph users create USERNAME --email E [--admin]`` / ``users set-role USERNAME ROLE``;
- ``socialgraph --version``: this package's version.
"""
from __future__ import annotations

import os
import sys
import time
from importlib import metadata

import click

import socialgraph
from socialgraph.app import create_app
from socialgraph.core.config import DEV_BOLT_PASSWORD, DEV_S3_SECRET, LOCAL_PORTS
from socialgraph.stores.localstack import LocalStack, _port_open


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``socialgraph`` console command."""
    make_group().main(args=argv, prog_name="socialgraph")


def make_group() -> click.Group:
    """The ``socialgraph`` command group: the app's Flask CLI commands plus ``dev``,
    with ``--version`` showing this package's version (not Flask's)."""
    from flask.cli import FlaskGroup

    group = FlaskGroup(create_app=lambda: create_app(), help="socialgraph: manage the API and its stores.",
                       add_version_option=False)
    group.params.append(click.Option(["--version"], is_flag=True, expose_value=False, is_eager=True,
                                     callback=_print_version, help="Show the socialgraph version and exit."))
    group.add_command(dev)
    return group


def package_version() -> str:
    """The installed distribution's version (``setup.py``), else ``socialgraph.__version__``."""
    try:
        return metadata.version("socialgraph")
    except metadata.PackageNotFoundError:
        return socialgraph.__version__


def _print_version(ctx: click.Context, _param, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"socialgraph {package_version()}")
    ctx.exit()


def dev_env(stack_env: dict, data_dir, host: str, port: int, environ: dict | None = None) -> dict:
    """Environment of the processes ``socialgraph dev`` starts: the caller's, then the local
    servers' store settings; ``SG_MAIL_OUTBOX_DIR`` and ``SG_PUBLIC_BASE_URL`` only where the
    caller left them unset (outbox default ``<data_dir>/outbox``)."""
    environ = dict(os.environ if environ is None else environ)
    return {**environ, **stack_env,
            "SG_MAIL_OUTBOX_DIR": environ.get("SG_MAIL_OUTBOX_DIR") or str(data_dir / "outbox"),
            "SG_PUBLIC_BASE_URL": environ.get("SG_PUBLIC_BASE_URL") or f"http://{host}:{port}"}


class WorkerRestarts:
    """Back-off of ``socialgraph dev`` for a worker that keeps crashing: the
    first restart at once, then 1, 2, 4 ... up to 30 s; a worker that ran
    for a minute resets it."""

    def __init__(self) -> None:
        self.count = 0
        self._last = None

    def next_delay(self, now: float) -> float:
        """Seconds to wait before the next restart (``now``: a monotonic clock)."""
        if self._last is not None and now - self._last > 60:
            self.count = 0
        self._last = now
        self.count += 1
        return 0.0 if self.count == 1 else float(min(30, 2 ** (self.count - 2)))


def supervise(children: list, spawn_worker, requested: list, echo=None, poll: float = 0.3) -> None:
    """Watch ``children`` (``[worker, api]`` processes) until ``requested`` is
    non-empty (a signal arrived). A worker that exits is replaced by
    ``spawn_worker()`` after the :class:`WorkerRestarts` back-off, with a
    message on stderr; the API exiting raises ``click.ClickException``."""
    echo = echo or (lambda msg: click.echo(msg, err=True))
    restarts = WorkerRestarts()
    while not requested:
        worker = children[0]
        if worker.poll() is not None:  # a crashed worker: its running job is re-queued by the next one
            wait = restarts.next_delay(time.monotonic())
            echo(f"worker exited with status {worker.returncode}; restarting it"
                 + (f" in {wait:.0f} s" if wait else "") + f" (restart {restarts.count})")
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and not requested:
                time.sleep(min(poll, 0.1))
            if requested:
                return
            children[0] = spawn_worker()
        if children[1].poll() is not None:
            raise click.ClickException("the API server exited; see its output above")
        time.sleep(poll)


@click.command("dev")
@click.option("--data-dir", default=".localdata", show_default=True, envvar="SG_LOCAL_DIR",
              help="Where the local servers keep their data, logs and the mail outbox.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the API listens on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port the API listens on.")
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes.")
@click.option("--threads", default=64, show_default=True, type=int,
              help="gthread threads per worker; each open WebSocket holds one.")
def dev(data_dir, host, port, workers, threads):
    """Start the local real servers, an RQ worker and the API; Ctrl-C stops all.

    A worker that dies (a crash, an OOM kill) is restarted, with a message and
    a short back-off; its running job is re-queued by the next worker. Only
    the API exiting stops everything.

    The servers (ArcadeDB over Bolt, SecantusDB, SeaweedFS S3, Valkey) listen
    on the standard ports of the services they stand in for, so that other
    commands (``socialgraph import ...``) reach them with the default settings.
    """
    import signal
    import subprocess
    from pathlib import Path

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
        env = dev_env(stack.env(), root, host, port)
        click.echo(f"servers ready in {time.perf_counter() - t:.1f}s; creating schema ...")
        subprocess.run([sys.executable, "-m", "socialgraph", "db", "init"], env=env, check=True)
        # children get their own session: Ctrl-C reaches only us, and we stop them in order
        worker_argv = [sys.executable, "-m", "socialgraph", "worker"]
        children.append(subprocess.Popen(worker_argv, env=env, start_new_session=True))
        children.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--threads", str(threads),
             "--workers", str(workers), "--bind", f"{host}:{port}", "--graceful-timeout", "5",
             "--access-logfile", "-", "socialgraph.app:create_app()"], env=env, start_new_session=True))
        click.echo(f"API on http://{host}:{port}/api/v1  (docs: /api/v1/docs, mail outbox: {env['SG_MAIL_OUTBOX_DIR']})")
        click.echo("Ctrl-C stops the API, the worker and the servers.")
        supervise(children, lambda: subprocess.Popen(worker_argv, env=env, start_new_session=True), requested)
    finally:
        stop()
