"""``socialgraph dev`` restarts a crashed worker instead of stopping everything."""
from __future__ import annotations

import subprocess
import sys
import threading
import time

import click
import pytest

from socialgraph.cli import WorkerRestarts, supervise


def _crashing():
    return subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"])


def test_a_crashed_worker_is_restarted_and_says_so():
    api = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    spawned, said, requested, procs = [], [], [], []

    def spawn():
        spawned.append(1)
        procs.append(_crashing())
        return procs[-1]

    procs.append(_crashing())
    children = [procs[0], api]
    t = threading.Thread(target=supervise, args=(children, spawn, requested, said.append, 0.05))
    t.start()
    try:
        deadline = time.monotonic() + 10
        while len(spawned) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        requested.append(1)
        t.join(10)
        api.kill()
        api.wait()
        for p in procs:  # reap every crashed child (no ResourceWarning)
            p.wait(10)
    assert len(spawned) >= 2  # restarted, and again after the next crash
    assert said[0] == "worker exited with status 3; restarting it (restart 1)"
    assert api.returncode is not None and not t.is_alive()


def test_the_api_exiting_still_stops_dev():
    api = subprocess.Popen([sys.executable, "-c", "pass"])
    api.wait()
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(click.ClickException):
            supervise([worker, api], _crashing, [], lambda m: None, 0.05)
    finally:
        worker.kill()
        worker.wait()


def test_restart_back_off_grows_then_resets_after_a_quiet_minute():
    r = WorkerRestarts()
    assert [r.next_delay(t) for t in (0, 1, 2, 3, 4, 5, 6, 7)] == [0, 1, 2, 4, 8, 16, 30, 30]
    assert r.next_delay(100) == 0
