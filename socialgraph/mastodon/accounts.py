"""The account side of the Mastodon API: accounts, relationships, follow
requests, blocks and mutes, lists, markers, suggestions, reports and the Web
Push subscription (https://docs.joinmastodon.org/methods/).

Thin views over the graph, account, moderation and push services: the same
rules as the native API (privacy settings, blocks either way answer 404,
locked accounts get follow requests, unverified addresses may not write
outside :data:`socialgraph.mastodon.auth.UNVERIFIED_ALLOWED`). Entities come
from :mod:`socialgraph.mastodon.entities`; lists page with ``Link`` headers
whose ``max_id`` is our keyset cursor (:func:`socialgraph.mastodon.paging.opaque`).
``/api/v1/accounts/:id/statuses`` is the statuses side's. The mapping is in
``docs/mastodon.md``.
"""
from __future__ import annotations

from flask import current_app, jsonify, request

from socialgraph.accounts import service as account_service
from socialgraph.content import avatars, search
from socialgraph.core.errors import Conflict, NotFound, ValidationFailed
from socialgraph.core.text import clean_display_name
from socialgraph.graph import blocks, follows, friends, lists, privacy, suggestions
from socialgraph.mastodon import entities, markers
from socialgraph.mastodon.auth import current_account_id, current_token, require_scope
from socialgraph.mastodon.blueprints import mastodon_blueprint
from socialgraph.mastodon.entities import iso
from socialgraph.mastodon.paging import (
    opaque,
    page_args,
    paged,
    param,
    param_bool,
    param_int,
    param_list,
    param_str,
    unopaque,
)
from socialgraph.messaging import push
from socialgraph.moderation import service as moderation

bp = mastodon_blueprint("mastodon_accounts", __name__)

#: bio and display name limits (the native profile's: api.schemas.ProfilePatch)
MAX_NOTE = 500
MAX_DISPLAY_NAME = 80
#: ids accepted by relationships and familiar_followers in one call
MAX_IDS = 40
MULTIPART_SLACK = 64 * 1024


def _accounts_page(page, viewer: str | None):
    """A people page of ours (items with ``uid``) -> ``[Account]`` with ``Link``."""
    found = entities.accounts_by_id([i["uid"] for i in page.items], viewer)
    items = [found[i["uid"]] for i in page.items if i["uid"] in found]
    return paged(items, opaque(page.next_cursor))


def _cursor() -> tuple[str | None, int]:
    args = page_args(40, 80)
    return unopaque(args["max_id"]), args["limit"]


# -- the caller -----------------------------------------------------------------
@bp.get("/api/v1/accounts/verify_credentials")
@require_scope("read:accounts", "profile")
def verify_credentials():
    """The caller's ``CredentialAccount`` (``Account`` + ``source`` + ``role``)."""
    return jsonify(entities.credential_account(current_account_id()))


def _text(name: str, limit: int) -> str | None:
    value = param(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ValidationFailed(f"{name} must be a text of at most {limit} characters",
                               errors=[{"field": name, "message": f"a text of at most {limit} characters"}])
    return value


@bp.route("/api/v1/accounts/update_credentials", methods=["PATCH", "PUT"])
@require_scope("write:accounts")
def update_credentials():
    """Change the caller's profile: ``display_name``, ``note`` (plain text,
    500 characters), ``avatar`` and ``header`` (multipart image files,
    through our avatar service: EXIF stripped, square/3:1 variants),
    ``locked`` (follow requests). Form, multipart or JSON. Everything is
    checked before anything is written; a picture that cannot be read is
    422/415/413 and changes nothing. -> ``CredentialAccount``."""
    uid = current_account_id()
    request.max_content_length = 2 * current_app.config["MEDIA_MAX_IMAGE_BYTES"] + MULTIPART_SLACK
    display_name = _text("display_name", MAX_DISPLAY_NAME)
    note = _text("note", MAX_NOTE)
    try:
        display_name = clean_display_name(display_name) if display_name is not None else None
    except ValueError as exc:
        raise ValidationFailed(f"display_name {exc}", errors=[{"field": "display_name", "message": str(exc)}])
    locked = param_bool("locked")
    pictures = {kind: request.files.get(field) for kind, field in (("avatar", "avatar"), ("cover", "header"))}
    rendered = {kind: avatars.render_variants(kind, f.read(), field=kind) for kind, f in pictures.items() if f}
    del rendered  # decoded once to refuse a bad picture before any write; set_picture stores it
    for kind, f in pictures.items():
        if f:
            f.stream.seek(0)
            avatars.set_picture(uid, kind, f.stream)
    if display_name is not None or note is not None:
        account_service.update_me(uid, display_name=display_name, bio=note)
    if locked is not None:
        privacy.update_settings(uid, {"locked": locked})
    return jsonify(entities.credential_account(uid))


@bp.delete("/api/v1/profile/avatar")
@require_scope("write:accounts")
def delete_avatar():
    """Back to the generated avatar -> ``CredentialAccount``."""
    uid = current_account_id()
    avatars.delete_picture(uid, "avatar")
    return jsonify(entities.credential_account(uid))


@bp.delete("/api/v1/profile/header")
@require_scope("write:accounts")
def delete_header():
    """No cover photo any more -> ``CredentialAccount``."""
    uid = current_account_id()
    avatars.delete_picture(uid, "cover")
    return jsonify(entities.credential_account(uid))


@bp.get("/api/v1/preferences")
@require_scope("read:accounts")
def preferences():
    """Posting and reading defaults (ours: public posts, media shown, content warnings folded)."""
    return jsonify({"posting:default:visibility": "public", "posting:default:sensitive": False,
                    "posting:default:language": None, "reading:expand:media": "default",
                    "reading:expand:spoilers": False})


# -- accounts -------------------------------------------------------------------
@bp.get("/api/v1/accounts/search")
@require_scope("read:accounts")
def search_accounts():
    """``q`` (a name prefix; ``@`` ignored) -> ``[Account]`` from our user search (prefix index,
    blocks either way left out); ``limit`` up to 40, ``offset`` for paging."""
    uid = current_account_id()
    limit = param_int("limit", 40, 1, 40)
    offset = param_int("offset", 0, 0, 400)
    page = search.search_users(param_str("q", "", 400), uid, None, offset + limit)
    wanted = [i["uid"] for i in page.items][offset:offset + limit]
    shown = entities.accounts_by_id(wanted, uid)
    return jsonify([shown[u] for u in wanted if u in shown])


@bp.get("/api/v1/accounts/lookup")
@require_scope(optional=True)
def lookup():
    """``acct`` (``username`` or ``username@this-host``) -> ``Account``; 404 unknown or blocked."""
    acct = param_str("acct", "", 400).strip().lstrip("@")
    if not acct:
        raise ValidationFailed("acct is required", errors=[{"field": "acct", "message": "required"}])
    username = acct.split("@", 1)[0]
    return jsonify(entities.account_by_username(username, current_account_id()))


@bp.get("/api/v1/accounts/relationships")
@require_scope("read:follows", "follow")
def relationships():
    """``id[]`` (up to 40 account ids) -> ``[Relationship]`` in that order; unknown ids are left out."""
    viewer = current_account_id()
    out = []
    for uid in param_list("id")[:MAX_IDS]:
        try:
            out.append(entities.relationship(viewer, str(uid)))
        except NotFound:
            continue
    return jsonify(out)


@bp.get("/api/v1/accounts/familiar_followers")
@require_scope("read:follows")
def familiar_followers():
    """``id[]`` -> ``[{id, accounts: [Account]}]``: for each account, those the caller follows that follow it."""
    viewer = current_account_id()
    out = []
    for uid in param_list("id")[:MAX_IDS]:
        uid = str(uid)
        entities.username_of(uid)
        found = follows.familiar_followers(viewer, uid, limit=40)
        shown = entities.accounts_by_id(found, viewer)
        out.append({"id": uid, "accounts": [shown[u] for u in found if u in shown]})
    return jsonify(out)


@bp.get("/api/v1/accounts/<account_id>")
@require_scope(optional=True)
def get_account(account_id):
    """One ``Account`` (public; a token makes privacy settings apply as to that account). 404 unknown or blocked."""
    return jsonify(entities.account_by_id(account_id, current_account_id()))


@bp.get("/api/v1/accounts/<account_id>/followers")
@require_scope(optional=True)
def followers(account_id):
    """Who follows the account, newest first (``Link`` paging, ``limit`` up to 80).
    403 when its owner hides the list from the caller."""
    viewer = current_account_id()
    cursor, limit = _cursor()
    page = follows.list_followers(entities.username_of(account_id), cursor, limit, viewer=viewer)
    return _accounts_page(page, viewer)


@bp.get("/api/v1/accounts/<account_id>/following")
@require_scope(optional=True)
def following(account_id):
    """Whom the account follows (as :func:`followers`)."""
    viewer = current_account_id()
    cursor, limit = _cursor()
    page = follows.list_following(entities.username_of(account_id), cursor, limit, viewer=viewer)
    return _accounts_page(page, viewer)


@bp.get("/api/v1/accounts/<account_id>/lists")
@require_scope("read:lists")
def account_lists(account_id):
    """The caller's lists that include the account: ``[List]``."""
    uid = current_account_id()
    entities.username_of(account_id)
    return jsonify([_list_entity(x) for x in lists.lists_with_member(uid, account_id)])


def _relationship_after(change, account_id: str):
    uid = current_account_id()
    change(uid, entities.username_of(account_id))
    return jsonify(entities.relationship(uid, account_id))


@bp.post("/api/v1/accounts/<account_id>/follow")
@require_scope("write:follows", "follow")
def follow(account_id):
    """Follow (or ask to follow a locked account: ``requested: true``) -> ``Relationship``."""
    return _relationship_after(follows.follow, account_id)


@bp.post("/api/v1/accounts/<account_id>/unfollow")
@require_scope("write:follows", "follow")
def unfollow(account_id):
    """Stop following (or withdraw the request) -> ``Relationship``. A friendship
    stays (its follows are ours to keep: end it in the native API)."""
    return _relationship_after(follows.unfollow, account_id)


@bp.post("/api/v1/accounts/<account_id>/block")
@require_scope("write:blocks", "follow")
def block(account_id):
    """Block (follows, friendship and requests both ways end) -> ``Relationship``."""
    return _relationship_after(blocks.block, account_id)


@bp.post("/api/v1/accounts/<account_id>/unblock")
@require_scope("write:blocks", "follow")
def unblock(account_id):
    """Lift a block -> ``Relationship``."""
    return _relationship_after(blocks.unblock, account_id)


@bp.post("/api/v1/accounts/<account_id>/mute")
@require_scope("write:mutes", "follow")
def mute(account_id):
    """Mute (their posts leave the caller's feeds and notifications) -> ``Relationship``."""
    return _relationship_after(blocks.mute, account_id)


@bp.post("/api/v1/accounts/<account_id>/unmute")
@require_scope("write:mutes", "follow")
def unmute(account_id):
    """Lift a mute -> ``Relationship``."""
    return _relationship_after(blocks.unmute, account_id)


@bp.get("/api/v1/blocks")
@require_scope("read:blocks", "follow")
def blocked_accounts():
    """Accounts the caller blocks, newest first (``Link`` paging)."""
    cursor, limit = _cursor()
    uid = current_account_id()
    page = blocks.list_blocked(uid, cursor, limit)
    shown = {i["uid"]: i for i in page.items}
    found = entities.accounts_by_id(list(shown), None)  # the blocked see nothing of the blocker; the blocker sees them
    return paged([found[u] for u in shown if u in found], opaque(page.next_cursor))


@bp.get("/api/v1/mutes")
@require_scope("read:mutes", "follow")
def muted_accounts():
    """Accounts the caller mutes, newest first (``Link`` paging)."""
    cursor, limit = _cursor()
    uid = current_account_id()
    return _accounts_page(blocks.list_muted(uid, cursor, limit), uid)


# -- follow requests --------------------------------------------------------------
@bp.get("/api/v1/follow_requests")
@require_scope("read:follows", "follow")
def follow_requests():
    """Pending requests to follow the (locked) caller, newest first: ``[Account]`` with ``Link``."""
    cursor, limit = _cursor()
    uid = current_account_id()
    return _accounts_page(friends.follow_requests(uid, cursor, limit), uid)


def _pending_request(change):
    """Mastodon answers 404 where no request is pending (our service: 409)."""

    def run(owner, username):
        try:
            return change(owner, username)
        except Conflict as exc:
            if "no pending" in exc.detail:
                raise NotFound("Record not found")
            raise

    return run


@bp.post("/api/v1/follow_requests/<account_id>/authorize")
@require_scope("write:follows", "follow")
def authorize_follow_request(account_id):
    """Approve a follow request -> ``Relationship`` (``followed_by: true``). 404 if there is none."""
    return _relationship_after(_pending_request(friends.approve_follow_request), account_id)


@bp.post("/api/v1/follow_requests/<account_id>/reject")
@require_scope("write:follows", "follow")
def reject_follow_request(account_id):
    """Reject a follow request -> ``Relationship``. 404 if there is none."""
    return _relationship_after(_pending_request(friends.reject_follow_request), account_id)


# -- lists --------------------------------------------------------------------------
def _list_entity(row: dict) -> dict:
    return {"id": row["id"], "title": row["name"], "replies_policy": "list", "exclusive": False}


@bp.get("/api/v1/lists")
@require_scope("read:lists")
def get_lists():
    """The caller's lists: ``[List]``."""
    return jsonify([_list_entity(x) for x in lists.user_lists(current_account_id())])


@bp.post("/api/v1/lists")
@require_scope("write:lists")
def create_list():
    """``title`` (1..80 characters) -> ``List``."""
    return jsonify(_list_entity(lists.create_list(current_account_id(), param_str("title", ""))))


@bp.get("/api/v1/lists/<list_id>")
@require_scope("read:lists")
def get_list(list_id):
    """One of the caller's lists (404 if not theirs)."""
    return jsonify(_list_entity(lists.get_list(current_account_id(), list_id)))


@bp.put("/api/v1/lists/<list_id>")
@require_scope("write:lists")
def update_list(list_id):
    """Rename (``title``) -> ``List``."""
    return jsonify(_list_entity(lists.rename_list(current_account_id(), list_id, param_str("title", ""))))


@bp.delete("/api/v1/lists/<list_id>")
@require_scope("write:lists")
def delete_list(list_id):
    """Delete one of the caller's lists -> ``{}``."""
    lists.delete_list(current_account_id(), list_id)
    return jsonify({})


@bp.get("/api/v1/lists/<list_id>/accounts")
@require_scope("read:lists")
def list_accounts(list_id):
    """Members (``Link`` paging; ``limit=0`` is all, up to 80 a page as here)."""
    cursor, limit = _cursor()
    uid = current_account_id()
    return _accounts_page(lists.members(uid, list_id, cursor, limit), uid)


def _member_usernames() -> list[str]:
    ids = [str(i) for i in param_list("account_ids")][:MAX_IDS]
    if not ids:
        raise ValidationFailed("account_ids is required", errors=[{"field": "account_ids", "message": "required"}])
    return [entities.username_of(i) for i in ids]


@bp.post("/api/v1/lists/<list_id>/accounts")
@require_scope("write:lists")
def add_list_accounts(list_id):
    """``account_ids[]`` join the list (404 for an unknown or blocked account) -> ``{}``."""
    uid = current_account_id()
    lists.get_list(uid, list_id)
    for username in _member_usernames():
        lists.add_member(uid, list_id, username)
    return jsonify({})


@bp.delete("/api/v1/lists/<list_id>/accounts")
@require_scope("write:lists")
def remove_list_accounts(list_id):
    """``account_ids[]`` leave the list -> ``{}``."""
    uid = current_account_id()
    lists.get_list(uid, list_id)
    for username in _member_usernames():
        lists.remove_member(uid, list_id, username)
    return jsonify({})


# -- markers -------------------------------------------------------------------------
def _markers_out(found: dict) -> dict:
    return {t: {**m, "updated_at": iso(m["updated_at"])} for t, m in found.items()}


@bp.get("/api/v1/markers")
@require_scope("read:statuses")
def get_markers():
    """``timeline[]`` (``home``, ``notifications``) -> ``{timeline: Marker}``."""
    return jsonify(_markers_out(markers.get(current_account_id(), [str(t) for t in param_list("timeline")])))


@bp.post("/api/v1/markers")
@require_scope("write:statuses")
def set_markers():
    """``home[last_read_id]`` and/or ``notifications[last_read_id]`` (form or JSON) -> ``{timeline: Marker}``."""
    positions = {}
    body = request.get_json(silent=True) if request.mimetype == "application/json" else None
    for timeline in markers.TIMELINES:
        value = request.values.get(f"{timeline}[last_read_id]")
        if value is None and isinstance(body, dict) and isinstance(body.get(timeline), dict):
            value = body[timeline].get("last_read_id")
        if value is not None:
            positions[timeline] = str(value)
    return jsonify(_markers_out(markers.save(current_account_id(), positions)))


# -- suggestions --------------------------------------------------------------------------
@bp.get("/api/v2/suggestions")
@require_scope("read")
def suggestions_v2():
    """Our friend suggestions (friends of friends, ranked; see the README):
    ``[{source: "friends_of_friends", sources: [...], account: Account}]``, best first, ``limit`` up to 80."""
    uid = current_account_id()
    page = suggestions.suggest(uid, None, param_int("limit", 40, 1, 80))
    shown = entities.accounts_by_id([i["uid"] for i in page.items], uid)
    return jsonify([{"source": "past_interactions", "sources": ["friends_of_friends"],
                     "account": shown[i["uid"]],
                     "socialgraph": {"reason": i.get("reason"), "mutual_friends": i.get("mutual_friends")}}
                    for i in page.items if i["uid"] in shown])


@bp.get("/api/v1/suggestions")
@require_scope("read")
def suggestions_v1():
    """The same suggestions as plain ``[Account]`` (Mastodon's v1)."""
    uid = current_account_id()
    page = suggestions.suggest(uid, None, param_int("limit", 40, 1, 80))
    shown = entities.accounts_by_id([i["uid"] for i in page.items], uid)
    return jsonify([shown[i["uid"]] for i in page.items if i["uid"] in shown])


@bp.delete("/api/v1/suggestions/<account_id>")
@require_scope("read")
def dismiss_suggestion(account_id):
    """Never suggest this account again -> ``{}`` (404 unknown or blocked)."""
    suggestions.dismiss(current_account_id(), entities.username_of(account_id))
    return jsonify({})


# -- reports ----------------------------------------------------------------------------------
#: Mastodon report category -> our reason
CATEGORIES = {"spam": "spam", "legal": "illegal", "violation": "other", "other": "other"}


@bp.post("/api/v1/reports")
@require_scope("write:reports")
def report():
    """``account_id``, ``status_ids[]``, ``comment``, ``category`` (spam, legal,
    violation, other) -> ``Report``. One report on the account (our moderation
    queue); the statuses named are written into its details. 404 "Record not
    found" for an unknown account and for one that blocked the caller; 409 if
    the caller's report on it is still open."""
    uid = current_account_id()
    account_id = param_str("account_id", "", 100)
    category = param_str("category", "other", 40)
    if category not in CATEGORIES:
        raise ValidationFailed("unknown category", errors=[{"field": "category",
                                                           "message": "one of " + ", ".join(CATEGORIES)}])
    status_ids = [str(s) for s in param_list("status_ids")][:20]
    comment = param_str("comment", "", 1000)
    details = comment + (f"\n(statuses: {', '.join(status_ids)})" if status_ids else "")
    target = entities.username_of(account_id)
    try:
        filed = moderation.report(uid, "user", target, CATEGORIES[category], details.strip() or None)
    except NotFound:  # an account that blocked the caller: the answer of an unknown one (the block is not disclosed)
        raise NotFound("Record not found") from None
    return jsonify({"id": str(filed["id"]), "action_taken": False, "action_taken_at": None,
                    "category": category, "comment": comment, "forwarded": False,
                    "created_at": iso(filed["created_at"]), "status_ids": status_ids or None, "rule_ids": None,
                    "target_account": entities.account_by_id(account_id, uid)})


# -- Web Push ------------------------------------------------------------------------------------
#: Mastodon alert -> our notification types (``docs/mastodon.md``)
ALERTS = {"mention": ("mention", "comment", "reply"), "follow": ("follow", "friend_accepted"),
          "follow_request": ("follow_request", "friend_request"), "favourite": ("reaction",),
          "reblog": ("share",), "status": (), "update": (), "poll": (),
          "admin.sign_up": (), "admin.report": ()}
#: our notification type -> Mastodon's ``notification_type`` in a push message
PUSH_TYPES = {"mention": "mention", "comment": "mention", "reply": "mention", "follow": "follow",
              "friend_accepted": "follow", "follow_request": "follow_request", "friend_request": "follow_request",
              "reaction": "favourite", "share": "reblog"}


def mastodon_push_payload(payload: dict, ntype: str) -> dict:
    """Our push message -> Mastodon's (``notification_id``, ``notification_type``,
    ``title``, ``body``, ``icon``, ``preferred_locale``; no ``access_token``:
    only digests of tokens are kept)."""
    return {"notification_id": str(payload.get("notification_id") or ""),
            "notification_type": PUSH_TYPES.get(ntype, ntype), "title": payload.get("title") or "socialgraph",
            "body": payload.get("body") or "", "icon": payload.get("icon"), "preferred_locale": "en",
            "access_token": ""}


push.PAYLOAD_FORMATS["mastodon"] = mastodon_push_payload


def _b64url(value: str) -> str:
    """Mastodon clients send the keys in base64 or base64url; our push service keeps base64url."""
    return value.strip().replace("+", "-").replace("/", "_").rstrip("=")


def _sid() -> str:
    return current_token()["sid"]


def _alert_changes() -> dict[str, bool]:
    changes: dict[str, bool] = {}
    body = request.get_json(silent=True) if request.mimetype == "application/json" else None
    json_alerts = ((body or {}).get("data") or {}).get("alerts") or {} if isinstance(body, dict) else {}
    for alert, ours in ALERTS.items():
        raw = request.values.get(f"data[alerts][{alert}]", json_alerts.get(alert))
        if raw is None:
            continue
        on = raw if isinstance(raw, bool) else str(raw).strip().lower() in ("true", "1", "on")
        for t in ours:
            if t in push.ALERT_TYPES:
                changes[t] = on
    return changes


def _subscription_entity(sub: dict) -> dict:
    alerts = sub["alerts"]
    encoding = sub.get("encoding", "aes128gcm")
    return {"id": sub["id"], "endpoint": sub["endpoint"], "server_key": sub["server_key"],
            "alerts": {a: bool(ours) and all(alerts.get(t, False) for t in ours) for a, ours in ALERTS.items()},
            "policy": "all", "standard": encoding == "aes128gcm"}


@bp.post("/api/v1/push/subscription")
@require_scope("push")
def push_subscribe():
    """``subscription[endpoint]``, ``subscription[keys][p256dh]``, ``subscription[keys][auth]``,
    ``data[alerts][<type>]``, ``subscription[standard]`` (true: RFC 8291 ``aes128gcm``;
    else the ``aesgcm`` draft older Mastodon clients decrypt) -> ``WebPushSubscription``.
    One per token (our push service keys it by session); unnamed alerts are off, as in Mastodon."""
    sid = _sid()
    body = request.get_json(silent=True) if request.mimetype == "application/json" else None
    sub_json = (body or {}).get("subscription") if isinstance(body, dict) else None
    sub_json = sub_json if isinstance(sub_json, dict) else {}
    endpoint = request.values.get("subscription[endpoint]") or sub_json.get("endpoint") or ""
    keys = {"p256dh": request.values.get("subscription[keys][p256dh]") or (sub_json.get("keys") or {}).get("p256dh"),
            "auth": request.values.get("subscription[keys][auth]") or (sub_json.get("keys") or {}).get("auth")}
    standard = request.values.get("subscription[standard]", sub_json.get("standard"))
    standard = standard if isinstance(standard, bool) else str(standard).lower() in ("true", "1")
    encoding = "aes128gcm" if standard else "aesgcm"
    keys = {k: _b64url(v) for k, v in keys.items() if isinstance(v, str) and v}
    sub = push.subscribe(current_account_id(), sid, str(endpoint), keys,
                         _alert_changes(), fmt="mastodon", encoding=encoding, default_alert=False)
    return jsonify(_subscription_entity(sub))


@bp.get("/api/v1/push/subscription")
@require_scope("push")
def push_get():
    """This token's ``WebPushSubscription`` (404 if none)."""
    sid = _sid()
    return jsonify(_subscription_entity(push.get_subscription(current_account_id(), sid)))


@bp.put("/api/v1/push/subscription")
@require_scope("push")
def push_update():
    """Change ``data[alerts][<type>]`` -> ``WebPushSubscription`` (404 if none)."""
    sid = _sid()
    return jsonify(_subscription_entity(push.update_alerts(current_account_id(), sid, _alert_changes())))


@bp.delete("/api/v1/push/subscription")
@require_scope("push")
def push_unsubscribe():
    """Remove this token's subscription -> ``{}``."""
    push.unsubscribe(current_account_id(), _sid())
    return jsonify({})

