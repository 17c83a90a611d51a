"""``/api/v1/reports`` and ``/api/v1/moderation``: reports, queue, actions, audit log."""
from __future__ import annotations

from flask_smorest import Blueprint

from socialgraph.moderation import service as moderation

from .content_schemas import (
    ActionIn,
    AuditPage,
    QueueArgs,
    ReportIn,
    ReportOut,
    ReportPage,
)
from .schemas import PageArgs
from .security import auth_required, current_uid

blp = Blueprint("moderation", __name__, url_prefix="/api/v1", description="Reports and moderation")


def _page(page):
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route("/reports", methods=["POST"])
@auth_required(blp)
@blp.arguments(ReportIn)
@blp.response(201, ReportOut)
def report(body):
    """Report a post, comment (by id) or user (by username) with a reason.
    404 if the caller cannot see it (content across a block either way, a user
    who blocked the caller: the problem of an unknown target), 422 for oneself,
    409 if already reported and open. A user the caller blocked can be reported."""
    return moderation.report(current_uid(), body["target_type"], body["target_id"], body["reason"],
                             body.get("details"))


@blp.route("/moderation/reports", methods=["GET"])
@auth_required(blp)
@blp.arguments(QueueArgs, location="query")
@blp.response(200, ReportPage)
def queue(args):
    """The moderation queue (admins only, 403 otherwise): reports by status, oldest first."""
    return _page(moderation.queue(current_uid(), args["status"], args.get("cursor"), args["limit"]))


@blp.route("/moderation/reports/<string:report_id>/actions", methods=["POST"])
@auth_required(blp)
@blp.arguments(ActionIn)
@blp.response(200, ReportOut)
def act(body, report_id):
    """Resolve a report: ``dismiss``, ``remove_content`` or ``suspend_user``
    (admins only); written to the audit log. 409 when already resolved."""
    return moderation.act(current_uid(), report_id, body["action"], body.get("note"))


@blp.route("/moderation/audit", methods=["GET"])
@auth_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, AuditPage)
def audit(args):
    """The moderation audit log, newest first (admins only)."""
    return _page(moderation.audit_log(current_uid(), args.get("cursor"), args["limit"]))
