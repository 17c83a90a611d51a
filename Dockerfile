# syntax=docker/dockerfile:1
#
# socialgraph API / RQ worker image.
#
#   docker build -t socialgraph:latest .
#
# The same image runs the HTTP API (default CMD, gunicorn) and the RQ worker
# (`socialgraph worker`); see docker-compose.yml. Configuration comes only from
# SG_* environment variables (see .env.example).

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Unprivileged runtime user (fixed ids so volume/ACL rules stay stable).
RUN groupadd --system --gid 10001 socialgraph \
 && useradd --system --uid 10001 --gid socialgraph \
        --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin socialgraph

# Runtime dependencies only (requirements-dev.txt is never installed here);
# a separate layer so code changes do not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

# The code. The app reads its Cypher files from <repo>/cypher, next to the
# socialgraph package, so the packages are installed in editable mode: they
# stay in /app beside cypher/, and the `socialgraph` console command is on PATH.
COPY . .
RUN pip install --no-deps -e . \
 && python -c "import pathlib, socialgraph; d = pathlib.Path(socialgraph.__file__).resolve().parent.parent / 'cypher'; assert d.is_dir(), d" \
 && socialgraph --help > /dev/null

USER socialgraph:socialgraph

EXPOSE 8000

# gthread workers for the REST API; the WebSocket stream runs as its own
# service on gevent workers (docker-compose.yml `stream`). 8 threads a worker,
# not 32: every thread of a worker shares its GIL, and each store round trip
# gives it up and waits to get it back, so many threads a worker lengthen the
# tail (home p95 at 32 clients on 2 cores: 68 ms with 2 x 16, 50 ms with 4 x 8;
# BENCHMARKS.md, session 5). Compose reads SG_WEB_WORKERS / SG_WEB_THREADS.
# --no-control-socket: gunicorn >= 25 otherwise opens a control socket under
# $HOME, which does not exist for this user (and the root FS may be read-only).
CMD ["gunicorn", \
     "--worker-class", "gthread", "--threads", "8", "--workers", "4", \
     "--bind", "0.0.0.0:8000", "--graceful-timeout", "20", \
     "--no-control-socket", "--access-logfile", "-", \
     "wsgi:app"]
