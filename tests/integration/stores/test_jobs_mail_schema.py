"""Jobs on a real RQ worker, the outbox fallback, SMTP delivery, schema idempotency."""
from __future__ import annotations

import time

import pytest

from socialgraph import stores
from tests.conftest import unique


def test_schema_is_idempotent(ctx):
    from socialgraph.stores.schema import ensure_all

    ensure_all()
    ensure_all()
    names = {i["name"] for i in stores.mongo().accounts.list_indexes()}
    assert {"username_unique", "email_unique"} <= names


def test_job_runs_on_a_real_rq_worker(app, ctx, mailbox):
    from rq import SimpleWorker

    from socialgraph.accounts import service as accounts

    async_app_cfg = dict(app.config)
    user = accounts.register(unique("w"), f"{unique('w')}@example.test", "a long enough password")
    tasks = stores.tasks()
    tasks.is_async = True  # queue for real this time
    try:
        tasks.enqueue("jobs.mail.send_verification_email", user["uid"])
        q = tasks.queue(tasks.queue_name_for("jobs.mail.send_verification_email"))
        assert q.count >= 1
        worker = SimpleWorker([q], connection=stores.cache())
        assert worker.work(burst=True)
    finally:
        tasks.is_async = async_app_cfg["RQ_ASYNC"]
    assert len(mailbox.messages_to(user["email"])) == 2  # one inline at sign-up, one from the worker


def test_outbox_keeps_jobs_until_redis_answers(ctx, mailbox):
    from socialgraph.accounts import service as accounts

    user = accounts.register(unique("o"), f"{unique('o')}@example.test", "a long enough password")
    db = stores.mongo()
    db.outbox.insert_one({"func": "jobs.mail.send_verification_email", "args": [user["uid"]], "kwargs": {},
                          "job_id": None, "created_at": user["created_at"]})
    moved = stores.tasks().drain_outbox()
    assert moved >= 1 and db.outbox.count_documents({}) == 0
    assert len(mailbox.messages_to(user["email"])) == 2


@pytest.fixture()
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    from socialgraph.stores.localstack import free_port

    controller = Controller(Keep(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, received
    controller.stop()


def test_smtp_backend_delivers_to_a_real_smtp_server(app, smtp_server):
    from socialgraph.accounts import service as accounts

    controller, received = smtp_server
    with app.app_context():
        app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
        try:
            user = accounts.register(unique("m"), f"{unique('m')}@example.test", "a long enough password")
        finally:
            app.config.update(MAIL_BACKEND="outbox")
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert received and received[0]["To"] == user["email"]
    assert "#/verify?token=" in received[0].get_payload()  # the web client's page
