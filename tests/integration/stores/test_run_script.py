"""``rediskeys.run_script`` (issue 22: the warm home page's script without the
client's per-command layers) against the real Redis: the library's answer, the
library's own path for what is not the plain case (an unknown script, a dead
connection), and a pool left with no half-read connection."""
from __future__ import annotations

import pytest
from redis.exceptions import ResponseError

from socialgraph import stores
from socialgraph.stores import rediskeys
from tests.conftest import unique

ECHO = "return {KEYS[1], ARGV[1], redis.call('GET', KEYS[1]), {tonumber(ARGV[2]) + 1}}"


def test_the_same_reply_as_the_library(ctx):
    r = stores.cache()
    key = f"sg:test:{unique('rs')}"
    r.set(key, b"v\n1")
    script = r.register_script(ECHO)
    assert rediskeys.run_script(r, script, [key], ["a", 41]) == script(keys=[key], args=["a", 41]) \
        == [key.encode(), b"a", b"v\n1", [42]]


def test_an_unknown_script_is_loaded_by_the_library(ctx):
    r = stores.cache()
    script = r.register_script(ECHO + f" -- {unique('fresh')}")  # never loaded on this server
    key = f"sg:test:{unique('rs')}"
    assert rediskeys.run_script(r, script, [key], ["b", 1])[:2] == [key.encode(), b"b"]
    assert r.script_exists(script.sha) == [True]


def test_a_dead_connection_is_dropped_and_the_library_retries(ctx, monkeypatch):
    r = stores.cache()
    script = r.register_script(ECHO)
    key = f"sg:test:{unique('rs')}"
    conn = r.connection_pool.get_connection()
    my_id = conn.send_command("CLIENT", "ID") or conn.read_response()
    r.connection_pool.release(conn)
    r.client_kill_filter(_id=my_id)  # the pooled connection is gone under us (the pool's own check reconnects)
    assert rediskeys.run_script(r, script, [key], ["c", 1])[:2] == [key.encode(), b"c"]
    # the reply lost half way: the connection is dropped, the library's call answers
    cls = type(r.connection_pool.get_connection())
    real, send, failed, dropped, sent = cls.read_response, cls.send_command, [], [], []
    disconnect = cls.disconnect

    def lost_once(self, *a, **k):
        if not failed and sent and sent[-1] == "EVALSHA":
            failed.append(self)
            raise ConnectionError("reply lost")
        return real(self, *a, **k)

    monkeypatch.setattr(cls, "send_command", lambda self, *a, **k: (sent.append(a[0]), send(self, *a, **k))[1])
    monkeypatch.setattr(cls, "read_response", lost_once)
    monkeypatch.setattr(cls, "disconnect", lambda self, *a, **k: (dropped.append(self), disconnect(self, *a, **k))[1])
    assert rediskeys.run_script(r, script, [key], ["c", 2]) == [key.encode(), b"c", None, [3]]
    assert failed and failed[0] in dropped
    assert rediskeys.run_script(r, script, [key], ["c", 5])[3] == [6]  # no stale reply read by anyone


def test_a_script_error_is_raised_and_the_pool_stays_sound(ctx):
    r = stores.cache()
    bad = r.register_script("return redis.call('NOSUCHCOMMAND')")
    with pytest.raises(ResponseError):
        rediskeys.run_script(r, bad, ["sg:test:x"], [])
    script = r.register_script(ECHO)
    for i in range(3):  # every pooled connection answers its own command
        assert rediskeys.run_script(r, script, ["sg:test:y"], ["d", i])[3] == [i + 1]
