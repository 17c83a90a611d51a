"""Issue 16 item 8: a Bolt driver whose connections the graph server no
longer accepts (``AuthError`` after a restart) is replaced, not kept."""
from __future__ import annotations

import neo4j
import pytest
from neo4j.exceptions import AuthError

from socialgraph.stores.graphdb import GraphStore


def test_auth_error_reconnects_with_a_fresh_driver(app, ctx):
    cfg = app.config
    graph = app.extensions["socialgraph"].graph()
    stale = neo4j.GraphDatabase.driver(cfg["BOLT_URI"], auth=(cfg["BOLT_USER"], "not-the-password"))
    made = []

    def connect():
        made.append(neo4j.GraphDatabase.driver(cfg["BOLT_URI"], auth=(cfg["BOLT_USER"], cfg["BOLT_PASSWORD"])))
        return made[-1]

    store = GraphStore(stale, cfg["BOLT_DATABASE"], graph.catalog, retry_seconds=1, connect=connect)
    try:
        assert store.read("graph/users/get_users_by_uid", uids=["nobody"]) == []
        assert len(made) == 1 and store.driver is made[0]
        # the new driver stays: no further reconnects
        assert store.read("graph/users/get_users_by_uid", uids=["nobody"]) == []
        assert len(made) == 1
    finally:
        for d in made + [stale]:
            d.close()


def test_without_a_factory_the_error_goes_up_and_is_a_503(app, ctx):
    from socialgraph.http.web import store_error_types

    cfg = app.config
    graph = app.extensions["socialgraph"].graph()
    stale = neo4j.GraphDatabase.driver(cfg["BOLT_URI"], auth=(cfg["BOLT_USER"], "not-the-password"))
    try:
        store = GraphStore(stale, cfg["BOLT_DATABASE"], graph.catalog, retry_seconds=1)
        with pytest.raises(AuthError) as exc:
            store.read("graph/users/get_users_by_uid", uids=["nobody"])
        assert isinstance(exc.value, store_error_types())  # answered 503 store-unavailable
    finally:
        stale.close()
