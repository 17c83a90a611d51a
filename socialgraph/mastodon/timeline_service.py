"""Mastodon's timelines, notifications, search, trends and conversations on
our services, with Mastodon's id paging (``max_id`` / ``since_id`` /
``min_id``, newest first) translated into our keyset cursors.

Paging: ``max_id`` (older than) becomes the service's own cursor below that
item (:func:`socialgraph.content.posts.cursor_at`,
:func:`socialgraph.messaging.notifications.cursor_below`); ``since_id`` (the
newest items newer than) and ``min_id`` (the items immediately newer, so
paging upwards leaves no gap) walk the service's pages from the top until
they pass the boundary, at most :data:`NEWER_MAX_PAGES` pages of 100. Every
page returns ``(items, next_max_id, prev_min_id)`` for the Link header.
"""
from __future__ import annotations

from typing import Callable

from bson import ObjectId

from socialgraph.content import media, posts, search
from socialgraph.core.errors import MalformedRequest, NotFound, ValidationFailed
from socialgraph.core.pagination import Page, datetime_to_ms
from socialgraph.feeds import home, trends
from socialgraph.mastodon import status_entities as ent
from socialgraph.mastodon import status_service
from socialgraph.mastodon.entities import accounts_by_id
from socialgraph.messaging import messages, notifications

#: pages of 100 that ``since_id`` / ``min_id`` walk at most
NEWER_MAX_PAGES = 10
#: Mastodon's default and largest page of statuses and notifications
DEFAULT_LIMIT, MAX_LIMIT = 20, 40


def limit_of(raw) -> int:
    """Mastodon's ``limit`` (default 20, at most 40; 80 for accounts lists is
    the caller's business). Raises :class:`MalformedRequest` for a non-number."""
    if raw in (None, ""):
        return DEFAULT_LIMIT
    try:
        n = int(raw)
    except (TypeError, ValueError):
        raise ValidationFailed("limit must be a number", errors=[{"field": "limit", "message": "not a number"}])
    return max(1, min(n, MAX_LIMIT))


def _check_id(value: str | None, field: str) -> str | None:
    if value in (None, ""):
        return None
    if not ObjectId.is_valid(str(value)):
        raise ValidationFailed(f"{field} is not an id", errors=[{"field": field, "message": "not an id"}])
    return str(value)


def _position(item: dict) -> tuple[int, str]:
    return (datetime_to_ms(item["created_at"]), item["id"])


def _boundary(item_id: str) -> tuple[int, str]:
    """Where a post id sits in a newest-first (created_at, id) order: the post's
    own time when it still exists, else its ObjectId time."""
    cursor_key = posts.cursor_key(item_id)
    return cursor_key["at"], cursor_key["id"]


def post_window(fetch: Callable[[str | None, int], Page], args: dict) -> tuple[list[dict], str | None]:
    """One page of a newest-first post list in Mastodon's terms.

    ``fetch(cursor, limit) -> Page`` of posts (``present_posts`` shape);
    ``args``: the request's ``max_id``, ``since_id``, ``min_id``, ``limit``.
    Returns ``(posts, next_cursor)``; ``next_cursor`` is set when older posts
    follow (only for a ``max_id``/plain page)."""
    limit = limit_of(args.get("limit"))
    max_id = _check_id(args.get("max_id"), "max_id")
    since_id = _check_id(args.get("since_id"), "since_id")
    min_id = _check_id(args.get("min_id"), "min_id")
    newer = min_id or since_id
    if newer:
        bound = _boundary(newer)
        top = _boundary(max_id) if max_id else None
        found: list[dict] = []
        cursor = posts.cursor_at(max_id) if max_id else None
        for _ in range(NEWER_MAX_PAGES):
            page = fetch(cursor, 100)
            done = False
            for item in page.items:
                pos = _position(item)
                if top is not None and pos >= top:
                    continue
                if pos <= bound:
                    done = True
                    break
                found.append(item)
            if done or not page.next_cursor:
                break
            cursor = page.next_cursor
        return (found[-limit:] if min_id else found[:limit]), None
    page = fetch(posts.cursor_at(max_id) if max_id else None, limit)
    return page.items, page.next_cursor


def statuses_page(fetch: Callable[[str | None, int], Page], args: dict, viewer: str | None) -> list[dict]:
    """Statuses of one :func:`post_window` page (newest first)."""
    items, _next = post_window(fetch, args)
    return ent.statuses(items, viewer)


# -- timelines ------------------------------------------------------------------------
def home_timeline(uid: str, args: dict) -> tuple[list[dict], bool]:
    """``GET /api/v1/timelines/home``: our home feed (fan-out, hybrid, groups);
    ``(statuses, rebuilding)``: ``rebuilding`` while a returning user's feed
    is being rebuilt (Mastodon answers 206 then; the page, read from MongoDB
    meanwhile, is complete)."""
    state = {"rebuilding": False}

    def fetch(cursor, n):
        page = home.home_feed(uid, cursor, n)
        state["rebuilding"] = state["rebuilding"] or bool(getattr(page, "rebuilding", False))
        return page

    return statuses_page(fetch, args, uid), state["rebuilding"]


def public_timeline(viewer: str | None, args: dict) -> list[dict]:
    """``GET /api/v1/timelines/public``: every public post, newest first (all
    accounts are local here: ``local``/``remote`` change nothing but
    ``remote=true``, which is empty)."""
    if str(args.get("remote", "")).lower() in ("1", "true"):
        return []
    return statuses_page(lambda c, n: home.discovery_feed(c, n, viewer, sort="new"), args, viewer)


def tag_timeline(tag: str, viewer: str | None, args: dict) -> list[dict]:
    """``GET /api/v1/timelines/tag/:hashtag``: visible posts with the tag."""
    return statuses_page(lambda c, n: search.hashtag_posts(tag, viewer, c, n), args, viewer)


def list_timeline(uid: str, list_id: str, args: dict) -> list[dict]:
    """``GET /api/v1/timelines/list/:id``: the list members' posts."""
    return statuses_page(lambda c, n: home.list_feed(uid, list_id, c, n), args, uid)


def account_statuses(account_id: str, viewer: str | None, args: dict) -> list[dict]:
    """``GET /api/v1/accounts/:id/statuses``: the account's posts (not group
    posts) the viewer may see; ``only_media``, ``exclude_reblogs`` filter the
    page; ``pinned=true`` is empty (no pinned posts here); replies are
    comments, which this list never holds."""
    if str(args.get("pinned", "")).lower() in ("1", "true"):
        return []
    items, _ = post_window(lambda c, n: posts.uid_posts(account_id, c, n, viewer), args)
    if str(args.get("only_media", "")).lower() in ("1", "true"):
        items = [p for p in items if p.get("media")]
    if str(args.get("exclude_reblogs", "")).lower() in ("1", "true"):
        items = [p for p in items if p.get("kind") != "repost"]
    return ent.statuses(items, viewer)


# -- notifications ----------------------------------------------------------------------
def _our_types(args: dict) -> list[str]:
    """Our notification types for Mastodon's ``types[]`` / ``exclude_types[]``."""
    wanted = args.get("types") or list(ent.OUR_TYPES_OF)
    excluded = set(args.get("exclude_types") or ())
    out: list[str] = []
    for t in wanted:
        if t not in excluded:
            out += [o for o in ent.OUR_TYPES_OF.get(t, []) if o not in out]
    return out


def _notification_window(uid: str, args: dict) -> list[dict]:
    limit = limit_of(args.get("limit"))
    types = _our_types(args)
    max_id = _check_id(args.get("max_id"), "max_id")
    newer = _check_id(args.get("min_id"), "min_id") or _check_id(args.get("since_id"), "since_id")
    if newer:
        return notifications.newer_than(uid, newer, limit, adjacent=bool(args.get("min_id")), types=types)
    cursor = notifications.cursor_below(uid, max_id) if max_id else None
    return notifications.list_notifications(uid, cursor, limit, types=types).items


def _statuses_for(items: list[dict], uid: str) -> dict[str, dict | None]:
    """status id -> Status (``None``: gone or hidden) of what notifications are
    about; posts are shaped in one batch (one account lookup per author)."""
    out: dict[str, dict | None] = {}
    found_posts = []
    for ref in dict.fromkeys(r for r in map(ent.status_ref, items) if r):
        kind, sid = ref
        try:
            if kind == "post":
                found_posts.append(posts.get_post(sid, uid))
                out[sid] = None  # filled below
            else:
                out[sid] = status_service.get_status(sid, uid)
        except NotFound:
            out[sid] = None
    for status in ent.statuses(found_posts, uid):
        out[status["id"]] = status
    return out


def _status_of(n: dict, statuses: dict) -> dict | None:
    ref = ent.status_ref(n)
    return statuses.get(ref[1]) if ref else None


def notification_list(uid: str, args: dict) -> list[dict]:
    """``GET /api/v1/notifications``: one Notification per (grouped) notification
    of ours, the newest actor as ``account``; types without a Mastodon name
    and notifications about statuses no longer visible are left out."""
    items = _notification_window(uid, args)
    accounts = accounts_by_id([n["actors"][0]["uid"] for n in items if n.get("actors")], uid)
    statuses = _statuses_for(items, uid)
    out = []
    for n in items:
        shown = ent.notification_entity(n, _status_of(n, statuses), accounts)
        if shown is not None:
            out.append(shown)
    return out


def notification_one(uid: str, notification_id: str) -> dict:
    """``GET /api/v1/notifications/:id``. Raises :class:`NotFound`."""
    n = notifications.get_notification(uid, notification_id)
    accounts = accounts_by_id([a["uid"] for a in n["actors"][:1]], uid)
    shown = ent.notification_entity(n, _status_of(n, _statuses_for([n], uid)), accounts)
    if shown is None:
        raise NotFound("notification not found")
    return shown


def notification_accounts(uid: str, notification_id: str) -> list[dict]:
    """``GET /api/v2/notifications/:group_key/accounts``: the group's actors
    shown (newest first, blocked and muted ones left out). Raises :class:`NotFound`."""
    n = notifications.get_notification(uid, notification_id)
    uids = [a["uid"] for a in n["actors"]]
    accounts = accounts_by_id(uids, uid)
    return [accounts[u] for u in uids if u in accounts]


def grouped_notifications(uid: str, args: dict) -> dict:
    """``GET /api/v2/notifications``: ``{accounts, statuses,
    notification_groups}``; our notifications are grouped already (same
    type and object), so each becomes one NotificationGroup."""
    return _groups(uid, _notification_window(uid, args))


def grouped_one(uid: str, notification_id: str) -> dict:
    """``GET /api/v2/notifications/:group_key``: the same shape for one group.
    Raises :class:`NotFound`."""
    out = _groups(uid, [notifications.get_notification(uid, notification_id)])
    if not out["notification_groups"]:
        raise NotFound("notification not found")
    return out


def _groups(uid: str, items: list[dict]) -> dict:
    statuses = _statuses_for(items, uid)
    groups, account_ids, status_list = [], [], {}
    for n in items:
        if ent.mastodon_notification_type(n) is None or not n.get("actors"):
            continue
        status = _status_of(n, statuses)
        if status is None and ent.mastodon_notification_type(n) not in ("follow", "follow_request"):
            continue
        groups.append(ent.notification_group(n, status["id"] if status else None))
        account_ids += [a["uid"] for a in n["actors"]]
        if status:
            status_list[status["id"]] = status
    accounts = accounts_by_id(list(dict.fromkeys(account_ids)), uid)
    for g in groups:
        g["sample_account_ids"] = [a for a in g["sample_account_ids"] if a in accounts]
    return {"accounts": list(accounts.values()), "statuses": list(status_list.values()),
            "notification_groups": groups}


# -- media ------------------------------------------------------------------------------
def upload_media(uid: str, stream, description: str | None) -> dict:
    """``POST /api/v2/media``: our upload (processing queued), alt text set."""
    return ent.media_attachment(media.upload(uid, stream, description=description))


def get_media(uid: str, media_id: str) -> dict:
    """``GET /api/v1/media/:id`` (the owner's)."""
    item = media.get_media(media_id, uid)
    if item is None:
        raise NotFound("media not found")
    return ent.media_attachment(item)


def describe_media(uid: str, media_id: str, description: str | None) -> dict:
    """``PUT /api/v1/media/:id``: alt text (``focus`` is not kept)."""
    return ent.media_attachment(media.set_description(media_id, uid, description))


# -- search and trends ------------------------------------------------------------------
def search_v2(viewer: str | None, args: dict) -> dict:
    """``GET /api/v2/search``: ``{accounts, statuses, hashtags}`` from our
    search service (privacy and blocks are its rules); ``type`` restricts,
    ``offset`` beyond the first page is empty (our search pages by cursor),
    ``resolve`` is ignored (no remote accounts)."""
    q = (args.get("q") or "").strip()
    if not q:
        raise MalformedRequest("q is required", errors=[{"field": "q", "message": "must not be empty"}])
    kind = args.get("type") or None
    if kind not in (None, "accounts", "statuses", "hashtags"):
        raise MalformedRequest("unknown type", errors=[{"field": "type", "message": "accounts, statuses or hashtags"}])
    limit = limit_of(args.get("limit"))
    try:
        offset = int(args.get("offset") or 0)
    except (TypeError, ValueError):
        raise MalformedRequest("offset must be a number", errors=[{"field": "offset", "message": "not a number"}])
    out: dict = {"accounts": [], "statuses": [], "hashtags": []}
    if offset > 0:
        return out
    if kind in (None, "accounts") and q.lstrip("@"):
        people = search.search_users(q, viewer, None, limit).items
        accounts = accounts_by_id([p["uid"] for p in people], viewer)
        out["accounts"] = [accounts[p["uid"]] for p in people if p["uid"] in accounts]
    words = [w for w in q.replace("#", " ").split() if len(w) >= 2]
    if kind in (None, "statuses") and words:
        try:
            found = search.search_posts(q, viewer, None, limit).items
        except ValidationFailed:  # no usable word: no statuses, not an error
            found = []
        out["statuses"] = ent.statuses(found, viewer)
    if kind in (None, "hashtags"):
        tag = q.lstrip("#").strip()
        if tag and " " not in tag:
            count = search.hashtag_count(tag)
            if count["posts_count"]:
                out["hashtags"] = [ent.tag_entity(count["tag"], uses=count["posts_count"])]
    return out


def trending_tags(args: dict) -> list[dict]:
    """``GET /api/v1/trends/tags``: our trends job's tags (Mastodon's scoring)."""
    limit = max(1, min(int(args.get("limit") or 10), 20))
    rows = trends.trending_tags()["items"][:limit]
    return [ent.tag_entity(r["tag"], uses=r.get("accounts"), accounts=r.get("accounts")) for r in rows]


def trending_statuses(viewer: str | None, args: dict) -> list[dict]:
    """``GET /api/v1/trends/statuses``: our trends job's posts still visible."""
    limit = max(1, min(int(args.get("limit") or 20), 40))
    return ent.statuses(trends.trending_posts(viewer)["items"][:limit], viewer)


# -- conversations ----------------------------------------------------------------------
def conversation_list(uid: str, args: dict) -> list[dict]:
    """``GET /api/v1/conversations``: our direct-message conversations, most
    recently active first (``max_id`` pages below a conversation)."""
    limit = limit_of(args.get("limit"))
    max_id = _check_id(args.get("max_id"), "max_id")
    cursor = messages.cursor_below(uid, max_id) if max_id else None
    page = messages.list_conversations(uid, cursor, limit)
    out = []
    for conv in page.items:
        last = messages.history(uid, conv["id"], None, 1).items
        out.append(ent.conversation_entity(conv, last[0] if last else None, uid))
    return out


def conversation_read(uid: str, conversation_id: str) -> dict:
    """``POST /api/v1/conversations/:id/read``: marks its last message read."""
    conv = messages.get_conversation(uid, conversation_id)
    last = messages.history(uid, conversation_id, None, 1).items
    if last:
        messages.mark_read(uid, conversation_id, last[0]["id"])
        conv = messages.get_conversation(uid, conversation_id)
    return ent.conversation_entity(conv, last[0] if last else None, uid)


def conversation_remove(uid: str, conversation_id: str) -> None:
    """``DELETE /api/v1/conversations/:id``: Mastodon hides it for the caller;
    ours stays (leaving a conversation is our native API's business), so this
    only checks that it is the caller's. Raises :class:`NotFound`."""
    messages.get_conversation(uid, conversation_id)
