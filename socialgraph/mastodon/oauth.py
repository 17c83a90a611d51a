"""OAuth 2.0 as Mastodon does it, on Authlib's Flask authorization server.

Endpoints (on the Mastodon origin, :mod:`socialgraph.mastodon.dispatch`):

- ``POST /api/v1/apps``: register an application (form or JSON:
  ``client_name``, ``redirect_uris`` (newline/space separated or an array;
  default ``urn:ietf:wg:oauth:2.0:oob``), ``scopes`` (default ``read``),
  ``website``) -> Mastodon's ``CredentialApplication`` (``client_id``,
  ``client_secret``, ``vapid_key``, ...). ``GET /api/v1/apps/verify_credentials``.
- ``GET /oauth/authorize``: the sign-in and consent page (username or email,
  password, then the TOTP or backup code when 2FA is on: the same checks,
  throttling and lockout as ``POST /api/v1/auth/login``). ``POST`` is the form.
  Approving redirects to ``redirect_uri?code=...&state=...`` (for
  ``urn:ietf:wg:oauth:2.0:oob`` the code is shown); denying redirects with
  ``error=access_denied``.
- ``POST /oauth/token``: grants ``authorization_code`` (with PKCE, S256 only
  (RFC 7636); required when the client does not authenticate),
  ``client_credentials`` (an application token: no account) and
  ``refresh_token`` (the session goes on with a new pair; the old pair stops).
  The password grant is not offered (Mastodon 4.4 removed it; it cannot ask
  for a 2FA code). Errors are RFC 6749 §5.2's ``{"error", "error_description"}``.
- ``POST /oauth/revoke`` (RFC 7009): the token and its session end.
- ``GET /.well-known/oauth-authorization-server`` (RFC 8414, as Mastodon 4.3).

Tokens are sessions (:mod:`socialgraph.accounts.oauth`): listed in
``/me/sessions`` under the application's name, revocable there, durable in
MongoDB, counted per account by the rate limiter.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload, FlaskOAuth2Request
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, current_app, jsonify, render_template, request, send_file
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from socialgraph.accounts import oauth, sessions
from socialgraph.accounts import service as accounts
from socialgraph.core.errors import DomainError, InvalidCredentials, InvalidToken, NotFound, RateLimited
from socialgraph.http import limits
from socialgraph.messaging import push
from socialgraph.mastodon.auth import current_token, require_scope
from socialgraph.mastodon.blueprints import mastodon_blueprint
from socialgraph.mastodon.dispatch import public_url
from socialgraph.mastodon.paging import param, param_list, param_str

log = logging.getLogger(__name__)

bp = mastodon_blueprint("mastodon_oauth", __name__, template_folder="templates")

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
#: the consent page: our own stylesheet only; no framing (clickjacking); the form may
#: go anywhere its redirect_uri points (custom schemes of native apps included)
CONSENT_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"
GRANT_TYPES = ("authorization_code", "client_credentials", "refresh_token")

# the sign-in form is a login: counted per client IP with the login budget (socialgraph.http.limits)
limits.STRICT_ENDPOINTS["mastodon_oauth.authorize_post"] = "RATELIMIT_LOGIN"
limits.ANONYMOUS_ENDPOINTS.update({"mastodon_oauth.authorize_post", "mastodon_oauth.token"})
limits.BEARER_RESOLVERS.append(oauth.uid_of)


# -- the models Authlib asks for ----------------------------------------------
class Client:
    """An ``oauth_apps`` document as Authlib's ``ClientMixin``."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.client_id = doc["_id"]

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.doc["redirect_uris"][0]

    def get_allowed_scope(self, scope):
        """The requested scopes (default ``read``) if the app registered for
        each of them, else ``None`` (Authlib answers ``invalid_scope``)."""
        try:
            wanted = oauth.parse_scopes(scope) if scope else list(oauth.DEFAULT_SCOPES)
        except DomainError:
            return None
        allowed = oauth.allowed_subset(self.doc["scopes"], wanted)
        return " ".join(allowed) if len(allowed) == len(wanted) else None

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.doc["redirect_uris"]

    def check_client_secret(self, client_secret):
        return oauth.check_secret(self.doc, client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post", "none")

    def check_grant_type(self, grant_type):
        return grant_type in GRANT_TYPES

    def check_response_type(self, response_type):
        return response_type == "code"


class GrantUser:
    """The account an authorization is for: uid plus the sign-in it came from."""

    def __init__(self, uid: str, auth_ms: int, ip: str | None = None, user_agent: str | None = None,
                 sid: str | None = None):
        self.uid, self.auth_ms, self.ip, self.user_agent, self.sid = uid, auth_ms, ip, user_agent, sid

    def get_user_id(self):
        return self.uid


class Code:
    """An ``oauth_codes`` document as Authlib's ``AuthorizationCodeMixin``."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.code_challenge = doc.get("code_challenge")
        self.code_challenge_method = doc.get("code_challenge_method")

    def get_redirect_uri(self):
        return self.doc["redirect_uri"]

    def get_scope(self):
        return self.doc["scope"]

    def get_nonce(self):
        return None

    def get_auth_time(self):
        return self.doc["auth_ms"] // 1000


class Token:
    """An ``oauth_tokens`` document as Authlib's ``TokenMixin``."""

    def __init__(self, doc: dict):
        self.doc = doc

    def check_client(self, client):
        return self.doc["client_id"] == client.get_client_id()

    def get_scope(self):
        return self.doc["scope"]

    def get_expires_in(self):
        return 0

    def is_expired(self):
        return False

    def is_revoked(self):
        return self.doc.get("revoked_at") is not None


# -- grants --------------------------------------------------------------------
class S256Challenge(CodeChallenge):
    """PKCE with S256 only (``plain`` offers nothing over no PKCE)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def save_authorization_code(self, code, req):
        user: GrantUser = req.user
        data = req.payload.data
        oauth.save_code(code, req.client.get_client_id(), user.uid, req.payload.redirect_uri
                        or req.client.get_default_redirect_uri(), req.scope,
                        data.get("code_challenge"), data.get("code_challenge_method") if data.get("code_challenge")
                        else None, user.auth_ms, user.ip, user.user_agent)

    def query_authorization_code(self, code, client):
        doc = oauth.find_code(code, client.get_client_id())
        return Code(doc) if doc else None

    def delete_authorization_code(self, authorization_code):
        """Already consumed in :meth:`authenticate_user` (atomically: a code works once)."""

    def authenticate_user(self, authorization_code):
        doc = authorization_code.doc
        if not oauth.use_code(doc):
            return None  # a second exchange of the same code lost the race
        return GrantUser(doc["uid"], doc["auth_ms"], doc.get("ip"), doc.get("user_agent"))


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class RefreshTokenGrant(grants.RefreshTokenGrant):
    #: every application has a secret (``POST /api/v1/apps`` gives one): a refresh needs it
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        doc = oauth.find_refresh(refresh_token)
        return Token(doc) if doc and doc.get("uid") else None

    def authenticate_user(self, refresh_token):
        doc = refresh_token.doc
        try:
            sessions.require_active(doc["uid"], doc["sid"], doc.get("auth_ms") or 0)
        except InvalidToken:
            return None
        return GrantUser(doc["uid"], doc.get("auth_ms") or 0, sid=doc["sid"])

    def revoke_old_credential(self, refresh_token):
        oauth.retire(refresh_token.doc)


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def query_token(self, token_string, token_type_hint):
        doc = oauth.find_token(token_string) if token_type_hint != "refresh_token" else None
        doc = doc or oauth.find_refresh(token_string)
        return Token(doc) if doc else None

    def revoke_token(self, token, req):
        oauth.revoke(token.doc)


class _Payload(FlaskOAuth2Payload):
    """Parameters from the query, a form or a JSON body (masto.js sends JSON)."""

    @property
    def data(self):
        return _values()


class _Request(FlaskOAuth2Request):
    def __init__(self, req):
        super().__init__(req)
        self.payload = _Payload(req)

    @property
    def form(self):
        return _values(with_args=False)


def _values(with_args: bool = True):
    parts = [request.args] if with_args else []
    parts.append(request.form)
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            parts.append(MultiDict([(k, v if isinstance(v, str) else " ".join(map(str, v)) if isinstance(v, list)
                                     else str(v)) for k, v in body.items() if v is not None]))
    return CombinedMultiDict(parts)


class Server(AuthorizationServer):
    def create_oauth2_request(self, req):
        return _Request(request)


def _save_token(token: dict, req) -> None:
    """Store what Authlib generated: a new session for a user's first token,
    the same session for a refresh, no session for an application token."""
    user: GrantUser | None = req.user
    client_id = req.client.get_client_id()
    if user is None:
        oauth.issue(token["access_token"], None, client_id, token.get("scope") or "read", None)
    else:
        oauth.issue(token["access_token"], token.get("refresh_token"), client_id, token.get("scope") or "read",
                    user.uid, sid=user.sid, auth_ms=user.auth_ms, ip=user.ip, user_agent=user.user_agent)
    token["created_at"] = int(time.time())


def init_server(app: Flask) -> Server:
    """The Authlib server on ``app`` (``app.extensions["mastodon_oauth"]``)."""
    app.config.setdefault("OAUTH2_REFRESH_TOKEN_GENERATOR", True)
    app.config.setdefault("OAUTH2_TOKEN_EXPIRES_IN", {g: 0 for g in GRANT_TYPES})  # Mastodon tokens do not expire
    server = Server(app, query_client=lambda cid: Client(d) if (d := oauth.get_app(cid)) else None,
                    save_token=_save_token)
    server.register_grant(AuthorizationCodeGrant, [S256Challenge(required=True)])
    server.register_grant(ClientCredentialsGrant)
    server.register_grant(RefreshTokenGrant)
    server.register_endpoint(Revocation)
    app.extensions["mastodon_oauth"] = server
    return server


def _server() -> Server:
    return current_app.extensions["mastodon_oauth"]


# -- applications ----------------------------------------------------------------
def application_entity(app: dict, with_secret: bool = False) -> dict:
    """Mastodon's ``Application`` / ``CredentialApplication`` entity."""
    out = {"id": app["id"], "name": app["name"], "website": app.get("website"),
           "scopes": app["scopes"], "redirect_uri": "\n".join(app["redirect_uris"]),
           "redirect_uris": app["redirect_uris"], "vapid_key": push.server_key()}
    if with_secret:
        out.update({"client_id": app["client_id"], "client_secret": app["client_secret"],
                    "client_secret_expires_at": 0})
    return out


@bp.post("/api/v1/apps")
def create_app():
    """Register an application. Form or JSON: ``client_name`` (required),
    ``redirect_uris``, ``scopes`` (space separated, default ``read``),
    ``website``. 200 -> ``CredentialApplication``; 422 for a missing name,
    an unknown scope or a bad redirect URI."""
    uris = param("redirect_uris") or param_list("redirect_uris") or None
    app = oauth.create_app(param_str("client_name", "", 400), uris, param("scopes"), param_str("website", None, 2000))
    return jsonify(application_entity(app, with_secret=True))


@bp.get("/api/v1/apps/verify_credentials")
@require_scope(user=False)
def verify_app_credentials():
    """The application of the token (an application or a user token): ``Application``."""
    doc = oauth.get_app(current_token()["client_id"])
    if doc is None:
        raise NotFound("Record not found")
    return jsonify(application_entity(oauth.public_app(doc)))


def _metadata() -> dict:
    return {
        "issuer": public_url("/"),
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": public_url("/oauth/authorize"),
        "token_endpoint": public_url("/oauth/token"),
        "revocation_endpoint": public_url("/oauth/revoke"),
        "app_registration_endpoint": public_url("/api/v1/apps"),
        "scopes_supported": sorted(oauth.KNOWN_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment"],
        "grant_types_supported": list(GRANT_TYPES),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
    }


@bp.get("/.well-known/oauth-authorization-server")
def metadata():
    """RFC 8414 authorization server metadata (the fields Mastodon 4.3 publishes)."""
    return jsonify(_metadata())


@bp.post("/oauth/token")
def token():
    """The token endpoint (RFC 6749 §3.2): see the module docstring. 200 ->
    ``{access_token, token_type: "Bearer", scope, created_at, refresh_token}``;
    400/401 -> ``{"error", "error_description"}``."""
    return _server().create_token_response()


@bp.post("/oauth/revoke")
def revoke():
    """RFC 7009: ``token`` (+ client credentials) -> 200 ``{}``; the token's session ends."""
    return _server().create_endpoint_response(Revocation.ENDPOINT_NAME)


# -- the sign-in and consent page ---------------------------------------------------
def _page(template_vars: dict, status: int = 200):
    resp = current_app.make_response((render_template("mastodon/authorize.html", **template_vars), status))
    resp.headers["Content-Security-Policy"] = CONSENT_CSP
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _scope_lines(scope: str) -> list[str]:
    words = {"read": "read everything of your account", "write": "post, change and delete on your behalf",
             "follow": "follow, block and mute on your behalf", "push": "receive your notifications by Web Push",
             "profile": "see your profile only"}
    out = []
    for s in scope.split():
        kind, _, area = s.partition(":")
        out.append(words.get(s) or f"{'read' if kind == 'read' else 'change'} your {area.replace('_', ' ')}")
    return out


def _consent_grant():
    """Authlib's validated authorization request, or an error page (no redirect to an unchecked URI)."""
    try:
        return _server().get_consent_grant(end_user=None), None
    except OAuth2Error as exc:
        return None, _page({"stage": "error", "message": exc.description or exc.error}, 400)


def _page_vars(grant, **extra) -> dict:
    client: Client = grant.client
    return {"app_name": client.doc["name"], "app_website": client.doc.get("website"),
            "scopes": _scope_lines(grant.request.scope or "read"), **extra}


@bp.get("/oauth/authorize")
def authorize():
    """The sign-in and consent page for ``response_type=code&client_id&redirect_uri&scope&state``
    (+ ``code_challenge`` and ``code_challenge_method=S256``). 400 page for an
    unknown client or a redirect URI the app did not register."""
    grant, error = _consent_grant()
    if error:
        return error
    return _page(_page_vars(grant, stage="login"))


@bp.post("/oauth/authorize")
def authorize_post():
    """The form of :func:`authorize`: ``decision`` (``approve``/``deny``),
    ``login`` + ``password``, then ``mfa_token`` + ``code`` when 2FA is on.
    Wrong credentials show the form again (401); a throttled or locked
    sign-in shows the wait (429)."""
    grant, error = _consent_grant()
    if error:
        return error
    if request.form.get("decision") == "deny":
        return _finish(grant, None)
    ip, ua = request.remote_addr, request.headers.get("User-Agent")
    try:
        if request.form.get("mfa_token"):
            result = accounts.authenticate_mfa(request.form["mfa_token"], (request.form.get("code") or "").strip(),
                                               ip, ua)
        else:
            result = accounts.authenticate(request.form.get("login") or "", request.form.get("password") or "",
                                           ip, ua)
            if result.get("mfa_required"):
                return _page(_page_vars(grant, stage="mfa", mfa_token=result["mfa_token"]))
    except (InvalidCredentials, InvalidToken) as exc:
        stage = "mfa" if request.form.get("mfa_token") and isinstance(exc, InvalidCredentials) else "login"
        return _page(_page_vars(grant, stage=stage, mfa_token=request.form.get("mfa_token"),
                                message=exc.detail), 401)
    except RateLimited as exc:
        resp = _page(_page_vars(grant, stage="login", message=exc.detail), 429)
        for k, v in (getattr(exc, "headers", None) or {}).items():
            resp.headers[k] = v
        return resp
    accounts.note_signed_in(result["uid"], result["login"], ip, ua)
    return _finish(grant, GrantUser(result["uid"], sessions.now_ms(), ip, ua))


def _finish(grant, user: GrantUser | None):
    """Authlib's redirect; for the out-of-band URI the code is shown instead."""
    resp = _server().create_authorization_response(grant_user=user, grant=grant)
    location = resp.headers.get("Location", "")
    if location.startswith(oauth.OOB_REDIRECT):
        query = parse_qs(urlsplit(location).query)
        if "code" in query:
            return _page({"stage": "oob", "code": query["code"][0], "app_name": grant.client.doc["name"]})
        return _page({"stage": "error", "message": "you did not authorise the application"}, 403)
    return resp


@bp.get("/oauth/style.css")
def stylesheet():
    """The web client's stylesheet (the page looks like the web client on the Mastodon origin too)."""
    return send_file(WEB_DIR / "style.css", mimetype="text/css", max_age=3600)
