"""RQ job entry points. Each takes ids (never objects), runs inside an app
context and is idempotent, because RQ retries failed jobs."""
from __future__ import annotations

import functools
import threading

from flask import current_app, has_app_context

from socialgraph.app import create_app

_app = None
_lock = threading.Lock()


def _worker_app():
    global _app
    with _lock:
        if _app is None:

            _app = create_app()
    return _app


def in_app(func):
    """Run the job inside the current app context, or the worker's own app."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return func(*args, **kwargs)
        with _worker_app().app_context():
            return func(*args, **kwargs)

    return wrapper


__all__ = ["in_app", "current_app"]
