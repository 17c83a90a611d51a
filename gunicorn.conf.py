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
