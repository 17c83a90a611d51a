"""A registration rejected by the graph (username held by an imported
user, 409) leaves nothing behind: no account, no empty graph node."""
from __future__ import annotations

from tests.conftest import unique


def _empty_user_nodes(g) -> int:
    return g.read("operations/count_empty_user_nodes")[0]["n"]


def test_rejected_registration_leaves_no_empty_user_node(app, client):
    from socialgraph import stores
    from socialgraph.core import clock

    name = unique("held")
    with app.app_context():
        g = stores.graph()
        g.write("importers/merge_users", rows=[{"uid": unique("imp"), "username": name, "display_name": name,
                                                "source": "test-import", "created_at": clock.now()}])
        before = _empty_user_nodes(g)
    for attempt in range(3):
        r = client.post("/api/v1/auth/register", json={"username": name, "email": f"{unique('e')}@example.test",
                                                       "password": "a long enough password"})
        assert r.status_code == 409, r.get_json()
        assert r.get_json()["errors"][0]["field"] == "username"
    with app.app_context():
        assert _empty_user_nodes(stores.graph()) == before
        assert stores.mongo().accounts.count_documents({"username": name}) == 0
