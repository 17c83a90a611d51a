"""The command line on the real servers: ``db init``, ``worker --burst`` and
``dev`` refusing to start over busy ports."""
from __future__ import annotations

import socket

from click.testing import CliRunner

from socialgraph import stores
from tests.conftest import extra_app, unique


def test_db_init_is_idempotent(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        r = runner.invoke(args=["db", "init"])
        assert r.exit_code == 0, r.output
        assert "schema ready on graph, documents and objects" in r.output


def test_worker_burst_runs_the_queued_jobs(app_config, mailbox):
    from socialgraph.accounts import service as accounts

    queue = unique("cliq")
    with extra_app(app_config, RQ_ASYNC=True, RQ_QUEUE=queue, RQ_FEED_QUEUE=queue + "-feeds",
                   RQ_NOTIFY_QUEUE=queue, RQ_HEAVY_QUEUE=queue + "-heavy") as other:  # mail: the notify lane
        with other.app_context():
            # with RQ_ASYNC on, sign-up only queues its verification mail
            user = accounts.register(unique("cw"), f"{unique('cw')}@example.test", "a long enough password")
            before = len(mailbox.messages_to(user["email"]))
            assert stores.tasks().queue().count == 1
        r = other.test_cli_runner().invoke(args=["worker", "--burst", "--queues", queue])
        assert r.exit_code == 0, r.output
        with other.app_context():
            assert stores.tasks().queue().count == 0
    assert len(mailbox.messages_to(user["email"])) == before + 1


def test_dev_refuses_busy_ports(tmp_path):
    from socialgraph.cli import dev

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        r = CliRunner().invoke(dev, ["--data-dir", str(tmp_path / "local"), "--port", str(port)])
    assert r.exit_code == 1
    assert "ports already in use" in r.output and f"api:{port}" in r.output
    assert not (tmp_path / "local").exists()  # nothing was started
