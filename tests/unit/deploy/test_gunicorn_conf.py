"""gunicorn.conf.py: the worker hook that keeps full GC collections short."""
import gc
import runpy
from pathlib import Path

import gevent
from gunicorn.workers.ggevent import GeventWorker
from gunicorn.workers.gthread import ThreadWorker

CONF = Path(__file__).resolve().parents[3] / "gunicorn.conf.py"
HOOK = runpy.run_path(str(CONF))["post_worker_init"]


def _run_hook(worker_class):
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        tracked = len(gc.get_objects())
        HOOK(worker_class.__new__(worker_class))
        assert gc.get_freeze_count() == tracked  # every object tracked when the hook ran
        return gevent.config.track_greenlet_tree
    finally:
        gc.unfreeze()
        gevent.config.track_greenlet_tree = True


def test_each_worker_freezes_its_startup_objects_out_of_gc_passes():
    assert _run_hook(ThreadWorker) is True  # greenlets are not this worker's business


def test_the_gevent_worker_stops_recording_each_greenlets_spawning_stack():
    assert _run_hook(GeventWorker) is False
