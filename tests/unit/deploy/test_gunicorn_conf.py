"""gunicorn.conf.py: the worker hook that keeps the startup heap out of GC passes."""
import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[3] / "gunicorn.conf.py"


def test_each_worker_freezes_its_startup_objects_out_of_gc_passes():
    hook = runpy.run_path(str(CONF))["post_worker_init"]
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        tracked = len(gc.get_objects())
        hook(worker=None)
        assert gc.get_freeze_count() == tracked  # every object tracked when the hook ran
        assert gc.get_objects() == []  # nothing left for a collection to traverse
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
