"""The OpenAPI 3.1 document as client developers need it to generate SDKs.

flask-smorest builds the document from the views and their marshmallow
schemas; :func:`finish` completes it once, when it is first served:

- a stable ``operationId`` on every operation (``<blueprint>_<view>``, plus
  ``_<method>`` where one view answers several methods);
- a one-line ``summary`` (the docstring's first sentence, without reST
  markup) and the whole docstring as Markdown ``description``;
- ``security`` that matches reality: operations whose token is optional
  declare ``[{bearerAuth: []}, {}]`` (OpenAPI 3.1 §4.8.10: an empty
  requirement means anonymous access is allowed);
- every error an operation can give (401, 403, 404, 409, 413, 415, 422,
  429, 503) as ``application/problem+json`` (RFC 9457) with the problem
  ``type`` URIs of that status, by what the operation takes: a token
  (401/403), a path id (404), a body (413/415/422), a write (409);
  every operation may answer 429 and 503;
- response headers: ``X-RateLimit-*`` everywhere, ``Retry-After`` on 429
  and 503, ``Location`` on 201, ``ETag`` on GET 200, ``Link`` on paged
  lists, ``Idempotent-Replayed`` on POST successes;
- request and response ``examples`` generated from the schemas, where a
  view gave none;
- a ``description`` on every schema property that lacks one;
- ``servers`` from ``PUBLIC_BASE_URL``;
- OpenAPI links from each creating operation to the operation that reads
  what it created (for stateful testing and generated clients).
"""
from __future__ import annotations

import copy
import re
from typing import Any

from flask import Flask

from socialgraph.core import errors
from socialgraph.http.conventions import LOCATIONS

PROBLEM = "application/problem+json"
METHODS = ("get", "put", "post", "patch", "delete")

#: status -> component name of its problem response
ERROR_STATUSES = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
                  413: "PayloadTooLarge", 415: "UnsupportedMediaType", 422: "ValidationFailed",
                  429: "RateLimited", 503: "StoreUnavailable"}

#: common property names -> description (others get one from their name)
GLOSSARY = {
    "id": "Identifier of the object (opaque string).",
    "uid": "Identifier of the user (opaque string, stable across username changes).",
    "username": "The user's unique handle (lower case letters, digits, underscores).",
    "display_name": "The name the user shows to others.",
    "bio": "The user's short self-description.",
    "created_at": "When it was created (UTC, RFC 3339).",
    "updated_at": "When it last changed (UTC, RFC 3339).",
    "edited_at": "When it was last edited (UTC, RFC 3339), or null.",
    "expires_at": "When it expires (UTC, RFC 3339).",
    "next_cursor": "Opaque cursor of the next page (pass as `cursor`); null on the last page.",
    "items": "The items of this page, in order.",
    "cursor": "Opaque cursor from a previous page's `next_cursor`.",
    "limit": "How many items per page (1-100).",
    "text": "The text (plain text; hashtags and @mentions are parsed from it).",
    "visibility": "Audience: public, followers, friends, close_friends or only_me.",
    "counts": "Counters of the object.",
    "author": "The author (short profile).",
    "status": "State of the object.",
    "type": "Kind of the object.",
    "url": "A URL (presigned URLs expire).",
    "email": "An email address.",
    "password": "A password (never returned).",
    "code": "A 6-digit TOTP code or a backup code.",
    "token": "An opaque signed token.",
    "detail": "Human-readable explanation of this occurrence.",
    "title": "Short summary of the problem type.",
    "instance": "The request path that produced the problem.",
    "errors": "Field errors: `[{field, message, in}]`.",
    "field": "The request field at fault.",
    "message": "What is wrong with it.",
    "in": "Where the field was: json, query, path, form or files.",
    "group_id": "Identifier of the group, or null.",
    "post_id": "Identifier of the post.",
    "media": "Attached media (images and videos).",
    "hashtags": "Hashtags of the text, lower case, without `#`.",
    "mentions": "Usernames mentioned with `@` in the text.",
    "rebuilding": "True while the caller's home feed is being rebuilt (the page then comes from MongoDB).",
}

_ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|exc|obj):`~?([^`]+)`")


def _markdown(text: str) -> str:
    """reST inline markup -> Markdown (``x`` -> `x`, :func:`~a.b` -> `b`)."""
    text = _ROLE.sub(lambda m: "`" + m.group(1).rsplit(".", 1)[-1] + "`", text)
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def summary_of(doc: str) -> str:
    """The first sentence of ``doc`` on one line, without markup, <= 100 chars."""
    first = " ".join(_markdown(doc or "").strip().split("\n\n")[0].split())
    first = first.replace("`", "")
    sentence = re.split(r"(?<=[.;:!?])\s", first, maxsplit=1)[0].rstrip(".;:")
    return sentence if len(sentence) <= 100 else sentence[:97].rsplit(" ", 1)[0] + "..."


def _problem_component(status: int) -> dict:
    types = sorted(f"{errors.PROBLEM_BASE}{slug}" for slug, cls in errors.PROBLEM_TYPES.items()
                   if cls.status == status)
    slug = next((s for s, c in errors.PROBLEM_TYPES.items() if c.status == status), f"http-{status}")
    example = {"type": errors.PROBLEM_BASE + slug, "title": errors.PROBLEM_TYPES[slug].title
               if slug in errors.PROBLEM_TYPES else "Error", "status": status,
               "detail": "what went wrong, in plain words", "instance": "/api/v1/..."}
    if status == 422:
        example["errors"] = [{"field": "text", "message": "Shorter than minimum length 1.", "in": "json"}]
    out: dict[str, Any] = {
        "description": "Problem details (RFC 9457); `type` is one of: " + ", ".join(f"`{t}`" for t in types),
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}, "example": example}},
    }
    headers = {"X-RateLimit-Limit": {"$ref": "#/components/headers/X-RateLimit-Limit"},
               "X-RateLimit-Remaining": {"$ref": "#/components/headers/X-RateLimit-Remaining"},
               "X-RateLimit-Reset": {"$ref": "#/components/headers/X-RateLimit-Reset"}}
    if status in (429, 503):
        headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
    if status == 401:
        headers["WWW-Authenticate"] = {"schema": {"type": "string"},
                                       "description": "`Bearer realm=\"socialgraph\"` (RFC 6750)"}
    out["headers"] = headers
    return out


#: RFC 9457 problem details with the extension members this API uses
PROBLEM_SCHEMA = {
    "type": "object", "required": ["type", "title", "status"], "additionalProperties": True,
    "description": "RFC 9457 problem details. Extension members may be added; those this API uses are listed.",
    "properties": {
        "type": {"type": "string", "description": "URI of the problem type: /problems/<slug>, described at "
                                                  "/api/v1/problems/<slug>."},
        "title": {"type": "string", "description": "Short summary of the problem type."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "Human-readable explanation of this occurrence."},
        "instance": {"type": "string", "description": "The request path that produced the problem."},
        "errors": {"type": "array", "description": "Field errors (422, some 400).", "items": {
            "type": "object", "properties": {
                "field": {"type": "string", "description": "The request field at fault."},
                "message": {"type": "string", "description": "What is wrong with it."},
                "in": {"type": "string", "description": "json, query, path, form or files."}}}},
        "reason": {"type": "string", "description": "429 from the login throttle: locked or throttled."},
        "max_bytes": {"type": "integer", "description": "413: the size limit that applies, in bytes."},
    },
}

HEADERS = {
    "X-RateLimit-Limit": {"schema": {"type": "integer"}, "description": "Requests allowed in the current window."},
    "X-RateLimit-Remaining": {"schema": {"type": "integer"}, "description": "Requests left in the current window."},
    "X-RateLimit-Reset": {"schema": {"type": "integer"},
                          "description": "When the window resets (seconds since the epoch)."},
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."},
    "Location": {"schema": {"type": "string", "format": "uri-reference"},
                 "description": "URL of the created resource (RFC 9110 §10.2.2)."},
    "ETag": {"schema": {"type": "string"},
             "description": "Entity tag of this representation; send it back in `If-None-Match` to get 304."},
    "Link": {"schema": {"type": "string"},
             "description": "`<url>; rel=\"next\"` (RFC 8288): the next page, present while `next_cursor` is."},
    "Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]},
                            "description": "Present when this answer replays the one given earlier for the "
                                           "same `Idempotency-Key`."},
}


def _resolve(spec: dict, node: Any, depth: int = 0) -> Any:
    if isinstance(node, dict) and "$ref" in node and depth < 8:
        name = node["$ref"].rsplit("/", 1)[-1]
        return _resolve(spec, spec["components"]["schemas"].get(name, {}), depth + 1)
    return node


def example_of(spec: dict, schema: dict, depth: int = 0, name: str = "") -> Any:
    """A plausible example value for ``schema`` (JSON Schema, $refs resolved)."""
    schema = _resolve(spec, schema, depth)
    if not isinstance(schema, dict) or depth > 5:
        return None
    for key in ("example", "default"):
        if key in schema:
            return copy.deepcopy(schema[key])
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    if "allOf" in schema:
        return example_of(spec, schema["allOf"][0], depth + 1, name)
    types = schema.get("type", "object")
    if isinstance(types, list):
        types = next((t for t in types if t != "null"), "null")
    if types == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        return {k: example_of(spec, v, depth + 1, k) for k, v in props.items()
                if not (isinstance(v, dict) and v.get("writeOnly") and depth > 0)}
    if types == "array":
        item = example_of(spec, schema.get("items") or {}, depth + 1, name)
        return [] if item is None else [item]
    if types == "integer":
        return schema.get("minimum", 1)
    if types == "number":
        return schema.get("minimum", 1.0)
    if types == "boolean":
        return False
    if types == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return "2026-12-01T12:00:00Z"
        if fmt == "email" or name == "email":
            return "ada@example.org"
        if fmt in ("uri", "url"):
            return "https://social.example/..."
        return {"username": "ada", "password": "correct horse battery staple", "id": "6748a1f0c2a4b3d2e1f00001",
                "uid": "3f2c9a8e5b7d4c1a9e0f6b2d8c4a7e19", "text": "Hello #world, @grace!"}.get(name, name or "string")
    return None


def _describe_properties(spec: dict) -> None:
    for schema in spec.get("components", {}).get("schemas", {}).values():
        for name, prop in (schema.get("properties") or {}).items():
            if isinstance(prop, dict) and not prop.get("description"):  # 3.1 allows siblings of $ref
                prop["description"] = GLOSSARY.get(name) or (name.replace("_", " ").capitalize() + ".")


def _endpoint_index(app: Flask) -> dict[tuple[str, str], tuple[str, int]]:
    """(OpenAPI path, method) -> (endpoint, number of methods of that endpoint)."""
    out = {}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        methods = sorted(m for m in (rule.methods or ()) if m not in ("HEAD", "OPTIONS"))
        for m in methods:
            out[(path, m.lower())] = (rule.endpoint, len(methods))
    return out


def _optional_auth(app: Flask) -> set[str]:
    return set(app.extensions.get("socialgraph_optional_auth", set()))


def finish(spec: dict, app: Flask) -> dict:
    """Complete the generated document (see the module docstring); returns it."""
    spec = copy.deepcopy(spec)
    spec["openapi"] = "3.1.0"
    base = (app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    spec["servers"] = [{"url": base or "/", "description": "this deployment"}]
    comps = spec.setdefault("components", {})
    comps.setdefault("headers", {}).update(HEADERS)
    comps.setdefault("schemas", {})["ProblemDetails"] = PROBLEM_SCHEMA
    for status, name in ERROR_STATUSES.items():
        comps.setdefault("responses", {})[name] = _problem_component(status)
    index = _endpoint_index(app)
    optional = _optional_auth(app)
    seen_ids: set[str] = set()
    creators: list[tuple[str, str, dict]] = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            endpoint, n_methods = index.get((path, method), (f"{path}.{method}", 1))
            op_id = re.sub(r"[^A-Za-z0-9_]", "_", endpoint.replace("-", "_").replace(".", "_"))
            if n_methods > 1 or op_id in seen_ids:
                op_id = f"{op_id}_{method}"
            seen_ids.add(op_id)
            op["operationId"] = op_id
            doc = (op.get("summary", "") + "\n\n" + op.get("description", "")).strip()
            op["summary"] = summary_of(doc) or op_id.replace("_", " ")
            op["description"] = _markdown(doc) or op["summary"]
            if endpoint in optional and op.get("security"):
                op["security"] = [{"bearerAuth": []}, {}]
            authed = bool(op.get("security"))
            params = [p.get("name") for p in op.get("parameters", []) + item.get("parameters", [])
                      if isinstance(p, dict)]
            has_path_id = "{" in path
            body = op.get("requestBody")
            responses = op.setdefault("responses", {})
            wanted = {429, 503} if endpoint != "meta.ping" else {429}
            if authed:
                wanted |= {401, 403}
            if has_path_id:
                wanted.add(404)
            if body:
                wanted |= {413, 415, 422}
            if params and method == "get":
                wanted.add(422)
            if method in ("post", "put", "patch", "delete") and authed:
                wanted.add(409)
            for code in list(responses):
                if code.isdigit() and int(code) in ERROR_STATUSES:
                    wanted.add(int(code))  # flask-smorest's own error component -> ours
            for status in sorted(wanted):
                responses[str(status)] = {"$ref": f"#/components/responses/{ERROR_STATUSES[status]}"}
            responses["default"] = {"description": "Any other error (problem details, RFC 9457)",
                                    "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}}
            for code, resp in responses.items():
                if not code.startswith("2") or "$ref" in resp:
                    continue
                headers = resp.setdefault("headers", {})
                headers.setdefault("X-RateLimit-Limit", {"$ref": "#/components/headers/X-RateLimit-Limit"})
                headers.setdefault("X-RateLimit-Remaining", {"$ref": "#/components/headers/X-RateLimit-Remaining"})
                headers.setdefault("X-RateLimit-Reset", {"$ref": "#/components/headers/X-RateLimit-Reset"})
                if code == "201":
                    headers.setdefault("Location", {"$ref": "#/components/headers/Location"})
                if method == "get" and code == "200":
                    headers.setdefault("ETag", {"$ref": "#/components/headers/ETag"})
                    if "cursor" in params:
                        headers.setdefault("Link", {"$ref": "#/components/headers/Link"})
                if method == "post":
                    headers.setdefault("Idempotent-Replayed", {"$ref": "#/components/headers/Idempotent-Replayed"})
                for media in (resp.get("content") or {}).values():
                    if "example" not in media and "examples" not in media and "schema" in media:
                        media["example"] = example_of(spec, media["schema"])
            if method == "get" and "200" in responses and "304" not in responses:
                responses["304"] = {"description": "Not modified: the representation matches `If-None-Match`."}
            for media in ((body or {}).get("content") or {}).values():
                if "example" not in media and "examples" not in media and "schema" in media:
                    media["example"] = example_of(spec, media["schema"])
            if endpoint in LOCATIONS and "201" in responses:
                creators.append((path, op_id, responses["201"]))
    _link_creators(spec, creators)
    _describe_properties(spec)
    return spec


def _link_creators(spec: dict, creators: list[tuple[str, str, dict]]) -> None:
    """201 answers link to the GET that reads the created object by its id."""
    getters = {}
    for path, item in spec.get("paths", {}).items():
        get = item.get("get")
        m = re.fullmatch(r"(.*)/\{([a-z_]+_id)\}", path)
        if isinstance(get, dict) and m:
            getters[m.group(1)] = (get["operationId"], m.group(2))
    for path, _op_id, resp in creators:
        target = getters.get(path) or getters.get(path.rsplit("/", 1)[0] if path.count("/") > 3 else path)
        if target:
            op_id, param = target
            resp.setdefault("links", {})[f"read_{op_id}"] = {
                "operationId": op_id, "parameters": {param: "$response.body#/id"},
                "description": f"Read what this operation created ({op_id})."}


def install(app: Flask) -> None:
    """Serve the finished document: wrap the Api's ``spec.to_dict`` (computed once)."""
    api = app.extensions["openapi"]
    original = api.spec.to_dict
    cache: dict[str, dict] = {}

    def to_dict() -> dict:
        if "spec" not in cache:
            cache["spec"] = finish(original(), app)
        return cache["spec"]

    api.spec.to_dict = to_dict  # type: ignore[method-assign]
