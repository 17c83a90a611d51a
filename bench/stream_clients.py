#!/usr/bin/env python
"""WebSocket load client of ``bench_realtime.py --only stream`` (gevent; not a test).

Reads ``{"url", "redis_url", "tokens": [[uid, token], ...]}`` from the JSON
file given as argument, opens one socket per token (``concurrency`` handshakes at
a time, default 50, each given up after 60 s), then follows commands on stdin, answering one JSON line each on stdout:

- ``connect N [BUDGET]``: open sockets until N are connected or BUDGET seconds have passed
  -> ``{"connected", "failed", "seconds"}``;
- ``close N``: close all but the first N -> ``{"connected"}``;
- ``publish K RATE``: publish one notification to each of the first K users
  through Redis (the channel jobs publish to), RATE per second, and wait for
  every frame -> ``{"latencies_ms": [...], "missing", "client_gc_ms"}``; latency = receipt
  time - the send time carried in the frame (same host, same clock); ``client_gc_ms``:
  this process's own GC pauses meanwhile (they delay receipt too);
- ``ping K``: each of the first K sockets sends ``ping`` -> ``{"pongs"}``.

After each ``connect`` the sockets' objects are frozen out of this process's GC
(``gc.freeze``): a full collection over 10,000 client sockets stops this process
for a second or more, which would be counted as the server's latency.
"""
from gevent import monkey

monkey.patch_all()

import gc  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
import redis  # noqa: E402
import simple_websocket  # noqa: E402
from gevent.event import Event  # noqa: E402
from gevent.pool import Pool  # noqa: E402

CHANNEL = "sg:rt:u:{uid}"


class Conn:
    def __init__(self, uid, token):
        self.uid, self.token, self.ws = uid, token, None
        self.latency_ms = None
        self.got = Event()
        self.pong = Event()

    def open(self, url):
        self.ws = simple_websocket.Client.connect(url, headers={"Authorization": f"Bearer {self.token}"})
        hello = self.ws.receive(timeout=30)
        if not hello or json.loads(hello)["type"] != "hello":
            raise RuntimeError(f"no hello: {hello!r}")
        gevent.spawn(self.read)

    def read(self):
        try:
            while True:
                raw = self.ws.receive()
                if raw is None:
                    return
                frame = json.loads(raw)
                if frame["type"] == "notification":
                    self.latency_ms = (time.time() - frame["notification"]["sent_at"]) * 1000
                    self.got.set()
                elif frame["type"] == "pong":
                    self.pong.set()
        except Exception:
            return


_gc = {"ms": 0.0}


def _time_gc(phase, _info):
    if phase == "start":
        _gc["t"] = time.perf_counter()
    else:
        _gc["ms"] += (time.perf_counter() - _gc["t"]) * 1000


def main():
    gc.callbacks.append(_time_gc)
    cfg = json.load(open(sys.argv[1]))
    conns = [Conn(uid, tok) for uid, tok in cfg["tokens"]]
    r = redis.Redis.from_url(cfg["redis_url"])
    opened: list[Conn] = []

    def say(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    for line in sys.stdin:
        cmd, *rest = line.split()
        if cmd == "connect":
            want = int(rest[0])
            budget = float(rest[1]) if len(rest) > 1 else float("inf")
            todo = conns[len(opened):want]
            failed = []
            t = time.perf_counter()

            def one(c):
                if time.perf_counter() - t > budget:
                    return
                try:
                    with gevent.Timeout(60):
                        c.open(cfg["url"])
                    opened.append(c)
                except BaseException as exc:  # gevent.Timeout is a BaseException
                    failed.append(repr(exc))

            Pool(int(cfg.get("concurrency", 50))).map(one, todo)
            gc.freeze()
            say({"connected": len(opened), "failed": len(failed), "errors": failed[:3],
                 "seconds": round(time.perf_counter() - t, 2)})
        elif cmd == "close":
            keep = int(rest[0])
            for c in opened[keep:]:
                try:
                    c.ws.close()
                except Exception:
                    pass
            del opened[keep:]
            gevent.sleep(2)
            say({"connected": sum(1 for c in opened if c.ws.connected)})
        elif cmd == "publish":
            k, rate = int(rest[0]), float(rest[1])
            targets = opened[:k]
            gc_ms0 = _gc["ms"]
            for c in targets:
                c.got.clear()
                c.latency_ms = None
            t0 = time.perf_counter()
            for i, c in enumerate(targets):
                delay = t0 + i / rate - time.perf_counter()
                if delay > 0:
                    gevent.sleep(delay)
                note = {"type": "notification", "notification": {"id": f"bench-{i}", "type": "reaction",
                                                                  "sent_at": time.time()}}
                r.publish(CHANNEL.format(uid=c.uid), json.dumps(note))
            deadline = time.perf_counter() + 30
            for c in targets:
                c.got.wait(timeout=max(0.0, deadline - time.perf_counter()))
            lat = [c.latency_ms for c in targets if c.latency_ms is not None]
            say({"latencies_ms": lat, "missing": len(targets) - len(lat),
                 "client_gc_ms": round(_gc["ms"] - gc_ms0, 1)})
        elif cmd == "ping":
            k = int(rest[0])
            for c in opened[:k]:
                c.pong.clear()
                c.ws.send(json.dumps({"type": "ping"}))
            ok = sum(1 for c in opened[:k] if c.pong.wait(timeout=10))
            say({"pongs": ok})
        elif cmd == "quit":
            break


if __name__ == "__main__":
    main()
