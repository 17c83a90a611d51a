"""Mastodon entities of our content: Status, MediaAttachment, Tag, Notification,
NotificationGroup, Conversation (JSON shapes as in Mastodon's API
documentation, https://docs.joinmastodon.org/entities/).

Pure shaping of what the services return (:func:`socialgraph.content.posts.present_posts`,
:mod:`~socialgraph.content.comments`, :mod:`~socialgraph.messaging.notifications`,
:mod:`~socialgraph.messaging.messages`): no rule is decided here, every
visibility, block and privacy check happened in the service that produced
the input. The mapping of our richer model is the table in ``docs/mastodon.md``:

- a status is a post; a comment is a status replying to the post (or to its
  parent comment), so ``/context`` shows a thread as Mastodon does;
- favourite = our ``like`` reaction; the other reactions are Akkoma/Pleroma
  emoji reactions (``pleroma.emoji_reactions``, :data:`EMOJI`);
- reblog = our repost (a quote is a status with text whose extension names
  the quoted post);
- visibility: ``public`` = public; ``private`` = followers, friends,
  close friends, only me (the exact audience in ``socialgraph.audience``); a
  direct message is ``direct``.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from flask import current_app
from markupsafe import escape

from socialgraph import stores
from socialgraph.content.posts import reposted_among
from socialgraph.content.reactions import viewer_reactions
from socialgraph.content.visibility import effective_audience
from socialgraph.core.text import HASHTAG_RE, MENTION_RE, normalise_tag
from socialgraph.mastodon.entities import accounts_by_id, iso

#: our reaction types as the emoji of Akkoma/Pleroma emoji reactions
EMOJI = {"like": "\U0001F44D", "love": "\u2764\ufe0f", "laugh": "\U0001F606", "sad": "\U0001F622",
         "angry": "\U0001F621"}
#: emoji (with or without the variation selector) -> our reaction type
REACTION_OF_EMOJI = {e: t for t, e in EMOJI.items()} | {e.replace("\ufe0f", ""): t for t, e in EMOJI.items()}

#: Mastodon visibility -> our audience (``direct`` is a direct message, not a post)
AUDIENCE_OF_VISIBILITY = {"public": "public", "unlisted": "public", "private": "followers"}

#: our notification types -> Mastodon's (reactions are decided per reaction: like -> favourite)
NOTIFICATION_TYPES = {"follow": "follow", "follow_request": "follow_request", "comment": "mention",
                      "reply": "mention", "mention": "mention", "share": "reblog", "reaction": "favourite"}
#: Mastodon notification type -> ours (the ``types[]``/``exclude_types[]`` filters)
OUR_TYPES_OF = {"follow": ["follow"], "follow_request": ["follow_request"],
                "mention": ["comment", "reply", "mention"], "reblog": ["share"],
                "favourite": ["reaction"], "pleroma:emoji_reaction": ["reaction"]}


def _base() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def visibility_of(post: dict) -> tuple[str, str]:
    """``(Mastodon visibility, our audience)`` of a post in our shape."""
    audience = effective_audience({"visibility": post.get("visibility"),
                                   "author_private": post.get("author_private")})
    if post.get("group_id"):
        return "private", "group"
    return ("public" if audience == "public" else "private"), audience


def render_html(text: str) -> str:
    """Our plain text as Mastodon's status HTML: escaped, #tags and @mentions
    linked (``class="mention hashtag"`` / ``u-url mention``), paragraphs on
    blank lines, ``<br />`` on single line breaks."""
    base = _base()
    out = []
    for para in re.split(r"\n\s*\n", (text or "").strip()):
        if not para:
            continue
        html = str(escape(para))
        html = HASHTAG_RE.sub(lambda m: f'<a href="{base}/#/tags/{normalise_tag(m.group(1))}" class="mention hashtag" '
                                        f'rel="tag">#<span>{m.group(1)}</span></a>', html)
        html = MENTION_RE.sub(lambda m: f'<span class="h-card"><a href="{base}/#/u/{m.group(1).lower()}" '
                                        f'class="u-url mention">@<span>{m.group(1)}</span></a></span>', html)
        out.append("<p>" + html.replace("\n", "<br />") + "</p>")
    return "".join(out)


def media_attachment(m: dict) -> dict:
    """MediaAttachment of one media item (:func:`socialgraph.content.media.present`).
    ``url`` is ``null`` while it is processing (Mastodon's async media)."""
    urls = m.get("urls") or {}
    kind = "image" if m.get("kind") == "image" else "video" if m.get("kind") == "video" else "unknown"
    url = urls.get("full") or next(iter(urls.values()), None)
    preview = m.get("poster_url") or urls.get("small") or urls.get("large") or url
    meta: dict = {}
    if m.get("width") and m.get("height"):
        w, h = m["width"], m["height"]
        meta["original"] = {"width": w, "height": h, "size": f"{w}x{h}", "aspect": round(w / h, 6)}
        if m.get("duration") is not None:
            meta["original"]["duration"] = m["duration"]
    return {"id": m["id"], "type": kind, "url": url, "preview_url": preview, "remote_url": None,
            "text_url": None, "meta": meta, "description": m.get("description"), "blurhash": m.get("blurhash"),
            "socialgraph": {"status": m.get("status"), "error": m.get("error")}}


def tag_entity(name: str, uses: int | None = None, accounts: int | None = None) -> dict:
    """Tag: ``{name, url, history: [{day, uses, accounts}], following}`` (history:
    today's figures when known, as strings like Mastodon's)."""
    history = []
    if uses is not None or accounts is not None:
        day = int(datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0).timestamp())
        history.append({"day": str(day), "uses": str(uses or 0), "accounts": str(accounts or 0)})
    return {"name": name, "url": f"{_base()}/#/tags/{name}", "history": history, "following": False}


def _mentions(names: list[str]) -> dict[str, str]:
    """username -> uid of the existing users among ``names`` (one graph query)."""
    if not names:
        return {}
    rows = stores.graph().read("graph/users/get_uids_by_usernames", usernames=sorted(set(names)))
    return {r["username"]: r["uid"] for r in rows}


def _status_url(sid: str) -> str:
    return f"{_base()}/#/post/{sid}"


def statuses(posts: list[dict], viewer: str | None) -> list[dict]:
    """Statuses of posts in :func:`~socialgraph.content.posts.present_posts`
    shape (already visible to ``viewer``), in the same order."""
    if not posts:
        return []
    originals = [p["shared_post"] for p in posts if p.get("shared_post")]
    every = posts + originals
    accounts = accounts_by_id([p["author"]["uid"] for p in every], viewer)
    names = _mentions([n for p in every for n in p.get("mentions") or []])
    reblogged = reposted_among(viewer, [p["id"] for p in every])

    def one(p: dict) -> dict:
        if p.get("kind") == "repost" and p.get("shared_post"):
            inner = one(p["shared_post"])
            out = _status_base(p, accounts, names, reblogged)
            out.update(reblog=inner, content="", text=None, media_attachments=[], mentions=[], tags=[],
                       favourites_count=0, reblogs_count=0, replies_count=0)
            return out
        return _status_base(p, accounts, names, reblogged)

    return [one(p) for p in posts]


def _status_base(p: dict, accounts: dict, names: dict, reblogged: set) -> dict:
    visibility, audience = visibility_of(p)
    counts = p.get("counts") or {}
    reactions = counts.get("reactions") or {}
    mine = p.get("viewer_reaction")
    author = p["author"]["uid"]
    ext = {"audience": audience, "kind": p.get("kind") or "post", "reactions": reactions}
    if p.get("kind") == "quote":
        ext["quote_of"] = (p.get("shared_post") or {}).get("id")
    if p.get("group_id"):
        ext["group_id"] = p["group_id"]
    return {
        "id": p["id"], "uri": _status_url(p["id"]), "url": _status_url(p["id"]),
        "created_at": iso(p["created_at"]), "edited_at": iso(p.get("edited_at")),
        "account": accounts.get(author) or _unknown_account(author),
        "content": render_html(p.get("text") or ""), "text": None,
        "visibility": visibility, "sensitive": bool(p.get("sensitive")),
        "spoiler_text": p.get("content_warning") or "", "language": None,
        "media_attachments": [media_attachment(m) for m in p.get("media") or []],
        "application": None, "mentions": [
            {"id": names[n], "username": n, "acct": n, "url": f"{_base()}/#/u/{n}"} for n in p.get("mentions") or []
            if n in names],
        "tags": [{"name": t, "url": f"{_base()}/#/tags/{t}"} for t in p.get("hashtags") or []],
        "emojis": [], "reblogs_count": counts.get("shares", 0), "favourites_count": reactions.get("like", 0),
        "replies_count": counts.get("comments", 0), "reblog": None, "poll": None, "card": None,
        "in_reply_to_id": None, "in_reply_to_account_id": None,
        "favourited": mine == "like", "reblogged": p["id"] in reblogged, "muted": False,
        "bookmarked": False, "pinned": False, "filtered": [],
        "pleroma": {"emoji_reactions": _emoji_reactions(reactions, mine)},
        "socialgraph": ext,
    }


def _emoji_reactions(reactions: dict, mine: str | None) -> list[dict]:
    return [{"name": EMOJI[t], "count": n, "me": mine == t} for t, n in sorted(reactions.items())
            if t != "like" and t in EMOJI and n > 0]


def _unknown_account(uid: str) -> dict:
    """An account that is gone (the status is kept readable)."""
    return {"id": uid, "username": "deleted", "acct": "deleted", "display_name": "", "locked": False,
            "bot": False, "group": False, "created_at": None, "note": "", "url": None, "avatar": None,
            "avatar_static": None, "header": None, "header_static": None, "followers_count": 0,
            "following_count": 0, "statuses_count": 0, "last_status_at": None, "emojis": [], "fields": []}


def comment_statuses(comments: list[dict], post: dict, viewer: str | None,
                     parents: dict[str, str] | None = None) -> list[dict]:
    """Statuses of comments (:mod:`socialgraph.content.comments` shape) of one
    post (``post`` in ``present_posts`` shape, visible to ``viewer``): each
    replies to its parent comment or to the post; visibility is the post's.
    ``parents``: ``comment id -> author uid`` of parents not among ``comments``.
    Deleted placeholders are left out."""
    live = [c for c in comments if not c.get("deleted") and c.get("author")]
    if not live:
        return []
    visibility, audience = visibility_of(post)
    authors = {c["id"]: c["author"]["uid"] for c in live} | (parents or {})
    accounts = accounts_by_id([c["author"]["uid"] for c in live], viewer)
    names = _mentions([n for c in live for n in _mention_names(c.get("text"))])
    mine = viewer_reactions(viewer, [f"comment:{c['id']}" for c in live]) if viewer else {}
    out = []
    for c in live:
        reactions = c.get("reactions") or {}
        my = mine.get(f"comment:{c['id']}")
        reply_to = c.get("parent_id") or post["id"]
        reply_account = authors.get(c["parent_id"]) if c.get("parent_id") else post["author"]["uid"]
        out.append({
            "id": c["id"], "uri": _status_url(post["id"]) + f"?comment={c['id']}",
            "url": _status_url(post["id"]) + f"?comment={c['id']}",
            "created_at": iso(c["created_at"]), "edited_at": iso(c.get("edited_at")),
            "account": accounts.get(c["author"]["uid"]) or _unknown_account(c["author"]["uid"]),
            "content": render_html(c.get("text") or ""), "text": None, "visibility": visibility,
            "sensitive": False, "spoiler_text": "", "language": None, "media_attachments": [],
            "application": None,
            "mentions": [{"id": names[n], "username": n, "acct": n, "url": f"{_base()}/#/u/{n}"}
                         for n in _mention_names(c.get("text")) if n in names],
            "tags": [], "emojis": [], "reblogs_count": 0, "favourites_count": reactions.get("like", 0),
            "replies_count": c.get("reply_count", 0), "reblog": None, "poll": None, "card": None,
            "in_reply_to_id": reply_to, "in_reply_to_account_id": reply_account,
            "favourited": my == "like", "reblogged": False, "muted": False, "bookmarked": False,
            "pinned": False, "filtered": [],
            "pleroma": {"emoji_reactions": _emoji_reactions(reactions, my)},
            "socialgraph": {"audience": audience, "kind": "comment", "post_id": post["id"],
                            "reactions": reactions},
        })
    return out


def _mention_names(text: str | None) -> list[str]:
    return list(dict.fromkeys(m.group(1).lower() for m in MENTION_RE.finditer(text or "")))


def message_status(message: dict, conversation: dict, viewer: str) -> dict:
    """A direct message as a ``direct`` status (``conversation`` in
    :mod:`~socialgraph.messaging.messages` shape, the viewer a member)."""
    sender = message["sender_id"]
    accounts = accounts_by_id([sender], viewer)
    others = [m for m in conversation["members"] if m["uid"] != sender]
    return {
        "id": message["id"], "uri": f"{_base()}/#/messages/{conversation['id']}",
        "url": f"{_base()}/#/messages/{conversation['id']}", "created_at": iso(message["created_at"]),
        "edited_at": None, "account": accounts.get(sender) or _unknown_account(sender),
        "content": render_html(message.get("text") or ""), "text": None, "visibility": "direct",
        "sensitive": False, "spoiler_text": "", "language": None, "media_attachments": [], "application": None,
        "mentions": [{"id": m["uid"], "username": m["username"], "acct": m["username"],
                      "url": f"{_base()}/#/u/{m['username']}"} for m in others if m.get("username")],
        "tags": [], "emojis": [], "reblogs_count": 0, "favourites_count": 0, "replies_count": 0,
        "reblog": None, "poll": None, "card": None, "in_reply_to_id": None, "in_reply_to_account_id": None,
        "favourited": False, "reblogged": False, "muted": False, "bookmarked": False, "pinned": False,
        "filtered": [], "pleroma": {"emoji_reactions": []},
        "socialgraph": {"audience": "direct", "kind": "message", "conversation_id": conversation["id"]},
    }


def conversation_entity(conversation: dict, last: dict | None, viewer: str) -> dict:
    """Conversation: ``{id, unread, accounts (the other members), last_status}``."""
    others = [m["uid"] for m in conversation["members"] if m["uid"] != viewer]
    accounts = accounts_by_id(others, viewer)
    unread = bool(last and last["sender_id"] != viewer and conversation.get("last_read_message_id") != last["id"])
    return {"id": conversation["id"], "unread": unread,
            "accounts": [accounts[u] for u in others if u in accounts],
            "last_status": message_status(last, conversation, viewer) if last else None}


def mastodon_notification_type(n: dict) -> str | None:
    """The Mastodon type of one of our notifications, ``None`` when it has
    none (friend requests, groups, stories, exports stay in our native API)."""
    if n["type"] == "reaction":
        reaction = (n.get("object") or {}).get("reaction") or "like"
        return "favourite" if reaction == "like" else "pleroma:emoji_reaction"
    return NOTIFICATION_TYPES.get(n["type"])


def status_ref(n: dict) -> tuple[str, str] | None:
    """``("post"|"comment", id)`` of the status a notification is about."""
    obj = n.get("object") or {}
    target = obj.get("target") or ""
    if target.startswith("comment:"):
        return "comment", target.split(":", 1)[1]
    if target.startswith("post:"):
        return "post", target.split(":", 1)[1]
    if obj.get("comment_id"):
        return "comment", obj["comment_id"]
    if obj.get("post_id"):
        return "post", obj["post_id"]
    return None


def notification_entity(n: dict, status: dict | None, accounts: dict) -> dict | None:
    """Notification: ``{id, type, created_at, account, status?, group_key}``
    (``pleroma:emoji_reaction`` also has ``emoji``); ``None`` for a type
    Mastodon has no name for, or when the status it is about is no longer
    visible."""
    mtype = mastodon_notification_type(n)
    if mtype is None or not n.get("actors"):
        return None
    actor = n["actors"][0]["uid"]
    if actor not in accounts:
        return None
    if mtype not in ("follow", "follow_request") and status is None:
        return None
    out = {"id": n["id"], "type": mtype, "created_at": iso(n["updated_at"]), "account": accounts[actor],
           "group_key": f"ungrouped-{n['id']}" if n.get("actors_count", 1) <= 1 else n["id"],
           "socialgraph": {"type": n["type"], "read": n["read"], "actors_count": n.get("actors_count", 1)}}
    if status is not None:
        out["status"] = status
    if mtype == "pleroma:emoji_reaction":
        out["emoji"] = EMOJI.get((n.get("object") or {}).get("reaction"), "")
    return out


def notification_group(n: dict, status_id: str | None) -> dict:
    """NotificationGroup of a grouped notification (Mastodon 4.3,
    ``/api/v2/notifications``): ``{group_key, notifications_count, type,
    most_recent_notification_id, page_min_id, page_max_id,
    latest_page_notification_at, sample_account_ids, status_id}``."""
    return {"group_key": f"ungrouped-{n['id']}" if n.get("actors_count", 1) <= 1 else n["id"],
            "notifications_count": n.get("actors_count", 1), "type": mastodon_notification_type(n),
            "most_recent_notification_id": n["id"], "page_min_id": n["id"], "page_max_id": n["id"],
            "latest_page_notification_at": iso(n["updated_at"]),
            "sample_account_ids": [a["uid"] for a in n.get("actors") or []], "status_id": status_id}
