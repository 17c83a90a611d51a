"""Test fixtures: real local servers, started once per test session.

``tests/unit`` needs no server. ``tests/integration`` and ``tests/api`` use
the session's :class:`~socialgraph.stores.localstack.LocalStack` (ArcadeDB over
Bolt, SecantusDB, SeaweedFS S3, Valkey) on free ports in a temp dir; no
store is mocked. Tests make their own uniquely named users, so they do not
need to wipe the stores between them.
"""
from __future__ import annotations

import email
import os
import uuid
from pathlib import Path

import pytest
import redis.connection

SERVER_DIRS = ("integration", "api")


def _needs_servers(item) -> bool:
    return any(f"{os.sep}{d}{os.sep}" in str(item.fspath) for d in SERVER_DIRS)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The four local servers, for the whole session."""
    from socialgraph.stores.localstack import LocalStack

    root = Path(os.environ.get("SG_TEST_DATA_DIR") or tmp_path_factory.mktemp("stores"))
    s = LocalStack(root=root, graph_heap="1g")
    s.start(timeout=float(os.environ.get("SG_TEST_START_SECONDS", "90")))  # more on a crowded machine
    yield s
    s.stop()


@pytest.fixture(scope="session")
def outbox_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture(scope="session")
def app_config(stack, outbox_dir):
    env = stack.env()
    return {
        "TESTING": True,
        "BOLT_URI": env["SG_BOLT_URI"], "BOLT_USER": env["SG_BOLT_USER"],
        "BOLT_PASSWORD": env["SG_BOLT_PASSWORD"], "BOLT_DATABASE": env["SG_BOLT_DATABASE"],
        "MONGO_URI": env["SG_MONGO_URI"], "MONGO_DATABASE": "socialgraph_test",
        "S3_ENDPOINT": env["SG_S3_ENDPOINT"], "S3_ACCESS_KEY": env["SG_S3_ACCESS_KEY"],
        "S3_SECRET_KEY": env["SG_S3_SECRET_KEY"], "S3_BUCKET": "socialgraph-test",
        "REDIS_URL": env["SG_REDIS_URL"],
        "RQ_ASYNC": False,  # jobs run at once, in-process, against the real stores
        "MAIL_BACKEND": "outbox", "MAIL_OUTBOX_DIR": str(outbox_dir),
        "PUBLIC_BASE_URL": "http://testserver",
        # rate limits stay on but high: only tests/api/test_limits.py uses low ones (its own app)
        "RATELIMIT_DEFAULT": "100000 per minute", "RATELIMIT_LOGIN": "100000 per minute",
        "RATELIMIT_SIGNUP": "100000 per minute", "RATELIMIT_PASSWORD_RESET": "100000 per minute",
        "RATELIMIT_POSTING": "100000 per minute", "RATELIMIT_UPLOADS": "100000 per minute",
        "RATELIMIT_PER_IP": "1000000 per minute",  # every test client is 127.0.0.1
        "LOGIN_IP_LOCK_AFTER": 100000,
    }


@pytest.fixture(scope="session")
def app(app_config):
    from socialgraph.app import create_app
    from socialgraph.messaging.push import ensure_vapid_keys
    from socialgraph.stores.schema import ensure_all

    application = create_app(app_config)
    with application.app_context():
        ensure_all()
        ensure_vapid_keys()  # as `socialgraph db init` does (Web Push is set up)
    yield application
    try:
        _doctor_at_end(application)
    finally:
        application.extensions["socialgraph"].close()


def _doctor_at_end(application) -> None:
    """Run ``socialgraph doctor`` over the session's own data when the session
    ends; a finding fails the run (set SG_TEST_DOCTOR=0 to skip)."""
    if os.environ.get("SG_TEST_DOCTOR", "1") == "0":
        return
    from socialgraph.operations import doctor

    with application.app_context():
        found, _left = doctor.run()
    if found:
        lines = "\n".join(f.line() for f in found[:50])
        pytest.fail(f"socialgraph doctor found {len(found)} inconsistency(ies) in the suite's data:\n{lines}",
                    pytrace=False)


@pytest.fixture()
def ctx(app):
    """An app context for calling services directly."""
    with app.app_context():
        yield app


@pytest.fixture()
def graph_reads(ctx, monkeypatch):
    """Names of the catalog reads (``GraphStore.read``) run while the test runs,
    in order; the reads still go to the real graph server."""
    from socialgraph.stores.graphdb import GraphStore

    names: list[str] = []
    real = GraphStore.read

    def counting(self, name, **params):
        names.append(name)
        return real(self, name, **params)

    monkeypatch.setattr(GraphStore, "read", counting)
    return names


def record_redis_commands(monkeypatch) -> list[bytes]:
    """From now on, every Redis command sent (a pipeline or a script call counts
    one: redis-py's ``send_packed_command``), its packed bytes, in order; the
    commands still go to the real server."""
    sent: list[bytes] = []
    original = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(b"".join(command if isinstance(command, list) else [command]))
        return original(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    return sent


@pytest.fixture()
def client(app):
    return app.test_client()


def unique(prefix: str = "u") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


class Mailbox:
    """Reads the ``.eml`` files the outbox mail backend wrote."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def messages_to(self, address: str) -> list[email.message.EmailMessage]:
        out = []
        for path in sorted(self.directory.glob("*.eml")):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if msg["To"] == address:
                out.append(msg)
        return out

    def last_token(self, address: str, subject_word: str) -> str:
        msgs = [m for m in self.messages_to(address) if subject_word.lower() in m["Subject"].lower()]
        assert msgs, f"no {subject_word!r} mail to {address}"
        body = msgs[-1].get_content()
        lines = [l.strip() for l in body.splitlines() if l.strip()]
        # the token stands alone on a line after the instruction that names the endpoint
        for i, line in enumerate(lines):
            if "POST /api/v1/" in line and i + 1 < len(lines):
                return lines[i + 1]
        raise AssertionError("no token in mail:\n" + body)


@pytest.fixture(scope="session")
def mailbox(outbox_dir):
    return Mailbox(outbox_dir)


class ApiUser:
    """A registered, logged-in user driving the API through the test client."""

    def __init__(self, client, username, email, password, tokens, uid):
        self.client = client
        self.username = username
        self.email = email
        self.password = password
        self.tokens = tokens
        self.uid = uid

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url, **kw):
        return self.client.post(url, headers=self.headers, **kw)

    def put(self, url, **kw):
        return self.client.put(url, headers=self.headers, **kw)

    def patch(self, url, **kw):
        return self.client.patch(url, headers=self.headers, **kw)

    def delete(self, url, **kw):
        return self.client.delete(url, headers=self.headers, **kw)


def verify_user(client, uid: str, email_addr: str) -> None:
    """Verify ``email_addr`` of ``uid`` through ``POST /auth/verify-email``, with
    the token the verification mail carries (made here instead of read back
    from the outbox, which grows with every test)."""
    from socialgraph.accounts.service import verification_token

    with client.application.app_context():
        token = verification_token(uid, email_addr)
    r = client.post("/api/v1/auth/verify-email", json={"token": token})
    assert r.status_code == 200, r.get_json()


@pytest.fixture()
def make_user(client):
    """Register, verify the address of and log in a new user: ``make_user()``
    -> :class:`ApiUser` (``verified=False`` leaves the address unverified)."""

    def make(prefix: str = "u", password: str = "correct horse battery", verified: bool = True):
        username = unique(prefix)
        email_addr = f"{username}@example.test"
        r = client.post("/api/v1/auth/register", json={"username": username, "email": email_addr,
                                                       "password": password})
        assert r.status_code == 201, r.get_json()
        uid = r.get_json()["uid"]
        if verified:
            verify_user(client, uid, email_addr)
        r = client.post("/api/v1/auth/login", json={"login": username, "password": password})
        assert r.status_code == 200, r.get_json()
        return ApiUser(client, username, email_addr, password, r.get_json(), uid)

    return make


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _needs_servers(item):
            item.add_marker(pytest.mark.servers)


SHARED_DATA = Path(os.environ.get("SG_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
#: the data sets the real-data tests read (README "Tests")
SHARED_DATA_SETS = ("snap_ego_facebook", "stackexchange_beer", "musae_github")


def in_ci() -> bool:
    """``CI=true`` (or 1/yes) in the environment: nothing may be skipped."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(what: str, how: str) -> None:
    """A test cannot run because ``what`` is missing: skip it locally, but fail
    it under ``CI=true``, where a skipped test would hide a broken product."""
    if in_ci():
        pytest.fail(f"CI=true and {what}: {how} (README 'Tests' lists what the suite needs)", pytrace=False)
    pytest.skip(f"{what} ({how})")


@pytest.fixture(scope="session")
def shared_data():
    absent = [name for name in SHARED_DATA_SETS if not (SHARED_DATA / name).exists()]
    if absent:
        missing(f"real data sets {', '.join(absent)} not found at {SHARED_DATA}",
                "put the shared data beside the clone as ../shared/data or set SG_SHARED_DATA")
    return SHARED_DATA


#: ego-Facebook edges loaded by the ``imported`` fixture (the first N lines:
#: the ego networks of nodes 0 and 107's neighbourhood, ~750 users).
SNAP_SUBSET_EDGES = 6000


@pytest.fixture(scope="session")
def imported(app, shared_data, tmp_path_factory):
    """A real subgraph of ego-Facebook and the whole beer Stack Exchange dump,
    loaded through the ``socialgraph import`` commands."""
    subset = tmp_path_factory.mktemp("snap") / "facebook_combined.txt"
    lines = (shared_data / "snap_ego_facebook" / "facebook_combined.txt").read_text().splitlines()
    subset.write_text("\n".join(lines[:SNAP_SUBSET_EDGES]) + "\n")
    runner = app.test_cli_runner()
    snap = runner.invoke(args=["import", "snap-facebook", str(subset)])
    assert snap.exit_code == 0, snap.output
    se = runner.invoke(args=["import", "stackexchange", str(shared_data / "stackexchange_beer")])
    assert se.exit_code == 0, se.output
    return {"snap_file": subset, "snap_output": snap.output, "se_output": se.output}


def serve(application):
    """Serve ``application`` over real HTTP (werkzeug, threaded) on a free port; returns the server."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, application, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture()
def live_server(app):
    """``http://127.0.0.1:<port>`` of the app served over a real socket."""
    server = serve(app)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


from contextlib import contextmanager  # noqa: E402


@contextmanager
def config(application, **values):
    """Change ``application.config`` values for the duration of a ``with`` block."""
    old = {k: application.config[k] for k in values}
    application.config.update(values)
    try:
        yield
    finally:
        application.config.update(old)


@contextmanager
def extra_app(base_config: dict, **overrides):
    """A second app (its own clients) for a ``with`` block; its Bolt driver,
    Mongo client and Redis pool are closed at the end (no ResourceWarning)."""
    from socialgraph.app import create_app

    application = create_app({**base_config, **overrides})
    try:
        yield application
    finally:
        application.extensions["socialgraph"].close()

