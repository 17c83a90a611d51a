"""Health, problem-type documentation and the API root."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, redirect, send_from_directory
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from socialgraph import stores
from socialgraph.core import errors

blp = Blueprint("meta", __name__, url_prefix="/api/v1", description="Service status")


class HealthOut(Schema):
    status = fields.String(metadata={"description": "ok or degraded"})
    stores = fields.Dict(keys=fields.String(), values=fields.Boolean())


class ProblemTypeOut(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    description = fields.String()


class PingOut(Schema):
    ok = fields.Boolean()


@blp.route("/ping", methods=["GET"])
@blp.response(200, PingOut)
def ping():
    """Benchmark ceiling: ``{"ok": true}`` without touching any store."""
    return {"ok": True}


@blp.route("/health", methods=["GET"])
@blp.response(200, HealthOut)
@blp.alt_response(503, schema=HealthOut, description="a store does not answer")
def health():
    """Liveness and the reachability of each store: 200 when all answer, else 503.

    Body: ``{"status": "ok"|"degraded", "stores": {"graph": bool, ...}}``.
    """
    checks = {
        "graph": lambda: stores.graph().driver.verify_connectivity(),
        "documents": lambda: stores.mongo().command("ping"),
        "objects": lambda: stores.objects().list_buckets(),
        "cache": lambda: stores.cache().ping(),
    }
    answers = {}
    for name, check in checks.items():
        try:
            check()
            answers[name] = True
        except Exception:
            answers[name] = False
    ok = all(answers.values())
    return {"status": "ok" if ok else "degraded", "stores": answers}, 200 if ok else 503


@blp.route("/problems/<string:slug>", methods=["GET"])
@blp.response(200, ProblemTypeOut)
def problem_type(slug):
    """What a problem ``type`` means (the ``type`` URIs of error responses)."""
    cls = errors.PROBLEM_TYPES.get(slug)
    if cls is None:
        raise errors.NotFound("unknown problem type")
    return {"type": errors.PROBLEM_BASE + slug, "title": cls.title, "status": cls.status,
            "description": (cls.__doc__ or cls.title).strip()}


WEB_DIR = Path(__file__).resolve().parent.parent / "web"


def register_root(app: Flask) -> None:
    """The reference web client at ``/`` (static files from ``web/``)."""

    @app.get("/")
    def root():
        return send_from_directory(WEB_DIR, "index.html", max_age=0)

    @app.get("/web/<path:filename>")
    def web_asset(filename):
        return send_from_directory(WEB_DIR, filename, max_age=300)

    @app.get("/problems/<string:slug>")
    def problem_alias(slug):
        return redirect(f"/api/v1/problems/{slug}")
