"""The app on a routing ``neo4j://`` URI against the local Bolt server, as it
would run on a Neo4j cluster: the driver fetches a routing table (readers,
writers), reads run in READ access mode, every graph session of one request
shares a bookmark manager, and the API works end to end."""
from __future__ import annotations

import uuid

import pytest
from flask import g

from socialgraph import stores
from tests.conftest import verify_user

PASSWORD = "routing test password"


@pytest.fixture(scope="module")
def routed_app(app_config):
    from socialgraph.app import create_app

    app = create_app({**app_config, "BOLT_URI": app_config["BOLT_URI"].replace("bolt://", "neo4j://")})
    yield app
    app.extensions["socialgraph"].close()


def _user(client, name):
    r = client.post("/api/v1/auth/register", json={"username": name, "email": f"{name}@example.test",
                                                   "password": PASSWORD})
    assert r.status_code == 201, r.get_json()
    verify_user(client, r.get_json()["uid"], f"{name}@example.test")
    r = client.post("/api/v1/auth/login", json={"login": name, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.get_json()['access_token']}"}


def test_reads_follow_the_routing_table_and_see_own_writes(routed_app, app):
    c = routed_app.test_client()
    a, b = f"ra_{uuid.uuid4().hex[:8]}", f"rb_{uuid.uuid4().hex[:8]}"
    ha = _user(c, a)
    _user(c, b)
    assert c.put(f"/api/v1/users/{b}/follow", headers=ha).status_code == 200
    got = c.get(f"/api/v1/users/{a}/following", headers=ha).get_json()
    assert [u["username"] for u in got["items"]] == [b]
    with routed_app.app_context():
        graph = stores.graph()
        assert graph.driver.__class__.__name__ == "Neo4jDriver"  # routing driver, not a direct one
        table = graph.driver._pool.routing_tables[graph.database]
        assert table.readers and table.writers and table.routers
        graph.read("graph/follows/list_following_uids", uid=stores.mongo().accounts.find_one({"username": a})["_id"])
        first = g._sg_graph_bookmarks
        graph.read("graph/follows/list_following_uids", uid="nobody")
        assert g._sg_graph_bookmarks is first  # one manager for the whole unit of work
    with routed_app.app_context():
        stores.graph().read("graph/follows/list_following_uids", uid="nobody")
        assert g._sg_graph_bookmarks is not first  # a new request starts afresh
    with app.app_context():
        stores.bind_neomodel()  # give neomodel back to the session's app
