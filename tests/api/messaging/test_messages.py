"""Direct messages over REST: conversations, history, receipts, privacy, limits."""
from __future__ import annotations

from socialgraph import stores
from socialgraph.operations.degrees import recount
from tests.conftest import config

PROBLEM = "application/problem+json"


def set_policy(uid, value):
    stores.graph().run_text("MATCH (u:User {uid: $uid}) SET u.messages_from = $value", uid=uid, value=value)


def test_direct_conversation_history_and_receipts(make_user):
    a, b, outsider = make_user("a"), make_user("b"), make_user("x")
    r = a.post("/api/v1/conversations", json={"members": [b.username]})
    assert r.status_code == 201 and r.get_json()["kind"] == "direct"
    conv = r.get_json()["id"]
    # the same pair reuses the conversation, whoever starts it
    assert b.post("/api/v1/conversations", json={"members": [a.username]}).get_json()["id"] == conv
    sent = [a.post(f"/api/v1/conversations/{conv}/messages", json={"text": f"m{i}"}).get_json() for i in range(5)]
    assert all(m["sender_id"] == a.uid for m in sent)
    got, cursor = [], None
    while True:
        r = b.get(f"/api/v1/conversations/{conv}/messages", query_string={"limit": 2} | ({"cursor": cursor} if cursor else {}))
        got += [m["text"] for m in r.get_json()["items"]]
        cursor = r.get_json()["next_cursor"]
        if not cursor:
            break
    assert got == ["m4", "m3", "m2", "m1", "m0"]
    r = b.post(f"/api/v1/conversations/{conv}/read", json={"message_id": sent[3]["id"]})
    assert r.get_json()["last_read_message_id"] == sent[3]["id"]
    # receipts never move backwards
    b.post(f"/api/v1/conversations/{conv}/read", json={"message_id": sent[1]["id"]})
    assert b.get(f"/api/v1/conversations/{conv}").get_json()["last_read_message_id"] == sent[3]["id"]
    assert [c["id"] for c in b.get("/api/v1/conversations").get_json()["items"]][0] == conv
    # non-members see nothing (404)
    for url in (f"/api/v1/conversations/{conv}", f"/api/v1/conversations/{conv}/messages"):
        assert outsider.get(url).status_code == 404
    r = outsider.post(f"/api/v1/conversations/{conv}/messages", json={"text": "let me in"})
    assert r.status_code == 404 and r.mimetype == PROBLEM


def test_group_conversation_and_blocks(make_user):
    a, b, c = make_user("a"), make_user("b"), make_user("c")
    r = a.post("/api/v1/conversations", json={"members": [b.username, c.username], "title": "trio"})
    assert r.status_code == 201 and r.get_json()["kind"] == "group"
    conv = r.get_json()["id"]
    c.post(f"/api/v1/conversations/{conv}/messages", json={"text": "from c"})
    b.put(f"/api/v1/users/{c.username}/block")
    b.post(f"/api/v1/conversations/{conv}/messages", json={"text": "from b"})
    texts_b = [m["text"] for m in b.get(f"/api/v1/conversations/{conv}/messages").get_json()["items"]]
    texts_a = [m["text"] for m in a.get(f"/api/v1/conversations/{conv}/messages").get_json()["items"]]
    assert texts_b == ["from b"] and texts_a == ["from b", "from c"]
    # direct messages to a user who blocks you: 404, as if they did not exist
    r = c.post("/api/v1/conversations", json={"members": [b.username]})
    assert r.status_code == 404 and r.mimetype == PROBLEM


def test_who_may_message_and_bad_input(app, make_user, ctx):
    a, closed, friendly = make_user("a"), make_user("closed"), make_user("fr")
    conv = a.post("/api/v1/conversations", json={"members": [closed.username]}).get_json()["id"]
    set_policy(closed.uid, "nobody")
    set_policy(friendly.uid, "friends")
    r = a.post(f"/api/v1/conversations/{conv}/messages", json={"text": "hello?"})
    assert r.status_code == 403 and r.mimetype == PROBLEM and "does not accept" in r.get_json()["detail"]
    assert a.post("/api/v1/conversations", json={"members": [friendly.username]}).status_code == 403
    stores.graph().run_text("MATCH (x:User {uid: $a}), (y:User {uid: $b}) MERGE (x)-[:FRIENDS_WITH]->(y)",
                                a=a.uid, b=friendly.uid)
    recount(a.uid, friendly.uid)  # the degree counts a hand-written friendship bypasses
    assert a.post("/api/v1/conversations", json={"members": [friendly.username]}).status_code == 201
    set_policy(closed.uid, "everyone")

    too_long = "x" * (app.config["MESSAGE_MAX_CHARS"] + 1)
    r = a.post(f"/api/v1/conversations/{conv}/messages", json={"text": too_long})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "text"
    assert a.post(f"/api/v1/conversations/{conv}/messages", json={"text": "  "}).status_code == 422
    assert a.post("/api/v1/conversations", json={"members": [a.username]}).status_code == 422
    assert a.post("/api/v1/conversations", json={"members": ["nobody_such_user"]}).status_code == 404
    many = [f"user{i}" for i in range(app.config["CONVERSATION_MAX_MEMBERS"])]
    assert a.post("/api/v1/conversations", json={"members": many}).status_code == 422
    from socialgraph.core import clock

    fixed = clock.now().replace(year=2031)  # one fixed minute: a window of its own
    clock.set_clock(lambda: fixed)
    try:
        with config(app, MESSAGE_RATE_PER_MINUTE=3):
            codes = [a.post(f"/api/v1/conversations/{conv}/messages", json={"text": f"{i}"}).status_code
                     for i in range(5)]
            assert codes == [201, 201, 201, 429, 429]
            # the flooder is limited, the other side is not
            assert closed.post(f"/api/v1/conversations/{conv}/messages", json={"text": "ok"}).status_code == 201
    finally:
        clock.set_clock(None)


def test_unread_counts_per_conversation_and_in_total(make_user):
    """The DM unread badge (issue 19): messages by others past the reader's marker,
    per conversation, and the number of conversations with any, cleared by reading."""
    a, b, c = make_user("ua"), make_user("ub"), make_user("uc")
    ab = a.post("/api/v1/conversations", json={"members": [b.username]}).get_json()["id"]
    ac = c.post("/api/v1/conversations", json={"members": [a.username]}).get_json()["id"]
    unread = lambda u: u.get("/api/v1/conversations/unread-count").get_json()["conversations"]
    assert unread(a) == 0 and a.get(f"/api/v1/conversations/{ab}").get_json()["unread_count"] == 0
    sent = [b.post(f"/api/v1/conversations/{ab}/messages", json={"text": f"b{i}"}).get_json() for i in range(3)]
    c.post(f"/api/v1/conversations/{ac}/messages", json={"text": "from c"})
    assert unread(a) == 2 and unread(b) == 0  # one's own messages are read
    counts = {x["id"]: x["unread_count"] for x in a.get("/api/v1/conversations").get_json()["items"]}
    assert counts == {ab: 3, ac: 1}
    # reading part of it leaves the rest unread; reading to the end clears it
    a.post(f"/api/v1/conversations/{ab}/read", json={"message_id": sent[0]["id"]})
    assert a.get(f"/api/v1/conversations/{ab}").get_json()["unread_count"] == 2 and unread(a) == 2
    a.post(f"/api/v1/conversations/{ab}/read", json={"message_id": sent[2]["id"]})
    assert a.get(f"/api/v1/conversations/{ab}").get_json()["unread_count"] == 0 and unread(a) == 1
    # answering reads the conversation too
    a.post(f"/api/v1/conversations/{ac}/messages", json={"text": "hi c"})
    assert unread(a) == 0 and unread(c) == 1
    assert c.get(f"/api/v1/conversations/{ac}").get_json()["unread_count"] == 1
    # a blocked sender's messages are not counted
    b.post(f"/api/v1/conversations/{ab}/messages", json={"text": "again"})
    assert unread(a) == 1
    a.put(f"/api/v1/users/{b.username}/block")
    counts = {x["id"]: x["unread_count"] for x in a.get("/api/v1/conversations").get_json()["items"]}
    assert counts == {ab: 0, ac: 0}


def test_unread_count_needs_a_login(client):
    r = client.get("/api/v1/conversations/unread-count")
    assert r.status_code == 401 and r.content_type == PROBLEM


def test_a_message_arriving_while_a_read_settles_stays_unread(make_user, ctx):
    """The read/send interleaving of the unread mark: a message written after the
    reader was taken out of ``unread_by`` but before the re-check puts them back."""
    from bson import ObjectId

    from socialgraph.core import clock
    from socialgraph.messaging import messages

    a, b = make_user("ra"), make_user("rb")
    conv = a.post("/api/v1/conversations", json={"members": [b.username]}).get_json()["id"]
    first = b.post(f"/api/v1/conversations/{conv}/messages", json={"text": "one"}).get_json()["id"]
    db = stores.mongo()
    doc = db.conversations.find_one({"_id": ObjectId(conv)})
    assert doc["unread_by"] == [a.uid]
    # a's marker reaches "one"; meanwhile "two" is written (its $addToSet not yet applied)
    db.conversations.update_one({"_id": doc["_id"]}, {"$set": {f"read.{a.uid}": first}})
    db.messages.insert_one({"conversation_id": doc["_id"], "sender_id": b.uid, "text": "two", "created_at": clock.now()})
    messages._settle_unread(doc, a.uid)
    assert db.conversations.find_one({"_id": doc["_id"]})["unread_by"] == [a.uid]
    assert a.get(f"/api/v1/conversations/{conv}").get_json()["unread_count"] == 1
    # with nothing past the marker the mark goes
    last = b.post(f"/api/v1/conversations/{conv}/messages", json={"text": "three"}).get_json()["id"]
    a.post(f"/api/v1/conversations/{conv}/read", json={"message_id": last})
    assert db.conversations.find_one({"_id": doc["_id"]})["unread_by"] == []
    assert a.get("/api/v1/conversations/unread-count").get_json() == {"conversations": 0}
