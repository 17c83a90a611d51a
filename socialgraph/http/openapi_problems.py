"""OpenAPI description of the error responses as they really are:
``application/problem+json`` (RFC 9457) with the fields of
:meth:`socialgraph.core.errors.DomainError.to_problem`.

flask-smorest documents errors with its own ``ErrorSchema`` (``code``,
``status`` as a string, ``message``) under ``application/json``; a
schemathesis run flagged every error answer as breaking that schema.
:class:`ProblemApi` registers the default and per-status error responses
with :class:`ProblemSchema` instead.
"""
from __future__ import annotations

import http

from flask_smorest import Api
from flask_smorest.spec import prepare_response
from marshmallow import INCLUDE, Schema, fields

PROBLEM_MIMETYPE = "application/problem+json"


class FieldError(Schema):
    field = fields.String()
    message = fields.String()
    # "in" is a Python keyword: declared under another attribute name
    in_ = fields.String(data_key="in")


class ProblemSchema(Schema):
    type = fields.String(metadata={"description": "/problems/<slug>, described at /api/v1/problems/<slug>"})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    errors = fields.List(fields.Nested(FieldError))
    # extension members (RFC 9457 §3.2) this API uses
    reason = fields.String(metadata={"description": "429 from the login throttle: locked or throttled"})
    max_bytes = fields.Integer(metadata={"description": "413: the size limit that applies, in bytes"})

    class Meta:
        unknown = INCLUDE  # problem details may carry extension members


class ProblemApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = ProblemSchema
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (RFC 9457 problem details)", "schema": ProblemSchema}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)
