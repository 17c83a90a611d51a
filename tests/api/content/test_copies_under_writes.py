"""The post and thread copies under writes (issue 22): a write drops only what
it changed, and the writer makes the copies it dropped again at once
(write-through, under the version its invalidation set), so the next reader
is served warm, one Redis round trip, with what the general path answers."""
from __future__ import annotations

import orjson
import pytest

from api.content_schemas import FullPostOut
from api.schemas import CommentPage
from socialgraph import stores
from socialgraph.content import comments, posts, postcache, reactions, warm
from socialgraph.stores import readcache
from tests.conftest import record_redis_commands


@pytest.fixture()
def trips(monkeypatch):
    """Redis commands sent (a pipeline or a script counts one), rate limits' aside."""
    sent = record_redis_commands(monkeypatch)
    return sent


def warm_read(user, path, sent):
    """One read that must be served warm: one Redis round trip (the script), no miss."""
    sent.clear()
    warm.WARM_MISSES.clear()
    r = user.get(path)
    assert r.status_code == 200, r.get_json()
    assert not warm.WARM_MISSES, dict(warm.WARM_MISSES)
    mine = [c for c in sent if b"LIMITS:" not in c]
    assert len(mine) == 1 and b"EVALSHA" in mine[0], mine
    return r


def general_post(pid, viewer):
    return FullPostOut().dump(posts.get_post(pid, viewer=viewer))


def general_thread(pid, viewer, limit=20):
    page = comments.list_comments(pid, None, None, limit, viewer=viewer)
    return CommentPage().dump({"items": page.items, "next_cursor": page.next_cursor})


def setup_thread(make_user):
    author, fan, reader = make_user("au"), make_user("fa"), make_user("rd")
    pid = author.post("/api/v1/posts", json={"text": "under writes"}).get_json()["id"]
    cid = fan.post(f"/api/v1/posts/{pid}/comments", json={"text": "c1"}).get_json()["id"]
    author.post(f"/api/v1/posts/{pid}/comments", json={"text": "r1", "parent_id": cid})
    for path in (f"/api/v1/posts/{pid}", f"/api/v1/posts/{pid}/comments"):
        for u in (reader, fan):
            assert u.get(path).status_code == 200
            assert u.get(path).status_code == 200
    return author, fan, reader, pid, cid


def test_a_post_reaction_leaves_the_thread_copy_and_makes_the_post_copy_again(make_user, ctx, trips):
    author, fan, reader, pid, _cid = setup_thread(make_user)
    thread_path, post_path = f"/api/v1/posts/{pid}/comments", f"/api/v1/posts/{pid}"
    before = warm_read(reader, thread_path, trips).data
    copy = stores.cache().get(postcache.THREAD_KEY.format(id=pid))
    assert fan.put(f"{post_path}/reaction", json={"type": "love"}).status_code == 200
    # the thread copy was not dropped: the same copy, the same bytes, warm
    assert stores.cache().get(postcache.THREAD_KEY.format(id=pid)) == copy
    assert warm_read(reader, thread_path, trips).data == before
    # the post copy was made again by the writer: the next read is warm and shows the reaction
    got = warm_read(reader, post_path, trips).get_json()
    assert got["counts"]["reactions"] == {"love": 1} and got == general_post(pid, reader.uid)
    mine = warm_read(fan, post_path, trips).get_json()
    assert mine["viewer_reaction"] == "love" and mine == general_post(pid, fan.uid)
    # a changed and a removed reaction: the same
    assert fan.put(f"{post_path}/reaction", json={"type": "sad"}).get_json()["counts"] == {"sad": 1}
    assert warm_read(reader, post_path, trips).get_json()["counts"]["reactions"] == {"sad": 1}
    assert fan.delete(f"{post_path}/reaction").get_json() == {"reaction": None, "counts": {}}
    got = warm_read(fan, post_path, trips).get_json()
    assert got["counts"]["reactions"] == {} and got["viewer_reaction"] is None and got == general_post(pid, fan.uid)
    assert warm_read(reader, thread_path, trips).data == before


def test_after_a_comment_the_post_and_the_thread_are_right_and_warm_on_the_next_read(make_user, ctx, trips):
    author, fan, reader, pid, cid = setup_thread(make_user)
    thread_path, post_path = f"/api/v1/posts/{pid}/comments", f"/api/v1/posts/{pid}"
    count = warm_read(reader, post_path, trips).get_json()["counts"]["comments"]
    new = reader.post(thread_path, json={"text": "c2"}).get_json()["id"]
    got = warm_read(reader, post_path, trips).get_json()
    assert got["counts"]["comments"] == count + 1 and got == general_post(pid, reader.uid)
    page = warm_read(reader, thread_path, trips).get_json()
    assert [c["id"] for c in page["items"]][-1] == new and page == general_thread(pid, reader.uid)
    # a reply, an edit, a comment reaction, a deletion: each shows on the next read, warm
    rid = fan.post(thread_path, json={"text": "r2", "parent_id": new}).get_json()["id"]
    page = warm_read(reader, thread_path, trips).get_json()
    assert page["items"][-1]["reply_count"] == 1 and page["items"][-1]["replies"][0]["id"] == rid
    assert page == general_thread(pid, reader.uid)
    fan.patch(f"/api/v1/comments/{cid}", json={"text": "c1 edited"})
    page = warm_read(reader, thread_path, trips).get_json()
    assert page["items"][0]["text"] == "c1 edited" and page == general_thread(pid, reader.uid)
    reader.put(f"/api/v1/comments/{cid}/reaction", json={"type": "laugh"})
    page = warm_read(reader, thread_path, trips).get_json()
    assert page["items"][0]["reactions"] == {"laugh": 1} and page["items"][0]["viewer_reaction"] == "laugh"
    assert page == general_thread(pid, reader.uid)
    reader.delete(f"/api/v1/comments/{new}")  # a placeholder: it has a reply
    page = warm_read(fan, thread_path, trips).get_json()
    assert page["items"][-1]["deleted"] and page == general_thread(pid, fan.uid)
    got = warm_read(fan, post_path, trips).get_json()
    assert got["counts"]["comments"] == count + 1 and got == general_post(pid, fan.uid)  # c2 uncounted, r2 counted
    # the warm path gives the general path's bytes: the writer's copy is the reader's copy
    warm_bytes = warm_read(fan, thread_path, trips).data
    postcache.forget_thread(pid)
    assert fan.get(thread_path).data == warm_bytes


def test_an_edit_leaves_the_thread_copy(make_user, ctx, trips):
    author, _fan, reader, pid, _cid = setup_thread(make_user)
    copy = stores.cache().get(postcache.THREAD_KEY.format(id=pid))
    author.patch(f"/api/v1/posts/{pid}", json={"text": "edited"})
    assert stores.cache().get(postcache.THREAD_KEY.format(id=pid)) == copy
    got = warm_read(reader, f"/api/v1/posts/{pid}", trips).get_json()
    assert got["text"] == "edited" and got["edited"] and got == general_post(pid, reader.uid)
    # made private to the author: the thread copy stays, but the post copy decides
    author.patch(f"/api/v1/posts/{pid}", json={"visibility": "only_me"})
    assert reader.get(f"/api/v1/posts/{pid}/comments").status_code == 404


def test_a_copy_that_was_not_there_is_not_made(make_user, ctx):
    """The write-through makes again only the copies the write dropped (a post
    nobody reads stays out of Redis)."""
    author = make_user("au")
    pid = author.post("/api/v1/posts", json={"text": "unread"}).get_json()["id"]
    postcache.forget(pid)
    assert postcache.written(pid, post=True, thread=True) is None
    assert stores.cache().get(postcache.KEY.format(id=pid)) is None
    assert stores.cache().get(postcache.THREAD_KEY.format(id=pid)) is None
    postcache.get_post(pid)  # a reader made it: the next write makes it again
    assert postcache.written(pid)["text"] == "unread"
    assert stores.cache().get(postcache.KEY.format(id=pid)) is not None


def test_the_write_through_does_not_store_over_a_later_write(make_user, ctx, monkeypatch):
    """A second writer whose bump lands between the first writer's store read
    and its store: the first writer's copy (without the second write) must not
    be stored, and the next read shows both writes."""
    author, fan, other = make_user("au"), make_user("fa"), make_user("ot")
    pid = author.post("/api/v1/posts", json={"text": "race"}).get_json()["id"]
    assert fan.get(f"/api/v1/posts/{pid}").status_code == 200  # the copy is there
    original = readcache.replace_or_drop
    done = []

    def racing(items):
        items = list(items)
        if not done:  # once: the other writer's durable write and bump come in between
            done.append(1)
            assert orjson.loads(items[0][2].partition(b"\n")[2])["counts"]["reactions"] == {"like": 1}
            reactions.react("post", pid, other.uid, "sad")  # stores its own copy (both reactions)
        return original(items)

    monkeypatch.setattr(readcache, "replace_or_drop", racing)
    assert fan.put(f"/api/v1/posts/{pid}/reaction", json={"type": "like"}).status_code == 200
    monkeypatch.setattr(readcache, "replace_or_drop", original)
    assert done
    copy = stores.cache().get(postcache.KEY.format(id=pid))
    assert orjson.loads(postcache.split(copy)[1])["counts"]["reactions"] == {"like": 1, "sad": 1}
    assert fan.get(f"/api/v1/posts/{pid}").get_json()["counts"]["reactions"] == {"like": 1, "sad": 1}


def test_invalidate_versions_answers_the_bumped_versions_and_what_was_there(ctx, trips):
    key = "sg:test:w22c:copy"
    stores.cache().delete(key, readcache.version_key(key))
    assert readcache.invalidate_versions(key) == [("1", False)]
    trips.clear()
    readcache.put_many([(key, "1", "made by the writer")], 60)
    assert len(trips) == 1 and b"EVALSHA" in trips[0]  # one copy, one round trip (no SCRIPT EXISTS)
    assert stores.cache().get(key) == b"made by the writer"
    assert readcache.invalidate_versions(key) == [("2", True)]
    readcache.put_many([(key, "1", "stale")], 60)  # an older version: not stored
    assert stores.cache().get(key) is None


def _while_the_writer_reads_the_store(monkeypatch, check):
    """Run ``check()`` once, inside the next write-through, when the writer reads
    the post document again after its durable write (its ``find_one`` with a
    projection): the moment between the copies' bump and their rebuild."""
    from pymongo.collection import Collection

    real = Collection.find_one
    ran = []

    def find_one(self, *args, **kwargs):
        if not ran and self.name == "posts" and len(args) > 1:
            ran.append(1)
            check()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "find_one", find_one)
    return ran


def test_readers_are_served_the_copies_while_a_writer_makes_them_again(make_user, ctx, monkeypatch):
    """Write-through in place: between a write's bump and its rebuild (the writer
    reading the store, tens of ms on a busy one), the post and thread copies stay
    and readers are served warm the state before the write (not answered yet),
    instead of all leaving for the store the writer is busy with; after the
    writer's answer they are served the write."""
    _author, fan, reader, pid, _cid = setup_thread(make_user)
    post0, thread0 = warm.warm_post(reader.uid, pid), warm.warm_thread(reader.uid, pid, 20)
    assert post0 is not None and thread0 is not None
    seen = []

    def check():
        warm.WARM_MISSES.clear()
        seen.append((warm.warm_post(reader.uid, pid), warm.warm_thread(reader.uid, pid, 20), dict(warm.WARM_MISSES)))

    ran = _while_the_writer_reads_the_store(monkeypatch, check)
    new = fan.post(f"/api/v1/posts/{pid}/comments", json={"text": "c2"}).get_json()["id"]
    assert ran and seen == [(post0, thread0, {})]  # warm, the thread before the comment
    monkeypatch.undo()
    page = orjson.loads(warm.warm_thread(reader.uid, pid, 20))
    assert page["items"][-1]["id"] == new and page == general_thread(pid, reader.uid)
    got = orjson.loads(warm.warm_post(reader.uid, pid))
    assert got["counts"]["comments"] == orjson.loads(post0)["counts"]["comments"] + 1

    post1 = warm.warm_post(reader.uid, pid)  # a reaction on the post: the same for the post copy
    seen.clear()
    ran = _while_the_writer_reads_the_store(monkeypatch, check)
    assert fan.put(f"/api/v1/posts/{pid}/reaction", json={"type": "love"}).status_code == 200
    assert ran and seen[0][0] == post1 and seen[0][2] == {}
    monkeypatch.undo()
    assert orjson.loads(warm.warm_post(reader.uid, pid))["counts"]["reactions"] == {"love": 1}
    assert readcache.kept_key(postcache.KEY.format(id=pid)).encode() not in stores.cache().keys("*:k")


def test_a_second_write_inside_the_first_ones_rebuild_leaves_both_copies_made(make_user, ctx, monkeypatch):
    """A comment whose write-through starts while another comment's is under way
    (the second bump between the first writer's bump and its store): the second
    writer finds the copies kept, makes them with both comments, and the first
    writer's older copy is not stored over them, so the next reader is served
    warm. Dropped first, the copies were gone for the second writer (made none)
    and refused to the first: the next reader left the warm path."""
    author, fan, reader, pid, _cid = setup_thread(make_user)
    second = []

    def check():
        second.append(comments.add_comment(pid, author.uid, "inside")["id"])

    ran = _while_the_writer_reads_the_store(monkeypatch, check)
    first = fan.post(f"/api/v1/posts/{pid}/comments", json={"text": "outside"}).get_json()["id"]
    assert ran and second
    monkeypatch.undo()
    warm.WARM_MISSES.clear()
    body = warm.warm_thread(reader.uid, pid, 20)
    assert body is not None, dict(warm.WARM_MISSES)
    page = orjson.loads(body)
    assert {first, second[0]} <= {c["id"] for c in page["items"]} and page == general_thread(pid, reader.uid)
    got = warm.warm_post(reader.uid, pid)
    assert got is not None and orjson.loads(got) == general_post(pid, reader.uid)


def test_a_kept_copy_lives_at_most_kept_ms_and_an_older_writer_drops_it(ctx):
    """:func:`readcache.keep_versions` keeps a copy for at most ``KEPT_MS`` (a
    writer gone before its rebuild leaves the old copy no longer); a writer
    whose version was bumped again meanwhile drops the kept copy, but not one
    made again after that bump."""
    key = "sg:test:w24c:copy"
    r = stores.cache()
    r.delete(key, readcache.version_key(key), readcache.kept_key(key))
    assert readcache.keep_versions(key) == [("1", False)]  # nothing there: nothing kept
    assert not r.exists(key) and not r.exists(readcache.kept_key(key))
    r.set(key, "old", ex=900)
    (v_a, there), = readcache.keep_versions(key)
    assert there and 0 < r.pttl(key) <= readcache.KEPT_MS and r.get(key) == b"old"
    (v_b, _), = readcache.keep_versions(key)  # a second writer
    readcache.replace_or_drop([(key, v_a, "a's view", 900)])  # refused: the old copy is dropped
    assert r.get(key) is None and r.exists(readcache.kept_key(key))
    (v_e, there), = readcache.keep_versions(key)  # a third writer, after the drop: still one to make it
    assert there
    readcache.replace_or_drop([(key, v_b, "b's view", 900)])  # refused: nothing to drop
    assert r.get(key) is None
    readcache.replace_or_drop([(key, v_e, "e's view", 900)])
    assert r.get(key) == b"e's view" and r.ttl(key) > 800 and not r.exists(readcache.kept_key(key))
    r.set(key, "old", ex=900)
    (v_c, _), = readcache.keep_versions(key)
    (v_d, _), = readcache.keep_versions(key)
    readcache.replace_or_drop([(key, v_d, "d's view", 900)])  # the later writer first
    readcache.replace_or_drop([(key, v_c, "c's view", 900)])  # refused, and d's copy is newer: it stays
    assert r.get(key) == b"d's view"
