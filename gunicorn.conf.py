"""gunicorn settings read from the working directory (``gunicorn wsgi:app``).

Request-size limits sit *above* the app's own (``socialgraph.http.request_guard``:
4,096-character URI, 8,190-byte header field, 100 fields), so an over-long
request reaches Flask and is answered as ``application/problem+json`` (414 /
431) rather than by gunicorn's plain-text error page. gunicorn's hard
maximum for the request line is 8,190 bytes; anything longer still gets its
own 414 page (put the reverse proxy's limit below that to answer it there).
Docs: https://docs.gunicorn.org/en/stable/settings.html#security
"""
limit_request_line = 8190
limit_request_field_size = 16380
limit_request_fields = 200


def post_worker_init(worker):
    """Once the app is loaded in a worker, keep the GC's full collections short: a
    full collection stops the whole worker -- under the gevent stream worker every
    socket -- for a time proportional to the objects it traverses (about 200 per
    socket: 1.3-2.8 s at 10,000 sockets on the shared bench machine; BENCHMARKS.md,
    the stream service).

    - ``gc.freeze()``: every object allocated so far (the modules and the app, about
      157,000) moves to CPython's permanent generation, which no collection traverses
      (https://docs.python.org/3/library/gc.html#gc.freeze);
    - gevent worker: ``gevent.config.track_greenlet_tree = False``, so a greenlet does
      not keep its spawner's stack (up to 10 frame records each, about 24 objects per
      socket) for debugging (https://www.gevent.org/api/gevent.greenlet.html)."""
    import gc

    if type(worker).__module__ == "gunicorn.workers.ggevent":
        import gevent

        gevent.config.track_greenlet_tree = False
    gc.freeze()
