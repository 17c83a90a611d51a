"""Problem responses for framework errors and 503 when a store is away."""
from __future__ import annotations

import pytest

from socialgraph.stores.localstack import free_port

PROBLEM = "application/problem+json"


def test_unknown_route_and_method(client):
    r = client.get("/api/v1/nope")
    assert r.status_code == 404 and r.mimetype == PROBLEM
    r = client.delete("/api/v1/auth/login")
    assert r.status_code == 405 and r.mimetype == PROBLEM and "POST" in r.headers["Allow"]


def test_openapi_document_and_docs_page(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/feeds/home" in spec["paths"]
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    assert client.get("/api/v1/docs").status_code == 200
    assert client.get("/api/v1/problems/not-found").get_json()["status"] == 404


def test_health_reports_all_stores(client):
    r = client.get("/api/v1/health")
    assert r.status_code == 200 and all(r.get_json()["stores"].values())


@pytest.mark.parametrize("store", ["BOLT_URI", "MONGO_URI", "REDIS_URL"])
def test_store_down_gives_503_problem(app_config, store, tmp_path, request):
    from socialgraph.app import create_app

    port = free_port()  # nothing listens there
    broken = {"BOLT_URI": f"bolt://127.0.0.1:{port}",
              "MONGO_URI": f"mongodb://127.0.0.1:{port}/?directConnection=true",
              "REDIS_URL": f"redis://127.0.0.1:{port}/0"}[store]
    app = create_app({**app_config, store: broken, "STORE_TIMEOUT_SECONDS": 0.5,
                      "MONGO_DATABASE": "socialgraph_outage"})
    request.addfinalizer(app.extensions["socialgraph"].close)
    client = app.test_client()
    r = client.post("/api/v1/auth/register", json={"username": "outage_" + store.lower()[:5] + str(port),
                                                   "email": f"o{port}@example.test",
                                                   "password": "a long enough password"})
    if store == "REDIS_URL":
        # registration does not need Redis: the verification email waits in the outbox
        assert r.status_code == 201, r.get_json()
        with app.app_context():
            from socialgraph import stores

            assert stores.mongo().outbox.count_documents({"func": "jobs.mail.send_verification_email"}) >= 1
            stores.mongo().client.drop_database("socialgraph_outage")
            # its graph user lives in the shared graph: it goes with the dropped account
            # (the suite-end doctor finds a graph user without an account otherwise)
            stores.graph().write("graph/users/delete_user", uid=r.get_json()["uid"])
        # a malformed token never reaches the session blocklist: 401
        r = client.get("/api/v1/me", headers={"Authorization": "Bearer x.y.z"})
        assert r.status_code == 401 and r.get_json()["type"] == "/problems/invalid-token"
        login = client.post("/api/v1/auth/login", json={"login": "outage_redis" + str(port),
                                                        "password": "a long enough password"})
        # login needs Redis for its failure counters (throttling fails closed): 503, never 500
        assert login.status_code == 503
        return
    assert r.status_code == 503, r.get_json()
    assert r.mimetype == PROBLEM and r.headers["Retry-After"]
    body = r.get_json()
    assert body["type"] == "/problems/store-unavailable" and "Traceback" not in str(body)
    if store == "BOLT_URI":
        # the account written to MongoDB before the graph failed was removed again
        with app.app_context():
            from socialgraph import stores

            assert stores.mongo().accounts.count_documents({"email": f"o{port}@example.test"}) == 0
            stores.mongo().client.drop_database("socialgraph_outage")
